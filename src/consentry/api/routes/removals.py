"""Removal requests (docs/notices.md, "Removal requests"): the developer a request is
addressed to answers it (acknowledged, confirmed with evidence files); the campaign's
organisation has consentry verify the evidence, or disputes it."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from consentry.api.deps import ActorDep, RegistryDep
from consentry.api.notice_schemas import AnswerFileIn
from consentry.api.routes.common import CONFLICT, PROBLEMS, REQUIRE_KEY, field_as, json_response
from consentry.bootstrap import Registry
from consentry.errors import ValidationError
from consentry.limits import MAX_ID

router = APIRouter(
    prefix="/v1/removals", tags=["notices"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


class RemovalUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(..., max_length=20, examples=["confirmed"])
    evidence: list[AnswerFileIn] = Field(
        default_factory=list,
        max_length=10,
        description="Files (base64): a consentry filter removal manifest, a consentry scan "
        "rescan report",
    )


def _open_if_removal(reg: Registry, campaign_id: str) -> None:
    from consentry.notices.kinds import NoticeKind
    from consentry.notices.repertoire import parse_works_json
    from consentry.notices.service_removals import open_removals
    from consentry.registry.access import SYSTEM

    with reg.uow() as uow:
        c = uow.notices.campaign(campaign_id)
    if c.kind is not NoticeKind.REMOVAL:
        return
    works = parse_works_json(reg.notices().outbox.read_attachments(c.id, c.attachments).works_json)
    with reg.uow(write=True) as uow:
        now = uow.ledger.locked_now(reg.service.clock)
        ids = reg.service.ids
        open_removals(uow, c.id, [w.work_id for w in works], ids=ids, now=now, actor=SYSTEM.label)
        uow.commit()


@router.get("", summary="Removal requests")
def list_removals(
    actor: ActorDep,
    reg: RegistryDep,
    campaign: Annotated[str | None, Query(max_length=MAX_ID)] = None,
) -> Response:
    """Admins: all; an organisation: its campaigns'; a developer: those addressed to it.
    A removal campaign's requests are opened when first listed."""
    from consentry.notices.service_removals import visible_removals
    from consentry.registry.access import Role

    actor.require(Role.ADMIN, Role.ORGANISATION, Role.DEVELOPER)
    if campaign is not None:
        _open_if_removal(reg, campaign)
    with reg.uow() as uow:
        items = visible_removals(uow, actor, campaign)
    return json_response({"items": items})


@router.post("/{removal_id}/state", summary="Move a removal request", responses=CONFLICT)
def update_removal(
    removal_id: str, body: RemovalUpdateIn, actor: ActorDep, reg: RegistryDep
) -> Response:
    """The developer: `acknowledged`, `confirmed` (with evidence); the organisation:
    `verified` (consentry re-checks the evidence), `disputed`; admins: any."""
    from consentry.notices.removals import RemovalState
    from consentry.notices.service_removals import update_removal as update

    with field_as("state"):
        state = RemovalState.parse(body.state)
    files: list[tuple[str, bytes]] = []
    for n, f in enumerate(body.evidence):
        try:
            files.append((f.name, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise ValidationError(
                f"evidence[{n}].content_base64 is not base64",
                field=f"evidence[{n}].content_base64",
                value=f.name,
                expected="the file's bytes in base64",
            ) from None
    with reg.uow(write=True) as uow:
        now = uow.ledger.locked_now(reg.service.clock)
        out: dict[str, Any] = update(
            uow, removal_id, state, files, now=now, actor=actor.label, who=actor
        )
        uow.commit()
    return json_response(out)
