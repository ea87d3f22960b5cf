"""The pages a person opens first, looked at in real Chromium: ``/docs`` renders the
OpenAPI 3.1 description (Swagger UI 4 could not: "Unable to render this definition"), and
``/`` says what the server is and its links lead where they say. Nothing is fetched from
outside the loopback interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.e2e.conftest import Server, Traffic

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

SWAGGER_READY = ".swagger-ui .opblock, .swagger-ui .errors-wrapper, .swagger-ui .version-pragma"


def summaries(spec: dict[str, object]) -> set[str]:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return {op["summary"] for ops in paths.values() for op in ops.values() if "summary" in op}


def open_docs(page: Page, url: str) -> str:
    response = page.goto(url)
    assert response is not None and response.ok, url
    page.wait_for_selector(SWAGGER_READY)
    return page.inner_text("body")


def test_docs_render_every_operation_in_chromium(
    server: Server, context: BrowserContext, traffic: Traffic, shots: Path
) -> None:
    spec = httpx.get(f"{server.base}/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.1")
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))

    body = open_docs(page, f"{server.base}/docs")
    page.screenshot(path=shots / "docs.png")
    page.screenshot(path=shots / "docs-full.png", full_page=True)

    assert "Unable to render this definition" not in body
    assert page.inner_text(".swagger-ui .info .title").startswith("consentry")
    shown = set(page.locator(".swagger-ui .opblock-summary-description").all_inner_texts())
    assert "Decide one use" in shown
    assert shown == summaries(spec), "operations in the spec but not on the page, or back"

    # Open one operation: its parameters render, with the purposes to choose from.
    decide = page.locator(".opblock-get", has=page.locator("[data-path='/v1/decisions']"))
    decide.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock.is-open .parameters")
    params = page.inner_text(".opblock.is-open .parameters")
    assert "purpose" in params and "work" in params
    page.locator(".opblock.is-open").first.screenshot(path=shots / "docs-decide.png")

    assert not js_errors, js_errors
    assert traffic.seen, "the route recorder saw nothing"
    assert not traffic.offsite, f"requests off loopback: {traffic.offsite}"

