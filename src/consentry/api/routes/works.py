"""Works: register, read, list, their terms now and at any time, history, declare terms."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import (
    PROBLEMS,
    REQUIRE_KEY,
    Limit,
    Offset,
    field_as,
    json_response,
    parse_statuses,
    parse_territory,
)
from consentry.api.schemas import (
    DeclaredOut,
    HistoryOut,
    PartyRefIn,
    TermsOut,
    WorkIn,
    WorkOut,
    WorkPage,
    WorkTermsIn,
)
from consentry.api.views import declaration_view, page_view, terms_detail, work_view
from consentry.errors import ValidationError
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import holder_role
from consentry.registry.service import Declared, RegistryService
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


def declared_view(declared: Declared) -> dict[str, object]:
    return {
        "declarations": [declaration_view(d) for d in declared.declarations],
        "ledger_seq": declared.ledger_seq,
        "receipt": declared.receipt,
    }


def _work(service: RegistryService, work_id: str) -> dict[str, object]:
    work = service.get_work(work_id)
    return work_view(work, service.work_terms(work_id))


@router.post("", status_code=201, response_model=WorkOut, summary="Register a work")
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


@router.get("/{work_id}/terms", response_model=TermsOut, summary="A work's terms, now or at T")
def work_terms(
    work_id: str,
    service: ServiceDep,
    at: AwareDatetime | None = Query(None, description="ISO-8601 time with offset"),
) -> Response:
    when = at or service.clock()
    terms = service.work_terms(work_id, at=when)
    return json_response({"work_id": work_id, "at": when.isoformat(), "terms": terms_detail(terms)})


@router.get("/{work_id}/terms/history", response_model=HistoryOut, summary="Every declaration")
def terms_history(work_id: str, service: ServiceDep) -> Response:
    decls = service.terms_history(work_id)
    return json_response({"work_id": work_id, "declarations": [declaration_view(d) for d in decls]})


@router.post(
    "/{work_id}/terms", status_code=201, response_model=DeclaredOut, summary="Declare terms"
)
def declare_work_terms(
    work_id: str, body: WorkTermsIn, actor: ActorDep, service: ServiceDep
) -> Response:
    """A holder or creator of the work declares its terms; answers with the signed receipt."""
    declared = service.declare_terms(
        actor,
        party_id=body.party_id,
        statuses=parse_statuses(body.terms),
        work_id=work_id,
        effective_from=body.effective_from,
        attribution_required=body.attribution_required,
        licence_url=body.licence_url,
        territory=parse_territory(body.territory),
    )
    return json_response(declared_view(declared), 201)
