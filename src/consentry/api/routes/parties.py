"""Parties: register, read (contacts only for the party itself, its organisations and
admins), list, and their catalogue-wide terms."""

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
from consentry.api.routes.works import declared_view
from consentry.api.schemas import (
    CatalogueTermsIn,
    DeclaredOut,
    PartyIn,
    PartyOut,
    PartyPage,
    TermsOut,
)
from consentry.api.views import page_view, party_view, terms_detail
from consentry.errors import ValidationError
from consentry.registry.identifiers import parse_identifier
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole

router = APIRouter(
    prefix="/v1/parties", tags=["parties"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


def party_kind(value: str) -> PartyKind:
    try:
        return PartyKind(value.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown party kind {value!r}, expected person or organisation",
            field="kind",
            value=value,
            expected="person, organisation",
        ) from None


@router.post("", status_code=201, response_model=PartyOut, summary="Register a party")
def create_party(body: PartyIn, actor: ActorDep, service: ServiceDep) -> Response:
    """Admins and organisations."""
    roles = []
    for n, r in enumerate(body.roles):
        with field_as(f"roles[{n}]"):
            roles.append(PartyRole.parse(r))
    contacts = []
    for n, c in enumerate(body.contacts):
        with field_as(f"contacts[{n}]", inner="contacts"):
            contacts.append(ContactPoint(c.kind.strip().lower(), c.value.strip()))
    identifiers = []
    for n, i in enumerate(body.identifiers):
        identifiers.append(str(parse_identifier(i, field=f"identifiers[{n}]")))
    if not body.name.strip():
        raise ValidationError(
            "party name is empty", field="name", value=body.name, expected="a non-empty name"
        )
    party = service.create_party(
        actor,
        name=body.name,
        kind=party_kind(body.kind),
        roles=roles,
        identifiers=identifiers,
        contacts=contacts,
    )
    return json_response(party_view(party), 201)


@router.get("", response_model=PartyPage, summary="List parties")
def list_parties(
    actor: ActorDep, service: ServiceDep, offset: Offset = 0, limit: Limit = 100
) -> Response:
    parties = service.list_parties(actor, offset=offset, limit=limit)
    return json_response(page_view([party_view(p) for p in parties], offset=offset, limit=limit))


@router.get("/{party_id}", response_model=PartyOut, summary="A party")
def get_party(party_id: str, actor: ActorDep, service: ServiceDep) -> Response:
    return json_response(party_view(service.get_party(actor, party_id)))


@router.get("/{party_id}/terms", response_model=TermsOut, summary="A party's catalogue terms")
def party_terms(
    party_id: str,
    service: ServiceDep,
    at: AwareDatetime | None = Query(None, description="ISO-8601 time with offset"),
) -> Response:
    when = at or service.clock()
    terms = service.party_terms(party_id, at=when)
    return json_response(
        {"party_id": party_id, "at": when.isoformat(), "terms": terms_detail(terms)}
    )


@router.post(
    "/{party_id}/terms",
    status_code=201,
    response_model=DeclaredOut,
    summary="Declare catalogue-wide terms",
)
def declare_party_terms(
    party_id: str, body: CatalogueTermsIn, actor: ActorDep, service: ServiceDep
) -> Response:
    """The party itself, an organisation within its mandate, or an admin."""
    declared = service.declare_terms(
        actor,
        party_id=party_id,
        statuses=parse_statuses(body.terms),
        effective_from=body.effective_from,
        attribution_required=body.attribution_required,
        licence_url=body.licence_url,
        territory=parse_territory(body.territory),
    )
    return json_response(declared_view(declared), 201)
