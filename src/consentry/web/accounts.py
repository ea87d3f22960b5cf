"""Accounts' pages: /signup (a creator's account and party), /login, /logout (POST), a
signed-in user's password change (/account/password), and the password reset by emailed
link (/reset, /reset/{token}). The rules are the accounts
service's (accounts/service.py); these handlers read forms and show its answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from consentry.accounts.delivery import send_link_quietly
from consentry.accounts.rules import SESSION_LIFETIME, TokenPurpose, normalise_email
from consentry.errors import ConsentryError
from consentry.web.forms import FormErrors
from consentry.web.session import (
    SESSION_COOKIE,
    WebUser,
    accounts_of,
    cookie_secure,
    current_user,
    home_of,
    login_path,
    read_form,
    safe_next,
)
from consentry.web.templating import redirect, render

router = APIRouter()

SIGNUP_FIELDS = frozenset({"email", "name", "password", "confirm"})


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def signed_in(
    request: Request, user: WebUser, token: str, to: str, *, flash: str | None = None
) -> Response:
    """A 303 to ``to`` that sets the new session's cookie."""
    response = redirect(request, to, flash=flash)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
    )
    return response


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    user = await current_user(request)
    if user is not None:
        return redirect(request, home_of(user))
    return render(request, "accounts/signup.html")


@router.post("/signup")
async def signup(request: Request) -> Response:
    form = await read_form(request)
    errors = FormErrors(form, fields=SIGNUP_FIELDS)
    service = accounts_of(request)
    with errors.catch(fields={"contacts.value": "email"}):
        account = await run_in_threadpool(
            lambda: service.sign_up(
                email=_text(form, "email"),
                name=_text(form, "name"),
                password=_text(form, "password"),
                confirm=_text(form, "confirm"),
            )
        )
        token = await run_in_threadpool(service.start_session, account.id)
        user = WebUser(account.id, account.email, account.role, account.party_id)
        return signed_in(request, user, token, home_of(user))
    return errors.render(request, "accounts/signup.html")


@router.get("/login")
async def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    user = await current_user(request)
    if user is not None:
        return redirect(request, safe_next(next, home_of(user)))
    return render(request, "accounts/login.html", next=safe_next(next, ""))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    errors = FormErrors(form, fields=frozenset({"email", "password"}))
    next_path = safe_next(_text(form, "next"), "")
    service = accounts_of(request)
    try:
        account, token = await run_in_threadpool(
            service.log_in, _text(form, "email"), _text(form, "password")
        )
    except ConsentryError as exc:
        errors.add_error(exc)
        return errors.render(request, "accounts/login.html", next=next_path)
    user = WebUser(account.id, account.email, account.role, account.party_id)
    return signed_in(request, user, token, next_path or home_of(user))


@router.post("/logout")
async def logout(request: Request) -> Response:
    await read_form(request)
    token: str | None = getattr(request.state, "session_token", None)
    if token:
        await run_in_threadpool(accounts_of(request).log_out, token)
    request.state.web_user = None
    response = redirect(request, "/login", flash="You are signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ----------------------------------------------------------------- password change

PASSWORD_FIELDS = frozenset({"current", "password", "confirm"})


@router.get("/account/password")
async def change_password_page(request: Request) -> Response:
    user = await current_user(request)
    if user is None:
        return redirect(request, login_path("/account/password"))
    return render(request, "accounts/change_password.html")


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    form = await read_form(request)  # the CSRF check first, signed in or not
    user = await current_user(request)
    if user is None:
        return redirect(request, login_path("/account/password"))
    errors = FormErrors(form, fields=PASSWORD_FIELDS)
    service = accounts_of(request)
    try:
        token = await run_in_threadpool(
            service.change_password,
            user.user_id,
            _text(form, "current"),
            _text(form, "password"),
            _text(form, "confirm"),
        )
    except ConsentryError as exc:
        errors.add_error(exc)
        return errors.render(request, "accounts/change_password.html")
    flash = "Your password is changed. Every other browser is signed out."
    return signed_in(request, user, token, home_of(user), flash=flash)


# ----------------------------------------------------------------- password reset
@router.get("/reset")
async def reset_page(request: Request) -> Response:
    return render(request, "accounts/reset_request.html")


@router.post("/reset")
async def reset_request(request: Request) -> Response:
    """The same answer whether or not an account has the email; the link is sent after the
    answer (a background task), so the time taken does not tell either."""
    form = await read_form(request)
    errors = FormErrors(form, fields=frozenset({"email"}))
    with errors.catch():
        normalise_email(_text(form, "email"))
    if errors:
        return errors.render(request, "accounts/reset_request.html")
    reg = request.app.state.registry
    found = await run_in_threadpool(accounts_of(request).request_reset, _text(form, "email"))
    response = render(request, "accounts/reset_sent.html", email=_text(form, "email").strip())
    if found is not None:
        account, token = found
        response.background = BackgroundTask(
            send_link_quietly,
            reg.settings.smtp_url,
            base_url=reg.settings.base_url(),
            registry=reg.settings.registry_name,
            account=account,
            purpose=TokenPurpose.RESET,
            token=token,
            now=accounts_of(request).clock(),
        )
    return response


@router.get("/reset/{token}")
async def set_password_page(request: Request, token: str) -> Response:
    account = await run_in_threadpool(accounts_of(request).token_account, token)
    if account is None:
        return _invalid_link(request)
    return render(request, "accounts/reset_password.html", email=account.email, token=token)


@router.post("/reset/{token}")
async def set_password(request: Request, token: str) -> Response:
    form = await read_form(request)
    service = accounts_of(request)
    account = await run_in_threadpool(service.token_account, token)
    if account is None:
        return _invalid_link(request)
    errors = FormErrors(form, fields=frozenset({"password", "confirm"}))
    try:
        account = await run_in_threadpool(
            service.reset_password, token, _text(form, "password"), _text(form, "confirm")
        )
    except ConsentryError as exc:
        if exc.payload.get("field") == "token":
            return _invalid_link(request)
        errors.add_error(exc)
        return errors.render(
            request, "accounts/reset_password.html", email=account.email, token=token
        )
    session = await run_in_threadpool(service.start_session, account.id)
    user = WebUser(account.id, account.email, account.role, account.party_id)
    return signed_in(request, user, session, home_of(user), flash="Your password is set.")


def _invalid_link(request: Request) -> Response:
    return render(request, "accounts/reset_invalid.html", 400)
