"""What the organisation's pages share: the signed-in organisation user, the registry, and
the rows their tables show (values only; every rule stays in the services they call)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from consentry.registry.access import Role
from consentry.web.session import WebUser, require_role

if TYPE_CHECKING:
    from consentry.bootstrap import Registry
    from consentry.errors import ConsentryError
    from consentry.registry.mandates import Mandate

OrgUser = Annotated[WebUser, Depends(require_role(Role.ORGANISATION))]
MAX_UPLOAD = 20 * 1024 * 1024  # bytes of a mandates file


def registry_of(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


def organisation_of(user: WebUser) -> str:
    """The organisation the user acts for (its party); the actor's own check refuses a
    user without one."""
    return user.actor.own_party()


def when(value: datetime | str | None) -> str:
    """A time as the pages show it: ``2026-12-06 14:03 UTC`` (empty for none)."""
    if value is None or value == "":
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.strftime("%Y-%m-%d %H:%M UTC")


def mandate_row(m: Mandate, member_name: str, now: datetime) -> dict[str, Any]:
    if m.withdrawn_at is not None:
        state = f"withdrawn {when(m.withdrawn_at)}"
    elif m.in_force(now):
        state = "in force"
    elif now < m.valid_from:
        state = "not yet in force"
    else:
        state = "ended"
    return {
        "id": m.id,
        "member_id": m.member_id,
        "member": member_name or m.member_id,
        "purposes": ", ".join(sorted(p.value for p in m.purposes)),
        "territories": ", ".join(sorted(m.territories)),
        "valid_from": m.valid_from.date().isoformat(),
        "valid_until": m.valid_until.date().isoformat() if m.valid_until else "no end",
        "state": state,
        "withdrawn": m.withdrawn_at is not None,
        "evidence": m.evidence,
    }


def field_error(exc: ConsentryError, fields: set[str], default: str) -> dict[str, str]:
    """``{field: message}`` for an error a use case raised: its own field when the form has
    it (``purposes[0]`` is ``purposes``), else ``default``."""
    named = str(exc.payload.get("field") or "")
    key = named.split("[")[0].split(".")[0].lstrip("-").replace("-", "_")
    return {key if key in fields else default: exc.message}
