"""The API docs page works offline: Swagger UI is served by the app, not from a CDN."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import swagger_ui_bundle
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from consentry.api.app import create_app
from consentry.api.docs_ui import swagger_ui_dir
from consentry.bootstrap import Registry
from consentry.errors import ConsentryError


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


def test_docs_refuse_swagger_ui_4_assets_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What an environment holds when the old swagger-ui-bundle shadows swagger-ui-bundle-v2.
    old = tmp_path / "vendor" / "swagger-ui-4.15.5"
    old.mkdir(parents=True)
    monkeypatch.setattr(swagger_ui_bundle, "swagger_ui_path", old)
    with pytest.raises(ConsentryError, match=r"swagger-ui-4\.15\.5 are not Swagger UI 5") as e:
        swagger_ui_dir()
    assert "pip uninstall -y swagger-ui-bundle swagger-ui-bundle-v2" in str(e.value)
