"""Decisions: may developer D use work W for purpose P at time T? With reasons and evidence."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.api.schemas import DecisionIn, DecisionOut
from consentry.registry.access import Actor, Role
from consentry.registry.purposes import Purpose
from consentry.registry.service import RegistryService

router = APIRouter(
    prefix="/v1/decisions", tags=["decisions"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


def _decide(
    service: RegistryService,
    actor: Actor,
    work: str,
    purpose: str,
    at: datetime | None,
    developer: str | None,
) -> Response:
    if developer is None and actor.role is Role.DEVELOPER:
        developer = actor.party_id  # a developer asks for itself unless it names another
    decision = service.decide(
        work_id=work, purpose=Purpose.parse(purpose), at=at, developer_id=developer
    )
    return json_response(decision.to_json())


# async: a decision is a few indexed reads (~0.5 ms); answering on the event loop saves the
# thread-pool hop that otherwise costs as much again under load.
@router.get("", response_model=DecisionOut, summary="Decide one use")
async def decide_get(
    actor: ActorDep,
    service: ServiceDep,
    work: str = Query(..., description="Work id"),
    purpose: str = Query(..., description="tdm, ai-train, ai-input, ai-index or search"),
    at: AwareDatetime | None = Query(None, description="ISO-8601 time with offset; default now"),
    developer: str | None = Query(None, description="Developer party id"),
) -> Response:
    return _decide(service, actor, work, purpose, at, developer)


@router.post("", response_model=DecisionOut, summary="Decide one use (JSON body)")
async def decide_post(body: DecisionIn, actor: ActorDep, service: ServiceDep) -> Response:
    return _decide(service, actor, body.work, body.purpose, body.at, body.developer)
