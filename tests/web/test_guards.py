"""Guards over every web route, found by walking the app's routes (so a page added later is
covered the day it is written):

- every POST route of ``consentry.web`` answers 403 without a CSRF token and with a wrong
  one, anonymous and signed in with the role its path belongs to;
- every GET page under ``/creator``, ``/organisation`` and ``/developer`` sends a visitor
  who is not signed in to ``/login?next=...`` and answers 403 to every other role (the
  role x page table, as ``tests/api/test_permissions.py`` is for the API).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute

from consentry.bootstrap import Registry
from consentry.registry.access import Role
from tests.web.conftest import WebClient, make_account, sign_in

# Which role a path's pages are for, by prefix (the areas of COORD.md / docs/web.md).
AREAS: dict[str, Role] = {
    "/creator": Role.CREATOR,
    "/organisation": Role.ORGANISATION,
    "/developer": Role.DEVELOPER,
}
# POST routes outside consentry.web that are not /v1: the API's notice acknowledgement page
# (authenticated by the signed token in its URL, no cookie: nothing for CSRF to borrow).
NOT_WEB_POSTS = {"/notices/ack/{token}"}
CSRF_REFUSED = "security token is missing or wrong"


def leaf_routes(routes: Sequence[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """``(path, route)`` of every route, inside included routers too (FastAPI keeps an
    included router as one entry; its include prefix is in its include context)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from leaf_routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def web_routes(app: FastAPI, method: str) -> list[str]:
    return sorted(
        {
            path
            for path, route in leaf_routes(app.router.routes)
            if method in route.methods and route.endpoint.__module__.startswith("consentry.web")
        }
    )


def concrete(path: str) -> str:
    """The path with every parameter given a value (``{id}`` -> ``x``)."""
    return re.sub(r"\{[^}]+\}", "x", path)


def area_of(path: str) -> Role | None:
    return next((r for p, r in AREAS.items() if path == p or path.startswith(p + "/")), None)


def clients(registry: Registry) -> dict[Role | None, WebClient]:
    """A client not signed in (None) and one signed in for each role."""
    out: dict[Role | None, WebClient] = {None: WebClient(registry)}
    for role in (Role.CREATOR, Role.ORGANISATION, Role.DEVELOPER, Role.ADMIN):
        out[role] = WebClient(registry)
        sign_in(out[role], make_account(registry, role))
    return out


def test_the_walk_finds_the_web_routes(web: WebClient) -> None:
    posts = web_routes(web.app, "POST")
    assert {"/signup", "/login", "/logout", "/reset", "/reset/{token}"} <= set(posts)
    every_post = {p for p, r in leaf_routes(web.app.router.routes) if "POST" in r.methods}
    other = {p for p in every_post if not p.startswith("/v1/")} - set(posts)
    assert other == NOT_WEB_POSTS, "a POST route outside consentry.web: give it a CSRF check"


def test_every_web_post_refuses_a_missing_or_wrong_csrf_token(registry: Registry) -> None:
    by_role = clients(registry)
    try:
        app = by_role[None].app
        failures = []
        for path in web_routes(app, "POST"):
            role = area_of(path)
            for who in {None, role, Role.CREATOR if role is None else role}:
                web = by_role[who]
                for sent in ({}, {"csrf_token": "wrong-token-" + "x" * 40}):
                    r = web.post(concrete(path), data=sent)
                    if r.status_code != 403 or CSRF_REFUSED not in r.text:
                        if who is None and role is not None and r.status_code == 303:
                            continue  # sent to /login first: nothing done either
                        failures.append((path, who, bool(sent), r.status_code))
                r = web.post(concrete(path), data={}, headers={"X-CSRF-Token": "wrong"})
                if r.status_code != 403 and not (who is None and role is not None):
                    failures.append((path, who, "header", r.status_code))
        assert not failures, f"POST routes that took a request without a good token: {failures}"
    finally:
        for c in by_role.values():
            c.close()


def test_area_pages_by_role(registry: Registry) -> None:
    by_role = clients(registry)
    try:
        app = by_role[None].app
        pages = [(p, area_of(p)) for p in web_routes(app, "GET") if area_of(p) is not None]
        got: dict[tuple[str, str], int] = {}
        wrong: list[tuple[str, str, int, str]] = []
        for path, role in pages:
            url = concrete(path)
            anonymous = by_role[None].get(url)
            location = anonymous.headers.get("location", "")
            if anonymous.status_code != 303 or location != f"/login?next={quote(url, safe='/')}":
                wrong.append((path, "anonymous", anonymous.status_code, location))
            for who in (Role.CREATOR, Role.ORGANISATION, Role.DEVELOPER, Role.ADMIN):
                status = by_role[who].get(url).status_code
                got[(path, who.value)] = status
                if who is role:
                    if status == 403 or status >= 500:
                        wrong.append((path, who.value, status, "its own role"))
                elif status != 403:
                    wrong.append((path, who.value, status, "another role"))
        assert not wrong, f"pages not guarded by role: {wrong}"
    finally:
        for c in by_role.values():
            c.close()
