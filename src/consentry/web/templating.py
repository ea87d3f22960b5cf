"""Rendering pages: :func:`render` and :func:`redirect`, with the web's security headers.

Every template gets ``request``, ``user`` (a :class:`~consentry.web.session.WebUser` or
None), ``csrf_token``, ``flash`` (a one-time message set by :func:`redirect`), and ``values``
and ``errors`` (empty mappings unless given: see ``forms.py``). Autoescape is on.

Headers: a Content-Security-Policy allowing scripts, styles, images and fonts only from this
site (no inline script or style: htmx's inline indicator styles are turned off in
``base.html``); no framing; ``Cache-Control: no-store`` for signed-in pages (``private,
no-cache`` otherwise: the page carries the visitor's CSRF token).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from consentry.web.session import CSRF_COOKIE, cookie_secure, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
FLASH_COOKIE = "consentry_flash"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)


def secure_headers(request: Request, response: Response) -> Response:
    """The web's headers on ``response`` (render and redirect add them; a page that builds
    its own response, a download, calls this)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    signed_in = getattr(request.state, "web_user", None) is not None
    response.headers["Cache-Control"] = "no-store" if signed_in else "private, no-cache"
    return response


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    token = csrf_token(request)
    flash = request.cookies.get(FLASH_COOKIE)
    context: dict[str, Any] = {
        "user": getattr(request.state, "web_user", None),
        "csrf_token": token,
        "flash": unquote(flash) if flash else None,
        "values": {},
        "errors": {},
    }
    context.update(ctx)
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf is not None and new_csrf == token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/",
            secure=cookie_secure(request),
        )
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    secure_headers(request, response)
    return response


def redirect(request: Request, url: str, *, flash: str | None = None) -> RedirectResponse:
    """A 303 to ``url`` (after a POST: the browser GETs it), with an optional one-time
    message the next rendered page shows."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash[:500]),
            httponly=True,
            samesite="lax",
            path="/",
            max_age=300,
            secure=cookie_secure(request),
        )
    secure_headers(request, response)
    return response
