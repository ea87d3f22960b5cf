"""The API docs page works offline: Swagger UI is served by the app, not from a CDN."""

from __future__ import annotations

import asyncio
import re

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from consentry.api.app import create_app
from consentry.api.docs_ui import swagger_ui_dir
from consentry.bootstrap import Registry


def test_docs_page_and_its_assets_are_served_locally(registry: Registry) -> None:
    asyncio.run(_check(create_app(registry)))


async def _check(app: FastAPI) -> None:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
        page = await c.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets, page.text
        for url in assets:
            assert url.startswith("/"), f"docs page loads {url} from another site"
            r = await c.get(url)
            assert r.status_code == 200 and len(r.content) > 500, url
        assert (await c.get("/openapi.json")).json()["info"]["title"] == "consentry"


def test_docs_serve_swagger_ui_5_which_reads_openapi_31(registry: Registry) -> None:
    # Swagger UI 4 shows "Unable to render this definition" for OpenAPI 3.1 (what FastAPI
    # writes); tests/e2e/test_pages_in_chromium.py looks at the page itself.
    assert swagger_ui_dir().name.startswith("swagger-ui-5.")
    assert create_app(registry).openapi()["openapi"].startswith("3.1")
