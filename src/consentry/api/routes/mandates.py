"""Mandates: a member lets an organisation act for it within a scope; read, list, withdraw."""

from __future__ import annotations

from typing import Annotated

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
from consentry.api.schemas import MandateIn, MandateOut, MandatePage
from consentry.api.views import mandate_view, page_view
from consentry.limits import MAX_ID
from consentry.registry.purposes import Purpose

router = APIRouter(
    prefix="/v1/mandates", tags=["mandates"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


@router.post("", status_code=201, response_model=MandateOut, summary="Grant a mandate")
def create_mandate(body: MandateIn, actor: ActorDep, service: ServiceDep) -> Response:
    """Only the member itself (or an admin): an organisation cannot grant itself a mandate."""
    purposes = []
    for n, p in enumerate(body.purposes):
        with field_as(f"purposes[{n}]"):
            purposes.append(Purpose.parse(p))
    now = service.clock()
    mandate = service.create_mandate(
        actor,
        organisation_id=body.organisation_id,
        member_id=body.member_id,
        purposes=purposes,
        territories=body.territories,
        valid_from=body.valid_from or now,
        valid_until=body.valid_until,
        evidence=body.evidence,
    )
    return json_response(mandate_view(mandate, now), 201)


@router.get("", response_model=MandatePage, summary="List mandates")
def list_mandates(
    actor: ActorDep,
    service: ServiceDep,
    offset: Offset = 0,
    limit: Limit = 100,
    organisation: Annotated[
        str | None, Query(max_length=MAX_ID, description="Only this organisation's mandates")
    ] = None,
) -> Response:
    """Admins see all; organisations and members see those they are party to."""
    now = service.clock()
    mandates = service.list_mandates(
        actor, offset=offset, limit=limit, organisation_id=organisation
    )
    return json_response(
        page_view([mandate_view(m, now) for m in mandates], offset=offset, limit=limit)
    )


@router.get("/{mandate_id}", response_model=MandateOut, summary="A mandate")
def get_mandate(mandate_id: str, actor: ActorDep, service: ServiceDep) -> Response:
    return json_response(mandate_view(service.get_mandate(actor, mandate_id), service.clock()))


@router.post(
    "/{mandate_id}/withdraw",
    response_model=MandateOut,
    responses=CONFLICT,
    summary="Withdraw a mandate",
)
def withdraw_mandate(mandate_id: str, actor: ActorDep, service: ServiceDep) -> Response:
    """The member, the organisation or an admin; from now on it covers nothing."""
    mandate = service.withdraw_mandate(actor, mandate_id)
    return json_response(mandate_view(mandate, service.clock()))
