"""Request dependencies: the registry of the app, and the actor behind the API key.

Decision: these dependencies are ``async`` so FastAPI does not send each of them through
the thread pool (three hops per request cost more than the decision itself). They do no
blocking work on the event loop: a key verified recently answers from memory
(:meth:`~consentry.registry.service_keys.KeyCases.cached_actor`); any other key is checked
against the database in a worker thread.

The key comes from ``Authorization: Bearer <token>`` or ``X-API-Key: <token>`` and is
resolved by :meth:`RegistryService.authenticate`. A missing, malformed, unknown or revoked
key is ``401``; what the actor may then do is decided by the service (``403``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from consentry.bootstrap import Registry
from consentry.errors import PermissionDenied, Unauthenticated
from consentry.registry.access import Actor
from consentry.registry.service import RegistryService

# auto_error=False: we raise our own problem+json 401 instead of FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer cst_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key: `X-API-Key`")


async def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


async def get_service(request: Request) -> RegistryService:
    registry: Registry = request.app.state.registry
    return registry.service


async def get_actor(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_header)],
) -> Actor:
    token = bearer.credentials if bearer is not None else api_key
    if token is None and "authorization" in request.headers:
        raise Unauthenticated(
            "Authorization header is not 'Bearer <token>'",
            field="Authorization",
            expected="Bearer cst_<id>_<secret>",
        )
    if not token:
        raise Unauthenticated(
            "an API key is required: send 'Authorization: Bearer <token>' or 'X-API-Key'",
            field="Authorization",
            expected="Bearer cst_<id>_<secret>",
        )
    service: RegistryService = request.app.state.registry.service
    actor = service.cached_actor(token)  # memory only: no thread-pool hop for a known key
    if actor is None:
        try:
            actor = await run_in_threadpool(service.authenticate, token)  # a database read
        except PermissionDenied as exc:
            extra = {k: v for k, v in exc.payload.items() if k != "field"}
            raise Unauthenticated(exc.message, field="Authorization", **extra) from None
    request.state.actor = actor
    return actor


def request_actor(request: Request) -> Actor:
    """The actor :func:`get_actor` found for this request, for routes whose router requires
    a key (``REQUIRE_KEY``).

    Decision: the hot routes (decisions) read it here instead of declaring ``ActorDep`` as
    well: FastAPI solves a dependency again, with its sub-dependencies, for every place it
    is declared (its cache only saves the call), and those solves were ~10 % of a
    decision's CPU.
    """
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        raise RuntimeError(f"{request.url.path}: no API key was checked for this route")
    return actor


def request_service(request: Request) -> RegistryService:
    """The registry service, without a dependency solve (see :func:`request_actor`)."""
    registry: Registry = request.app.state.registry
    return registry.service


ActorDep = Annotated[Actor, Depends(get_actor)]
ServiceDep = Annotated[RegistryService, Depends(get_service)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
