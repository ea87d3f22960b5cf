"""The AI-developer directory: developers, their published copyright / opt-out contact points
and the crawler tokens they operate (docs/registry.md, "Members and developers")."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.api.schemas import DeveloperOut, DeveloperPage

router = APIRouter(
    prefix="/v1/developers", tags=["developers"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


@router.get("", response_model=DeveloperPage, summary="The AI-developer directory")
def list_developers(actor: ActorDep, service: ServiceDep) -> Response:
    """Every key: a developer's contact points for notices are published by the developer."""
    developers = service.list_developers(actor)
    return json_response({"items": [d.to_json() for d in developers]})


@router.get("/{party_id}", response_model=DeveloperOut, summary="An AI developer")
def get_developer(party_id: str, actor: ActorDep, service: ServiceDep) -> Response:
    return json_response(service.get_developer(actor, party_id).to_json())
