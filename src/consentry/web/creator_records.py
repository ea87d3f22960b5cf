"""The creator's records (``/creator/...``, second half of the creator's area): the
organisations acting for me (grant and withdraw a mandate), the notices sent on my behalf,
where my works were found in use. My licences and statements: ``creator_licences.py``.

No rules here: each page calls the service the API calls (``create_mandate``,
``withdraw_mandate``, ``on_behalf_of``, ``usage_of``) with the signed-in user's ``Actor``,
so who may grant, withdraw or read what is decided in one place. The words describing what
a mandate lets an organisation do restate the rules the services apply.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from consentry.accounting.usage import format_units
from consentry.bootstrap import Registry
from consentry.errors import Conflict, ConsentryError, NotFound, PermissionDenied, ValidationError
from consentry.registry.access import Actor, Role
from consentry.registry.mandates import WORLD, Mandate
from consentry.registry.parties import PartyRole
from consentry.registry.purposes import Purpose
from consentry.web import creator_licences
from consentry.web.charts import bar_chart
from consentry.web.forms import FormErrors
from consentry.web.session import WebUser, read_form, require_role
from consentry.web.templating import redirect, render

CreatorDep = Annotated[WebUser, Depends(require_role(Role.CREATOR))]

router = APIRouter(prefix="/creator")
router.include_router(creator_licences.router)

# The purposes in words (presentation only; the vocabulary is registry/purposes.py).
PURPOSE_WORDS: dict[str, str] = {
    Purpose.TDM.value: "text and data mining of any kind",
    Purpose.AI_TRAIN.value: "training or fine-tuning AI models",
    Purpose.AI_INPUT.value: "use as input to AI at answer time (retrieval, grounding, prompts)",
    Purpose.AI_INDEX.value: "building AI retrieval indexes or embeddings",
    Purpose.SEARCH.value: "classic search indexing",
}
GRANT_FIELDS = frozenset(
    {"organisation_id", "purposes", "territories", "valid_from", "valid_until", "evidence"}
)
# a service error's field -> the form's
FIELD_NAMES = {"purpose": "purposes", "territory": "territories", "organisation": "organisation_id"}
PAGE = 1000


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def error_page(request: Request, exc: ConsentryError) -> HTMLResponse:
    """A refused or unknown record as a page: 403 for another party's, 404 for none."""
    if isinstance(exc, PermissionDenied):
        return render(request, "error.html", 403, title="Not allowed", message=exc.message)
    if isinstance(exc, NotFound):
        return render(request, "error.html", 404, title="Not found", message=exc.message)
    return render(request, "error.html", exc.status, title="Not possible", message=exc.message)


# ----------------------------------------------------------------------------- mandates
def purposes_in_words(purposes: Sequence[str]) -> list[str]:
    return [f"{p}: {PURPOSE_WORDS.get(p, p)}" for p in purposes]


def mandate_state(m: Mandate, now: datetime) -> str:
    if m.withdrawn_at is not None:
        return "withdrawn"
    if now < m.valid_from:
        return "not yet in force"
    return "in force" if m.in_force(now) else "ended"


def mandate_view(m: Mandate, organisation: str, now: datetime) -> dict[str, Any]:
    """A mandate as the page shows it, with what it lets the organisation do in words."""
    purposes = [p.value for p in Purpose if p in m.purposes]  # in vocabulary order
    places = sorted(m.territories)
    where = "everywhere" if WORLD in places else ", ".join(places)
    in_where = where if WORLD in places else f"in {where}"
    return {
        "id": m.id,
        "organisation": organisation,
        "organisation_id": m.organisation_id,
        "purposes": purposes,
        "purpose_words": purposes_in_words(purposes),
        "territories": where,
        "valid_from": m.valid_from.date().isoformat(),
        "valid_until": m.valid_until.date().isoformat() if m.valid_until else None,
        "withdrawn_at": m.withdrawn_at.date().isoformat() if m.withdrawn_at else None,
        "evidence": m.evidence,
        "state": mandate_state(m, now),
        "may": [
            f"declare AI-use terms for your works for these purposes, {in_where}",
            "register works that name you",
            "send notices naming your works to AI developers for these purposes",
            "offer your works for licensing and opt them into collective licensing schemes "
            "for these purposes",
            "see your contact details",
        ],
    }


def my_mandates(registry: Registry, actor: Actor) -> list[Mandate]:
    """Every mandate the creator's party gave (as the member)."""
    out: list[Mandate] = []
    while True:
        batch = registry.service.list_mandates(actor, offset=len(out), limit=PAGE)
        out.extend(batch)
        if len(batch) < PAGE:
            break
    return [m for m in out if m.member_id == actor.party_id]


def mandates_context(registry: Registry, actor: Actor) -> dict[str, Any]:
    service = registry.service
    now = service.clock()
    orgs = service.list_parties(actor, offset=0, limit=PAGE, role=PartyRole.MEMBER_ORGANISATION)
    names = {p.id: p.name for p in orgs}
    mine = my_mandates(registry, actor)
    for m in mine:
        if m.organisation_id not in names:
            names[m.organisation_id] = service.get_party(actor, m.organisation_id).name
    return {
        "mandates": [mandate_view(m, names[m.organisation_id], now) for m in mine],
        "organisations": [("", "Choose an organisation")]
        + [(p.id, f"{p.name} ({p.id})") for p in orgs],
        "purpose_choices": [(p.value, PURPOSE_WORDS[p.value]) for p in Purpose],
    }


@router.get("/mandates")
def mandates(request: Request, user: CreatorDep) -> HTMLResponse:
    ctx = mandates_context(registry_of(request), user.actor)
    values = {"territories": WORLD}
    return render(
        request, "creator/mandates.html", values=values, chosen=[], here="mandates", **ctx
    )


def parse_day(text: str, field: str) -> datetime | None:
    """A date typed in a form (``YYYY-MM-DD``) as midnight UTC; empty is None."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a date",
            field=field,
            value=text,
            expected="a date like 2026-12-31",
        ) from None


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def grant_from_form(registry: Registry, actor: Actor, form: FormData) -> Mandate:
    """The mandate the form asks for, granted through the service (which checks who may)."""
    purposes = [Purpose.parse(str(p)) for p in form.getlist("purposes")]
    territories = [t for t in re.split(r"[\s,;]+", text_of(form, "territories")) if t]
    valid_from = parse_day(text_of(form, "valid_from"), "valid_from")
    valid_until = parse_day(text_of(form, "valid_until"), "valid_until")
    organisation = text_of(form, "organisation_id").strip()
    if not organisation:
        raise ValidationError(
            "choose the organisation that will act for you",
            field="organisation_id",
            value="",
            expected="a member organisation",
        )
    try:
        return registry.service.create_mandate(
            actor,
            organisation_id=organisation,
            member_id=actor.own_party(),
            purposes=purposes,
            territories=territories,
            valid_from=valid_from or registry.service.clock(),
            valid_until=valid_until,
            evidence=text_of(form, "evidence"),
        )
    except NotFound as exc:
        raise ValidationError(
            f"there is no organisation {exc.key!r}",
            field="organisation_id",
            value=str(exc.key),
            expected="a member organisation of this registry",
        ) from None


@router.post("/mandates")
async def grant_mandate(request: Request, user: CreatorDep) -> Response:
    form = await read_form(request)
    registry = registry_of(request)
    errors = FormErrors(form, fields=GRANT_FIELDS)
    mandate = None
    with errors.catch(fields=FIELD_NAMES):
        mandate = await run_in_threadpool(grant_from_form, registry, user.actor, form)
    if errors or mandate is None:
        ctx = await run_in_threadpool(mandates_context, registry, user.actor)
        chosen = [str(p) for p in form.getlist("purposes")]
        return errors.render(
            request, "creator/mandates.html", chosen=chosen, here="mandates", **ctx
        )
    return redirect(
        request,
        "/creator/mandates",
        flash=f"Mandate {mandate.id} granted to organisation {mandate.organisation_id}.",
    )


@router.get("/mandates/{mandate_id}/withdraw")
def confirm_withdraw(mandate_id: str, request: Request, user: CreatorDep) -> HTMLResponse:
    registry = registry_of(request)
    try:
        m = registry.service.get_mandate(user.actor, mandate_id)
        org = registry.service.get_party(user.actor, m.organisation_id).name
    except (PermissionDenied, NotFound) as exc:
        return error_page(request, exc)
    view = mandate_view(m, org, registry.service.clock())
    return render(request, "creator/mandate_withdraw.html", mandate=view, here="mandates")


@router.post("/mandates/{mandate_id}/withdraw")
async def withdraw(mandate_id: str, request: Request, user: CreatorDep) -> Response:
    await read_form(request)
    service = registry_of(request).service
    try:
        m = await run_in_threadpool(service.withdraw_mandate, user.actor, mandate_id)
    except Conflict as exc:
        return redirect(
            request, "/creator/mandates", flash=exc.message[:1].upper() + exc.message[1:]
        )
    except (PermissionDenied, NotFound) as exc:
        return error_page(request, exc)
    return redirect(
        request,
        "/creator/mandates",
        flash=f"Mandate {m.id} withdrawn: from now on it covers nothing.",
    )


# ----------------------------------------------------------------------------- notices
@router.get("/notices")
def notices(request: Request, user: CreatorDep) -> HTMLResponse:
    found = registry_of(request).notices().on_behalf_of(user.actor)
    return render(
        request,
        "creator/notices.html",
        campaigns=list(reversed(found.campaigns)),
        removals=found.removals,
        day=day,
        here="notices",
    )


def day(iso: str | None) -> str:
    """An ISO time as its date (the pages show days; the ledger keeps the instants)."""
    return iso[:10] if iso else ""


# ----------------------------------------------------------------------------- found
def matches_per_work(usage: Sequence[dict[str, Any]]) -> list[tuple[str, int]]:
    """Usage lines per work, most first (the chart's rows: label = title)."""
    lines: dict[tuple[str, str], int] = defaultdict(int)
    for u in usage:
        lines[(u["work_id"], u["title"] or u["work_id"])] += u["lines"]
    ordered = sorted(lines.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    return [(title, n) for (_, title), n in ordered]


@router.get("/found")
def found(request: Request, user: CreatorDep) -> HTMLResponse:
    usage = registry_of(request).accounting.usage_of(user.actor)
    chart = bar_chart(
        matches_per_work(usage),
        title="Usage lines naming each of your works",
        description="Lines of the usage reports AI developers sent that name the work.",
        unit="lines",
        ident="found-per-work",
        empty="No usage report names your works yet.",
    )
    rows = [dict(u, units=format_units(u["units_milli"])) for u in usage]
    return render(request, "creator/found.html", usage=rows, chart=chart, here="found")
