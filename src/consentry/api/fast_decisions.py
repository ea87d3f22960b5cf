"""A fast path for ``GET /v1/decisions``, the request that comes by the thousand.

Decision (issue 8): through FastAPI, a decision spent more CPU on the framework than on
deciding: solving the key and NUL dependencies (HTTPBearer, APIKeyHeader, get_actor,
reject_nul), validating five query parameters through pydantic field by field, the
``request_response`` exit stacks, and an anyio thread-pool hop (capacity limiter, cancel
scope). This ASGI layer answers the common case itself:

- the query holds each known parameter at most once, no value holds NUL, and every value is
  one the route accepts (``work`` and ``developer`` at most ``MAX_ID`` characters,
  ``purpose`` one of the purposes, ``territory`` ``WORLD`` or an assigned ISO code, ``at`` through
  the same pydantic ``Time`` type);
- the API key is given the way ``deps.get_actor`` reads it and was verified within
  ``AUTH_CACHE_SECONDS`` (``cached_actor``: the same one-second revocation bound).

Anything else (a value the route refuses, a missing, malformed or unverified key, another
method) goes down the ordinary FastAPI route, which answers exactly as before: the fast
path never produces a 422 or 401 of its own, so every refusal is the route's own. The
decision itself, the developer default and the JSON body are the route's (``_decide``'s)
code; the core's errors (unknown work, territory, ...) become problem+json through the same
``problem_for`` as the app's handler. The route stays registered, so ``/openapi.json`` is
unchanged.

No blocking work on the event loop: the database read, the decision and the JSON run in a
worker thread, in one ``run_in_executor`` hop on a dedicated pool (``DECISION_THREADS``
threads per process; the rest of the API keeps anyio's pool, so a burst of decisions does
not queue other routes behind it). Nothing is cached across requests but the key check.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, get_args
from urllib.parse import parse_qsl

import orjson
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.api.errors import problem_for
from consentry.api.schemas import PurposeName, Time
from consentry.errors import ConsentryError
from consentry.limits import MAX_ID
from consentry.registry.access import Actor, Role
from consentry.registry.purposes import Purpose
from consentry.registry.service import RegistryService
from consentry.registry.territories import is_territory

PATH = "/v1/decisions"
DECISION_THREADS = 8
THREAD_PREFIX = "consentry-decide"

_PURPOSES: dict[str, Purpose] = {name: Purpose.parse(name) for name in get_args(PurposeName)}
_PARAMS = frozenset({"work", "purpose", "at", "developer", "territory"})
_TIME: TypeAdapter[datetime] = TypeAdapter(Time)
_HEADERS = [(b"content-type", b"application/json")]

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The process's decision threads (created on first use, shared by every app)."""
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(DECISION_THREADS, thread_name_prefix=THREAD_PREFIX)
    return _executor


class _Query:
    __slots__ = ("at", "developer", "purpose", "territory", "work")

    def __init__(
        self,
        work: str,
        purpose: Purpose,
        at: datetime | None,
        developer: str | None,
        territory: str | None,
    ) -> None:
        self.work, self.purpose, self.at = work, purpose, at
        self.developer, self.territory = developer, territory


def parse_query(query_string: bytes) -> _Query | None:
    """The decision's parameters when the route would accept every one; else None."""
    values: dict[str, str] = {}
    # As Starlette reads a query (QueryParams): latin-1, then parse_qsl with blank values.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in value or "\x00" in name:
            return None  # reject_nul's 422, on any parameter
        if name in _PARAMS:
            if name in values:
                return None  # repeated: the route's own rule (the last wins) decides
            values[name] = value
    work = values.get("work")
    purpose = _PURPOSES.get(values.get("purpose", ""))
    if work is None or purpose is None or len(work) > MAX_ID:
        return None
    developer = values.get("developer")
    if developer is not None and len(developer) > MAX_ID:
        return None
    territory = values.get("territory")
    if territory is not None and not is_territory(territory):  # the schema's check
        return None
    at: datetime | None = None
    if "at" in values:
        try:
            at = _TIME.validate_python(values["at"])
        except ValueError:  # pydantic's ValidationError: the route's 422
            return None
    return _Query(work, purpose, at, developer, territory)


def token_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The API key as ``deps.get_actor`` reads it (first header of each name), or None when
    get_actor would refuse the request."""
    authorization: str | None = None
    api_key: str | None = None
    for name, value in headers:
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    scheme, credentials = get_authorization_scheme_param(authorization)
    if authorization and scheme and credentials and scheme.lower() == "bearer":
        return credentials
    return api_key or None


def decide_json(service: RegistryService, actor: Actor, q: _Query) -> bytes:
    """The route's decision (``routes.decisions._decide``) as its JSON body; in a worker thread."""
    developer = q.developer
    if developer is None and actor.role is Role.DEVELOPER:
        developer = actor.party_id  # a developer asks for itself unless it names another
    decision = service.decide(
        work_id=q.work,
        purpose=q.purpose,
        at=q.at,
        developer_id=developer,
        territory=q.territory,
    )
    return orjson.dumps(decision.to_json())


class FastDecisions:
    """ASGI layer: ``GET /v1/decisions`` answered without the framework when it can be (see
    the module docstring); every other request passes to ``app`` untouched."""

    def __init__(self, app: ASGIApp, service: Callable[[], RegistryService]) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "GET"
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        q = parse_query(scope["query_string"])
        token = token_of(scope["headers"]) if q is not None else None
        service = self.service()
        actor = service.cached_actor(token) if token is not None else None
        if q is None or actor is None:
            await self.app(scope, receive, send)  # the route: its refusals, its key check
            return
        loop = asyncio.get_running_loop()
        try:
            body = await loop.run_in_executor(executor(), decide_json, service, actor, q)
        except ConsentryError as exc:
            response = problem_for(exc, instance=Request(scope).url.path)
            await response(scope, receive, send)
            return
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode()), *_HEADERS],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})


def install(app: Any) -> None:
    """Add the layer to a FastAPI app (inside the app's other middleware)."""
    app.add_middleware(FastDecisions, service=lambda: app.state.registry.service)
