"""API keys: an admin creates a key for a role (and its party); the token is shown once."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.api.schemas import KeyIn, KeyOut
from consentry.registry.access import Role

router = APIRouter(prefix="/v1/keys", tags=["keys"], dependencies=REQUIRE_KEY, responses=PROBLEMS)


@router.post("", status_code=201, response_model=KeyOut, summary="Create an API key (admin)")
def create_key(body: KeyIn, actor: ActorDep, service: ServiceDep) -> Response:
    role = Role.parse(body.role)
    key_id, token = service.create_api_key(actor, role=role, party_id=body.party_id)
    return json_response(
        {"key_id": key_id, "token": token, "role": role.value, "party_id": body.party_id}, 201
    )
