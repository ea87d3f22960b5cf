"""API keys: an admin creates a key for a role (and its party), lists keys and revokes them.

The token is shown once, at creation; listings never show it nor its hash.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from consentry.api.deps import ActorDep, ServiceDep
from consentry.api.errors import PROBLEM_JSON
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.api.schemas import KeyIn, KeyListOut, KeyOut, KeyRevokedOut, Problem
from consentry.registry.access import Role

router = APIRouter(prefix="/v1/keys", tags=["keys"], dependencies=REQUIRE_KEY, responses=PROBLEMS)

ALREADY_REVOKED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The key was already revoked (`revoked_at` says when)",
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
    }
}


@router.post("", status_code=201, response_model=KeyOut, summary="Create an API key (admin)")
def create_key(body: KeyIn, actor: ActorDep, service: ServiceDep) -> Response:
    role = Role.parse(body.role)
    key_id, token = service.create_api_key(actor, role=role, party_id=body.party_id)
    return json_response(
        {"key_id": key_id, "token": token, "role": role.value, "party_id": body.party_id}, 201
    )


@router.get("", response_model=KeyListOut, summary="List API keys (admin)")
def list_keys(actor: ActorDep, service: ServiceDep) -> Response:
    """Every key, revoked ones included, without tokens or hashes."""
    return json_response({"items": [k.to_json() for k in service.list_api_keys(actor)]})


@router.delete(
    "/{key_id}",
    response_model=KeyRevokedOut,
    responses=ALREADY_REVOKED,
    summary="Revoke an API key (admin)",
)
def revoke_key(key_id: str, actor: ActorDep, service: ServiceDep) -> Response:
    """From now on the key is refused (401) by this server process, and by every other
    server process within one second (they trust a verified key for at most a second)."""
    revoked_at = service.revoke_api_key(actor, key_id)
    return json_response({"key_id": key_id, "revoked_at": revoked_at.isoformat()})
