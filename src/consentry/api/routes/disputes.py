"""Identifier disputes: an identifier claimed by works of unrelated registrants, shown to
every key, resolved by an admin for one of the works (docs/registry.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.errors import PROBLEM_JSON
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, Limit, Offset, json_response
from consentry.api.schemas import DisputeOut, DisputePage, DisputeResolveIn, Problem
from consentry.api.views import page_view

router = APIRouter(
    prefix="/v1/disputes", tags=["disputes"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)

ALREADY_RESOLVED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The dispute was already resolved, or the winner is not one of its works",
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
    }
}


@router.get("", response_model=DisputePage, summary="List identifier disputes")
def list_disputes(
    service: ServiceDep,
    offset: Offset = 0,
    limit: Limit = 100,
    open_only: bool = Query(False, alias="open", description="Only disputes not resolved"),
) -> Response:
    """Oldest first. Disputes are as public as the lookups that show them."""
    items = service.list_disputes(offset=offset, limit=limit, open_only=open_only)
    return json_response(page_view([d.to_json() for d in items], offset=offset, limit=limit))


@router.get("/{dispute_id}", response_model=DisputeOut, summary="An identifier dispute")
def get_dispute(dispute_id: str, service: ServiceDep) -> Response:
    return json_response(service.get_dispute(dispute_id).to_json())


@router.post(
    "/{dispute_id}/resolve",
    response_model=DisputeOut,
    responses=ALREADY_RESOLVED,
    summary="Resolve a dispute (admin)",
)
def resolve_dispute(
    dispute_id: str, body: DisputeResolveIn, actor: ActorDep, service: ServiceDep
) -> Response:
    """The identifier stays with `winner_work_id`; the other works lose it (they stay
    registered). Recorded as a `dispute.resolved` ledger entry."""
    dispute = service.resolve_dispute(
        actor, dispute_id, winner_work_id=body.winner_work_id, note=body.note
    )
    return json_response(dispute.to_json())
