"""The interactive API docs at ``/docs``: Swagger UI 5, served by the app, without a CDN.

Decisions:

- FastAPI describes the API in OpenAPI 3.1. Swagger UI 4 cannot read 3.1 (it shows "Unable
  to render this definition"), so the assets are Swagger UI 5 from the
  ``swagger-ui-bundle-v2`` package (Apache-2.0; the spec-first fork of
  ``swagger-ui-bundle`` that tracks Swagger UI 5; version 5.31.0 when this was written).
  Both packages install the module ``swagger_ui_bundle``: :func:`swagger_ui_dir` refuses
  assets older than 5 and says how to repair the environment.
- FastAPI's default ``/docs`` page loads Swagger UI from a CDN, which an offline or
  locked-down deployment (and this project's test machines) cannot reach; the files are
  served under ``/docs/static`` instead. ``validatorUrl`` is off, so the page never asks
  ``validator.swagger.io`` to check the description.
- ``tests/e2e/test_pages_in_chromium.py`` opens the page in Chromium and checks that every
  operation renders and that nothing is fetched from another host.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from consentry.errors import ConsentryError

STATIC = "/docs/static"
MIN_MAJOR = 5  # the first Swagger UI that reads OpenAPI 3.1


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's files (``.../vendor/swagger-ui-5.x.y``), checked to be 5+."""
    from swagger_ui_bundle import swagger_ui_path

    folder = Path(str(swagger_ui_path))
    found = re.fullmatch(r"swagger-ui-(\d+)\.[\d.]+", folder.name)
    if found is None or int(found.group(1)) < MIN_MAJOR or not folder.is_dir():
        raise ConsentryError(
            f"Swagger UI assets at {folder} are not Swagger UI {MIN_MAJOR} or newer, which "
            "/docs needs to read OpenAPI 3.1: the old `swagger-ui-bundle` package shadows "
            "`swagger-ui-bundle-v2`; run `pip uninstall -y swagger-ui-bundle "
            "swagger-ui-bundle-v2 && pip install swagger-ui-bundle-v2`"
        )
    return folder


def install_docs(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")
    parameters = {**swagger_ui_default_parameters, "validatorUrl": None}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
            swagger_ui_parameters=parameters,
        )
