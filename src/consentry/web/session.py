"""Who is signed in, and the CSRF check every form goes through.

A signed-in browser holds the cookie ``consentry_session`` (HttpOnly, SameSite=Lax, Path=/,
Secure over https): a random token whose SHA-256 names a row of ``web_sessions``. Each
session has its own CSRF token; a visitor not signed in (the sign-in and sign-up forms) gets
one in the cookie ``consentry_csrf`` instead (double submit). Every POST handler reads its
form through :func:`read_form`, which refuses (403) a missing or wrong token, given as the
form field ``csrf_token`` or, for htmx requests, the header ``X-CSRF-Token``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from consentry.accounts.service import AccountService
from consentry.registry.access import Actor, Role
from consentry.web.guards import refuse_nul_in_form

SESSION_COOKIE = "consentry_session"
CSRF_COOKIE = "consentry_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class WebUser:
    user_id: str
    email: str
    role: Role
    party_id: str | None

    @property
    def actor(self) -> Actor:
        """The user as the services know callers: the API's roles and checks."""
        return Actor(self.role, self.party_id, f"web:{self.user_id}")


class LoginRequired(Exception):
    """Not signed in: answered with 303 to ``/login?next=<path>`` (web/app.py)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """Signed in, but not allowed here (a role's page, a refused CSRF token): a 403 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def accounts_of(request: Request) -> AccountService:
    service: AccountService = request.app.state.registry.accounts
    return service


async def current_user(request: Request) -> WebUser | None:
    """The signed-in user, or None; read once per request (``request.state``)."""
    if hasattr(request.state, "web_user"):
        user: WebUser | None = request.state.web_user
        return user
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await run_in_threadpool(accounts_of(request).session, token) if token else None
    user = None
    if found is not None:
        account, record = found
        user = WebUser(account.id, account.email, account.role, account.party_id)
        request.state.session_csrf = record.csrf_token
        request.state.session_token = token
    request.state.web_user = user
    return user


async def require_user(request: Request) -> WebUser:
    user = await current_user(request)
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


UserDep = Annotated[WebUser, Depends(require_user)]


def require_role(*roles: Role) -> Callable[[Request], Awaitable[WebUser]]:
    """A dependency: the signed-in user when their role is one of ``roles``; a 403 page for
    any other role, ``/login`` when not signed in."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> WebUser:
        user = await require_user(request)
        if user.role not in allowed:
            raise Forbidden(
                f"This page is for {' or '.join(sorted(r.value for r in allowed))} accounts; "
                f"you are signed in as {user.role.value}."
            )
        return user

    return dependency


def csrf_token(request: Request) -> str:
    """The token forms must send back: the session's when signed in, otherwise the
    ``consentry_csrf`` cookie's (a new one is made, and set by ``render``, when missing)."""
    session_csrf: str | None = getattr(request.state, "session_csrf", None)
    if session_csrf and getattr(request.state, "web_user", None) is not None:
        return session_csrf
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and len(cookie) >= 32:
        return cookie
    new: str | None = getattr(request.state, "new_csrf", None)
    if new is None:
        new = secrets.token_urlsafe(32)
        request.state.new_csrf = new
    return new


async def read_form(request: Request) -> FormData:
    """The request's form (urlencoded or multipart), once its CSRF token is checked:
    :class:`Forbidden` (403) when it is missing or wrong; a NUL character in a field is a
    ValidationError (422 page)."""
    form = await request.form()
    user = await current_user(request)
    expected = request.state.session_csrf if user is not None else request.cookies.get(CSRF_COOKIE)
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if (
        not expected
        or not isinstance(given, str)
        or not secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    ):
        raise Forbidden(
            "This form has expired or did not come from this site (its security token is "
            "missing or wrong). Go back, reload the page and send it again."
        )
    refuse_nul_in_form(form)  # PostgreSQL cannot store NUL (web/guards.py)
    return form


def cookie_secure(request: Request) -> bool:
    """Secure cookies when the request came over https or the registry's public address is
    https (a proxy that ends TLS in front of the server)."""
    public_url = request.app.state.registry.settings.public_url or ""
    return request.url.scheme == "https" or str(public_url).startswith("https://")


def login_path(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None, default: str) -> str:
    """``value`` when it is a path on this site (``/...``, not ``//host`` nor ``/\\host``,
    no scheme, no control characters), otherwise ``default``."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c == "\\" for c in value)
        or len(value) > 2000
    ):
        return default
    return value


def home_of(user: WebUser | None) -> str:
    """Where a user lands after signing in: their role's dashboard."""
    if user is None:
        return "/"
    return {
        Role.CREATOR: "/creator",
        Role.ORGANISATION: "/organisation",
        Role.DEVELOPER: "/developer",
    }.get(user.role, "/")
