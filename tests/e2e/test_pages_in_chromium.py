"""The pages a person opens first, looked at in real Chromium: ``/docs`` renders the
OpenAPI 3.1 description (Swagger UI 4 could not: "Unable to render this definition"), and
``/`` says what the server is and its links lead where they say. Nothing is fetched from
outside the loopback interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from consentry.registry.access import SYSTEM, Role
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


def test_docs_try_an_operation_with_an_api_key(
    server: Server, context: BrowserContext, traffic: Traffic, shots: Path
) -> None:
    """What the start page promises: authorise with a key on /docs, try a route, see its answer."""
    token = server.registry.service.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)[1]
    page = context.new_page()
    open_docs(page, f"{server.base}/docs")

    page.click(".swagger-ui .auth-wrapper .btn.authorize")
    bearer = page.locator(".swagger-ui .modal-ux .auth-container", has_text="HTTPBearer")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    page.click(".swagger-ui .modal-ux button.close-modal")

    head = page.locator(".opblock-get", has=page.locator("[data-path='/v1/ledger/head']"))
    head.locator(".opblock-summary").first.click()
    head.locator("button.try-out__btn").click()
    head.locator("button.execute").click()
    status = head.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    head.screenshot(path=shots / "docs-try-it-out.png")
    assert status.inner_text().strip() == "200"
    answer = head.locator(".live-responses-table .response-col_description pre").first
    assert '"seq"' in answer.inner_text() and '"hash"' in answer.inner_text()
    assert not traffic.offsite, f"requests off loopback: {traffic.offsite}"


def test_home_page_says_what_this_is_and_its_links_work(
    server: Server, context: BrowserContext, traffic: Traffic, shots: Path
) -> None:
    page = context.new_page()
    home = f"{server.base}/"
    response = page.goto(home)
    assert response is not None and response.ok
    assert response.headers["content-type"].startswith("text/html")
    page.screenshot(path=shots / "home.png", full_page=True)
    assert page.title().endswith("consentry")
    text = page.inner_text("body")
    assert "consent" in text and "AI" in text

    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    for href in links:
        assert urlsplit(href).netloc == urlsplit(home).netloc, f"{href} leaves this server"
    assert {urlsplit(h).path for h in links} >= {
        "/docs",
        "/openapi.json",
        "/v1/registry/public-key",
        "/verify",
    }

    # Follow each link the way a person does: click it on the home page.
    page.click("a[href='/docs']")
    page.wait_for_selector(SWAGGER_READY)
    assert "Unable to render this definition" not in page.inner_text("body")
    assert page.locator(".swagger-ui .opblock").count() > 10

    page.goto(home)
    page.click("a[href='/openapi.json']")
    page.wait_for_load_state()
    assert '"openapi"' in page.inner_text("body")

    page.goto(home)
    with page.expect_download() as download:
        page.click("a[href='/v1/registry/public-key']")
    saved = download.value.path()
    assert Path(saved).read_text(encoding="utf-8") == server.registry.public_key_pem
    assert download.value.suggested_filename == "registry.pem"

    page.goto(home)
    page.click("a[href='/verify']")
    page.wait_for_load_state()
    page.screenshot(path=shots / "verify.png", full_page=True)
    how = page.inner_text("body")
    assert "consentry receipt verify receipt.json --public-key registry.pem" in how
    assert "openssl pkeyutl -verify" in how
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        assert urlsplit(href).netloc == urlsplit(home).netloc, f"{href} leaves this server"
        assert page.request.get(href).ok, href

    assert not traffic.offsite, f"requests off loopback: {traffic.offsite}"
