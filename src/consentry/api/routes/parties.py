"""Parties: register, read (contacts only for the party itself, its mandated organisations
and admins) and list; catalogue-wide terms are in terms.py."""

from __future__ import annotations

from fastapi import APIRouter
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
    PartyIn,
    PartyOut,
    PartyPage,
)
from consentry.api.views import page_view, party_view
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


@router.post(
    "",
    status_code=201,
    response_model=PartyOut,
    responses=CONFLICT,
    summary="Register a party",
)
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
