"""A web page's errors are pages in the site's layout; the API's stay problem+json."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from consentry.bootstrap import Registry
from consentry.errors import NotFound
from consentry.registry.access import Role
from tests.web.conftest import WebClient, sign_in_as

probe = APIRouter()


@probe.get("/probe/missing")
async def missing() -> Response:
    raise NotFound("work", "w_nope")


missing.__module__ = "consentry.web.probe"  # as a route of the web package


def test_a_web_routes_error_is_a_page(web: WebClient, registry: Registry) -> None:
    web.app.include_router(probe)
    sign_in_as(web, registry, Role.CREATOR)
    r = web.get("/probe/missing")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Work &#39;w_nope&#39; not found" in r.text and "Sign out" in r.text
    assert "content-security-policy" in r.headers


def test_unknown_pages_are_pages_for_browsers_only(web: WebClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    r = web.get("/no/such/page", headers=html)
    assert r.status_code == 404 and "Page not found" in r.text
    r = web.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = web.get("/v1/no/such", headers=html)
    assert r.headers["content-type"].startswith("application/problem+json")
    r = web.get("/signup", headers=html)
    assert r.status_code == 200
    r = web.request("PUT", "/login", headers=html)
    assert r.status_code == 405 and "text/html" in r.headers["content-type"]
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]
