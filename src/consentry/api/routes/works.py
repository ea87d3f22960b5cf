"""Works: register, read and list (their terms and declarations are in terms.py)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import (
    CONFLICT,
    PROBLEMS,
    REQUIRE_KEY,
    Limit,
    Offset,
    field_as,
    json_response,
)
from consentry.api.schemas import (
    PartyRefIn,
    WorkIn,
    WorkOut,
    WorkPage,
)
from consentry.api.views import page_view, work_view
from consentry.errors import ValidationError
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import holder_role
from consentry.registry.service import RegistryService
from consentry.registry.works import (
    ContributorRole,
    Holding,
    PartyRef,
    WorkDraft,
    WorkKind,
    parse_share,
)

router = APIRouter(prefix="/v1/works", tags=["works"], dependencies=REQUIRE_KEY, responses=PROBLEMS)


def party_ref(item: PartyRefIn, where: str) -> PartyRef:
    idents = []
    for n, raw in enumerate(item.identifiers):
        idents.append(str(parse_identifier(raw, field=f"{where}.identifiers[{n}]")))
    party_id = item.party_id.strip() if item.party_id else None
    if party_id and party_id.startswith("party:"):
        party_id = party_id[len("party:") :]
    name = item.name.strip() if item.name else None
    if not party_id and not name:
        raise ValidationError(
            f"{where} names no party",
            field=where,
            value=None,
            expected="party_id (a registered party) or name",
        )
    return PartyRef(name=None if party_id else name, party_id=party_id, identifiers=tuple(idents))


def work_draft(body: WorkIn) -> WorkDraft:
    kind = WorkKind.parse(body.kind)
    if not body.title.strip():
        raise ValidationError(
            "title is empty", field="title", value=body.title, expected="a non-empty title"
        )
    identifiers = tuple(
        str(parse_identifier(raw, field=f"identifiers[{n}]"))
        for n, raw in enumerate(body.identifiers)
    )
    contributors = []
    for n, c in enumerate(body.contributors):
        ref = party_ref(c, f"contributors[{n}]")
        with field_as(f"contributors[{n}].role"):
            role = ContributorRole.parse(c.role)
        contributors.append((ref, role))
    holders = []
    for n, h in enumerate(body.holders):
        ref = party_ref(h, f"holders[{n}]")
        with field_as(f"holders[{n}].role"):
            hrole = holder_role(h.role).value
        with field_as(f"holders[{n}].share"):
            share = parse_share(str(h.share))
            Holding("-", hrole, share, h.right)  # checks 0 < share <= 100
        right = h.right.strip() or "all"
        holders.append((ref, hrole, share, right))
    return WorkDraft(
        kind=kind,
        title=body.title,
        identifiers=identifiers,
        contributors=tuple(contributors),
        holders=tuple(holders),
        external_id=body.external_id,
    )


def _work(service: RegistryService, work_id: str) -> dict[str, object]:
    work = service.get_work(work_id)
    return work_view(work, service.work_terms(work_id))


@router.post(
    "",
    status_code=201,
    response_model=WorkOut,
    responses=CONFLICT,
    summary="Register a work",
)
def create_work(body: WorkIn, actor: ActorDep, service: ServiceDep) -> Response:
    """Admins, organisations (for mandated members) and creators (their own works)."""
    work = service.create_work(actor, work_draft(body))
    return json_response(work_view(work, service.work_terms(work.id)), 201)


@router.get("", response_model=WorkPage, summary="List works")
def list_works(
    service: ServiceDep,
    offset: Offset = 0,
    limit: Limit = 100,
    party: str | None = Query(None, description="Only works this party holds or contributed to"),
) -> Response:
    rows = service.list_works(offset=offset, limit=limit, party_id=party)
    items = [work_view(w, t) for w, t in rows]
    return json_response(page_view(items, offset=offset, limit=limit))


@router.get("/{work_id}", response_model=WorkOut, summary="A work with its current terms")
def get_work(work_id: str, service: ServiceDep) -> Response:
    return json_response(_work(service, work_id))
