"""``install_web(app)``: the web application on the API's app (called by
``api.app.create_app`` after the API's routers).

It mounts ``/static`` (this package's ``static/`` folder: no CDN), answers the web's own
exceptions (not signed in: 303 to ``/login``; not allowed or a refused CSRF token: a 403
page) and includes each area's router under one parent router whose dependency reads the
signed-in user first, so every page knows who is signed in (``render`` shows the right
navigation). Web routes are not in the OpenAPI description (they are pages, not API).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from consentry.web import accounts, creator, creator_records, developer, organisation, public
from consentry.web.errors import install_error_pages
from consentry.web.guards import refuse_nul_in_address
from consentry.web.session import Forbidden, LoginRequired, current_user, login_path
from consentry.web.templating import redirect, render

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(Forbidden, _forbidden)
    install_error_pages(app)  # web pages' errors as pages, not problem+json (errors.py)
    web = APIRouter(
        dependencies=[
            Depends(refuse_nul_in_address),
            Depends(current_user),
            Depends(_close_form_afterwards),
        ]
    )
    # ---- the areas' routers: each area adds its own line here (COORD.md, issue 13) ----
    web.include_router(accounts.router)  # [foundation] /signup /login /logout /reset
    web.include_router(public.router)  # [public] /, /works/..., /models/..., /public-key, /verify
    web.include_router(creator.router)  # [creator] /creator/...
    web.include_router(creator_records.router)  # [creator, 2nd half] /creator/mandates etc.
    web.include_router(organisation.router)  # [organisation] /organisation/...
    web.include_router(developer.router)  # [developer] /developer/...
    # ---- end of the areas' routers ----
    app.include_router(web, include_in_schema=False)


async def _close_form_afterwards(request: Request) -> AsyncIterator[None]:
    """Close the form :func:`~consentry.web.session.read_form` parsed (its uploads'
    temporary files) once the route has answered, whatever the handler did with it.

    Decision: here, once for every page, rather than in each handler that takes a file: a
    handler that ignores a file part (any form can be sent as multipart) would otherwise
    leave its temporary file to the garbage collector. Starlette's ``Request.close`` closes
    the parsed form, if any, and is safe to call twice."""
    try:
        yield
    finally:
        await request.close()


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return redirect(request, login_path(exc.next_path))


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return render(request, "error.html", 403, title="Not allowed", message=exc.message)
