"""Decisions: may developer D use work W for purpose P at time T? With reasons and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from consentry.api.deps import request_actor, request_service
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, TERRITORY_QUERY, json_response
from consentry.api.schemas import DecisionIn, DecisionOut, PurposeName, Territory, Time
from consentry.limits import MAX_ID
from consentry.registry.access import Role
from consentry.registry.purposes import Purpose

router = APIRouter(
    prefix="/v1/decisions", tags=["decisions"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


def _decide(
    request: Request,
    work: str,
    purpose: str,
    at: datetime | None,
    developer: str | None,
    territory: str | None,
) -> Response:
    # The router's REQUIRE_KEY checked the key; the actor and service are read from the
    # request rather than declared again (see deps.request_actor: ~10 % of a decision's CPU).
    actor, service = request_actor(request), request_service(request)
    if developer is None and actor.role is Role.DEVELOPER:
        developer = actor.party_id  # a developer asks for itself unless it names another
    decision = service.decide(
        work_id=work,
        purpose=Purpose.parse(purpose),
        at=at,
        developer_id=developer,
        territory=territory,
    )
    return json_response(decision.to_json())


# Plain ``def``: the database read runs in a worker thread, never on the event loop (one
# thread-pool hop per decision; the key is resolved on the loop from memory when cached).
# Most GET requests never reach this route: api/fast_decisions.py answers those it would
# accept with a key verified within the second, the same way, and hands it everything else.
@router.get("", response_model=DecisionOut, summary="Decide one use")
def decide_get(
    request: Request,
    work: Annotated[str, Query(max_length=MAX_ID, description="Work id")],
    purpose: Annotated[PurposeName, Query(description="The purpose of the use")],
    at: Annotated[Time | None, Query(description="ISO-8601 time with offset; default now")] = None,
    developer: Annotated[
        str | None, Query(max_length=MAX_ID, description="Developer party id")
    ] = None,
    territory: Annotated[Territory | None, TERRITORY_QUERY] = None,
) -> Response:
    return _decide(request, work, purpose, at, developer, territory)


@router.post("", response_model=DecisionOut, summary="Decide one use (JSON body)")
def decide_post(request: Request, body: DecisionIn) -> Response:
    return _decide(request, body.work, body.purpose, body.at, body.developer, body.territory)
