"""The registry's public key (no key needed), signed receipts and the ledger head."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from consentry.api.deps import ActorDep, RegistryDep, ServiceDep
from consentry.api.routes.common import PROBLEMS, REQUIRE_KEY, json_response
from consentry.api.schemas import LedgerHeadOut

PEM = "application/x-pem-file"

public = APIRouter(tags=["ledger"])
router = APIRouter(tags=["ledger"], dependencies=REQUIRE_KEY, responses=PROBLEMS)

_pem_doc: dict[int | str, dict[str, Any]] = {
    200: {"content": {PEM: {}}, "description": "Ed25519 public key (PEM)"}
}


@public.get(
    "/v1/registry/public-key",
    response_class=Response,
    responses=_pem_doc,
    summary="The key that signs receipts",
)
def public_key(registry: RegistryDep) -> Response:
    """Public: verify receipts offline with it (`consentry receipt verify FILE`)."""
    return Response(registry.public_key_pem, media_type=PEM)


@public.get(
    "/.well-known/consentry-public-key.pem",
    response_class=Response,
    responses=_pem_doc,
    include_in_schema=False,
)
def well_known_public_key(registry: RegistryDep) -> Response:
    return Response(registry.public_key_pem, media_type=PEM)


# Any positive integer: one beyond the ledger (or beyond 64 bits) is a 404, never a 500.
@router.get("/v1/receipts/{seq}", summary="Re-issue the signed receipt of a declaration")
def receipt(
    seq: Annotated[int, Path(ge=1, description="Ledger entry")],
    actor: ActorDep,
    service: ServiceDep,
) -> Response:
    """The declaring party, the party whose terms they are, or an admin."""
    return json_response(service.receipt_for(actor, seq))


@router.get("/v1/ledger/head", response_model=LedgerHeadOut, summary="The ledger's last entry")
def ledger_head(registry: RegistryDep) -> Response:
    with registry.uow() as uow:
        seq, digest = uow.ledger.head()
    return json_response({"seq": seq, "hash": digest})
