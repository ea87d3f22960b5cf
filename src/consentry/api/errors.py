"""The one place where errors become ``application/problem+json`` (RFC 9457).

Every :class:`~consentry.errors.ConsentryError` maps to a problem whose ``status`` and
``title`` come from its class and whose extension members are its payload (``field``,
``value``, ``expected`` for validation errors; ``kind`` and ``key`` for not-found, ...).
FastAPI's request validation errors and Starlette's HTTP errors (unknown route, wrong
method) are mapped to the same shape, so a client reads one error format.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from consentry.errors import ConsentryError

PROBLEM_JSON = "application/problem+json"
_RESERVED = {"type", "title", "status", "detail", "instance"}
MAX_ECHO = 500  # characters of a bad input echoed back as "value"
_log = logging.getLogger("consentry.api")


def problem_type(title: str) -> str:
    """A stable URI naming the kind of problem, e.g. ``urn:consentry:problem:invalid-value``."""
    return "urn:consentry:problem:" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _plain(value: Any) -> Any:
    """Make a payload value JSON-ready without losing what it says."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value[:MAX_ECHO]).decode("utf-8", errors="replace")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(title),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    for key, value in extra.items():
        if key not in _RESERVED:
            body[key] = _plain(value)
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def problem_for(exc: ConsentryError, instance: str | None = None) -> Response:
    payload = dict(exc.payload)
    headers = {"WWW-Authenticate": 'Bearer realm="consentry"'} if exc.status == 401 else None
    return problem(
        exc.status, exc.title, exc.message, instance=instance, headers=headers, **payload
    )


def _field_name(loc: Sequence[int | str]) -> str:
    """``("body", "holders", 0, "share")`` -> ``holders[0].share``; query/path keep the name."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    out = ""
    for p in parts:
        if p == "[key]":  # a dict's key: the field is named by the key itself
            continue
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or (str(loc[0]) if loc else "request")


def _validation_problem(exc: RequestValidationError, instance: str) -> Response:
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        entry: dict[str, Any] = {
            "field": _field_name(loc),
            "in": str(loc[0]) if loc else "request",
            "problem": str(err.get("msg", "invalid")),
        }
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "malformed")
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            entry.update(field="body", problem=f"the body is not valid JSON ({reason}){at}")
        elif err.get("type") == "literal_error":  # a closed vocabulary: name every value
            choices = str((err.get("ctx") or {}).get("expected", ""))
            choices = choices.replace("'", "").replace(" or ", ", ")
            entry["problem"] = f"unknown value {err.get('input')!r}, expected one of {choices}"
            entry["expected"] = choices
        elif loc == ("body",) and err.get("type") == "missing":
            entry["problem"] = "a JSON object body is required"
        elif loc == ("body",) and err.get("type") in ("model_attributes_type", "model_type"):
            entry["problem"] = "the body must be a JSON object"
        if "input" in err and err.get("type") not in ("missing", "json_invalid"):
            value = _plain(err["input"])
            if len(json.dumps(value, ensure_ascii=False)) <= MAX_ECHO:
                entry["value"] = value  # large inputs are not echoed back
        errors.append(entry)
    first = errors[0] if errors else {"field": "request", "problem": "invalid request"}
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors) or "invalid request"
    return problem(
        422,
        "invalid value",
        detail,
        instance=instance,
        field=first["field"],
        value=first.get("value"),
        expected=first.get("expected", first["problem"]),
        errors=errors,
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method of every route whose path matches (Starlette's 405 names only the first
    route's: ``GET /v1/keys`` and ``POST /v1/keys`` are two routes)."""
    methods: set[str] = set()
    for route in _leaf_routes(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def _leaf_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """The routes themselves: FastAPI keeps an included router as one entry (its routes carry
    the router's prefix already)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def install_error_handlers(app: FastAPI) -> None:
    async def on_consentry(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ConsentryError)
        return problem_for(exc, instance=request.url.path)

    async def on_request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_problem(exc, request.url.path)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "not found", 405: "method not allowed", 413: "request too large"}
        title = titles.get(exc.status_code, "http error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            detail = f"method {request.method} is not allowed on {request.url.path}"
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            headers=headers,
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal error",
            "the server failed to answer; the error was logged",
            instance=request.url.path,
        )

    app.add_exception_handler(ConsentryError, on_consentry)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem", "problem_for"]
