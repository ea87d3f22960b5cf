"""AI-use terms: a work's combined terms now or at any time, its declaration history, a
party's catalogue-wide terms, and declaring terms (answered with the signed receipt)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import (
    PROBLEMS,
    REQUIRE_KEY,
    TERRITORY_QUERY,
    json_response,
    parse_statuses,
    parse_territory,
)
from consentry.api.schemas import (
    CatalogueTermsIn,
    DeclaredOut,
    HistoryOut,
    TermsOut,
    Territory,
    Time,
    WorkTermsIn,
)
from consentry.api.views import declaration_view, terms_detail
from consentry.registry.access import Actor
from consentry.registry.service import Declared, RegistryService
from consentry.registry.territories import WORLD

works_router = APIRouter(tags=["works"], dependencies=REQUIRE_KEY, responses=PROBLEMS)
parties_router = APIRouter(tags=["parties"], dependencies=REQUIRE_KEY, responses=PROBLEMS)


def declared_view(declared: Declared) -> dict[str, object]:
    return {
        "declarations": [declaration_view(d) for d in declared.declarations],
        "ledger_seq": declared.ledger_seq,
        "receipt": declared.receipt,
    }


@works_router.get(
    "/v1/works/{work_id}/terms", response_model=TermsOut, summary="A work's terms, now or at T"
)
def work_terms(
    work_id: str,
    service: ServiceDep,
    at: Time | None = Query(None, description="ISO-8601 time with offset"),
    territory: Annotated[Territory | None, TERRITORY_QUERY] = None,
) -> Response:
    when = at or service.clock()
    terms = service.work_terms(work_id, at=when, territory=territory)
    return json_response(
        {
            "work_id": work_id,
            "at": when.isoformat(),
            "territory": _asked(territory),
            "terms": terms_detail(terms),
        }
    )


@works_router.get(
    "/v1/works/{work_id}/terms/history", response_model=HistoryOut, summary="Every declaration"
)
def terms_history(work_id: str, service: ServiceDep) -> Response:
    decls = service.terms_history(work_id)
    return json_response({"work_id": work_id, "declarations": [declaration_view(d) for d in decls]})


@works_router.post(
    "/v1/works/{work_id}/terms",
    status_code=201,
    response_model=DeclaredOut,
    summary="Declare terms",
)
def declare_work_terms(
    work_id: str, body: WorkTermsIn, actor: ActorDep, service: ServiceDep
) -> Response:
    """A holder or creator of the work declares its terms; answers with the signed receipt."""
    return _declare(service, actor, body, party_id=body.party_id, work_id=work_id)


@parties_router.get(
    "/v1/parties/{party_id}/terms", response_model=TermsOut, summary="A party's catalogue terms"
)
def party_terms(
    party_id: str,
    service: ServiceDep,
    at: Time | None = Query(None, description="ISO-8601 time with offset"),
    territory: Annotated[Territory | None, TERRITORY_QUERY] = None,
) -> Response:
    when = at or service.clock()
    terms = service.party_terms(party_id, at=when, territory=territory)
    return json_response(
        {
            "party_id": party_id,
            "at": when.isoformat(),
            "territory": _asked(territory),
            "terms": terms_detail(terms),
        }
    )


def _asked(territory: str | None) -> str | None:
    """The territory the answer is for; None (and WORLD): everywhere."""
    return None if territory in (None, WORLD) else territory


@parties_router.post(
    "/v1/parties/{party_id}/terms",
    status_code=201,
    response_model=DeclaredOut,
    summary="Declare catalogue-wide terms",
)
def declare_party_terms(
    party_id: str, body: CatalogueTermsIn, actor: ActorDep, service: ServiceDep
) -> Response:
    """The party itself, an organisation within its mandate, or an admin."""
    return _declare(service, actor, body, party_id=party_id, work_id=None)


def _declare(
    service: RegistryService,
    actor: Actor,
    body: CatalogueTermsIn,
    *,
    party_id: str,
    work_id: str | None,
) -> Response:
    """Both declare routes: one mapping from the request body to the use case."""
    declared = service.declare_terms(
        actor,
        party_id=party_id,
        statuses=parse_statuses(body.terms),
        work_id=work_id,
        effective_from=body.effective_from,
        attribution_required=body.attribution_required,
        licence_url=body.licence_url,
        territory=parse_territory(body.territory),
    )
    return json_response(declared_view(declared), 201)
