"""Sign-up, sign-in and sign-out in the web application, on SQLite and PostgreSQL: errors
beside their fields with what was typed kept (never passwords), status 422; the session
cookie's flags; ``next`` only to this site; sign-out revokes the session."""

from __future__ import annotations

import re

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM, Role
from tests.web.conftest import (
    PASSWORD,
    WebClient,
    csrf_of,
    make_account,
    session_csrf,
    sign_in,
)


def field_error(html: str, name: str) -> str:
    """The error shown next to field ``name`` (its input points to it)."""
    inp = re.search(rf'<input id="f-{name}"[^>]*>', html)
    assert inp, f"no input {name}"
    assert 'aria-invalid="true"' in inp.group(0)
    assert f"f-{name}-error" in inp.group(0)  # aria-describedby
    err = re.search(rf'<p class="error" id="f-{name}-error">([^<]*)</p>', html)
    assert err, f"no error beside {name}"
    return err.group(1)


def test_sign_up_with_a_short_password_shows_the_error_and_keeps_the_email(
    web: WebClient, registry: Registry
) -> None:
    data = {
        "email": "ann@example.org",
        "name": "Ann Author",
        "password": "short",
        "confirm": "short",
    }
    r = web.form("/signup", "/signup", data)
    assert r.status_code == 422
    assert "at least 12" in field_error(r.text, "password")
    assert 'value="ann@example.org"' in r.text and 'value="Ann Author"' in r.text
    assert "short" not in re.sub(r"<p class=\"error\"[^<]*</p>", "", r.text).split("<form")[1]
    assert '<label for="f-password">' in r.text
    assert 'role="alert"' in r.text  # the summary at the top
    assert registry.accounts.list_accounts(SYSTEM) == []


def test_sign_up_signs_in_a_new_creator(web: WebClient, registry: Registry) -> None:
    data = {"email": "Ann@Example.org", "name": "Ann", "password": PASSWORD, "confirm": PASSWORD}
    r = web.form("/signup", "/signup", data)
    assert r.status_code == 303 and r.headers["location"] == "/creator"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("consentry_session=")
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= flags
    assert "secure" not in flags  # plain http
    (acc,) = registry.accounts.list_accounts(SYSTEM)
    assert (acc.email, acc.role) == ("ann@example.org", Role.CREATOR)
    page = web.get("/login")  # signed in: sent on to the dashboard
    assert page.status_code == 303 and page.headers["location"] == "/creator"
    again = WebClient(registry)
    try:
        r = again.form("/signup", "/signup", data)
        assert r.status_code == 422
        assert "exists already" in field_error(r.text, "email")
    finally:
        again.close()


def test_sign_up_errors_name_their_fields(web: WebClient) -> None:
    r = web.form(
        "/signup",
        "/signup",
        {
            "email": "not-an-address",
            "name": "",
            "password": PASSWORD,
            "confirm": "different password",
        },
    )
    assert r.status_code == 422
    assert "not an address" in field_error(r.text, "email")
    r = web.form(
        "/signup",
        "/signup",
        {
            "email": "a@example.org",
            "name": " ",
            "password": PASSWORD,
            "confirm": "different password",
        },
    )
    assert "empty" in field_error(r.text, "name")
    r = web.form(
        "/signup",
        "/signup",
        {
            "email": "a@example.org",
            "name": "A",
            "password": PASSWORD,
            "confirm": "different password",
        },
    )
    assert "differ" in field_error(r.text, "confirm")


def test_log_in_and_out(web: WebClient, registry: Registry) -> None:
    who = make_account(registry, Role.DEVELOPER)
    r = web.form("/login", "/login", {"email": who.email, "password": "wrong password"})
    assert r.status_code == 422
    assert field_error(r.text, "password") == "Email or password is not right"
    assert f'value="{who.email}"' in r.text
    r = web.form("/login", "/login", {"email": "nobody@example.org", "password": PASSWORD})
    assert field_error(r.text, "password") == "Email or password is not right"
    sign_in(web, who)
    page = web.get("/signup")
    assert page.status_code == 303 and page.headers["location"] == "/developer"
    token = web.http.cookies["consentry_session"]
    assert registry.accounts.session(token) is not None
    # signing out needs the session's CSRF token
    assert web.post("/logout", data={}).status_code == 403
    assert web.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    r = web.get("/login")
    assert r.status_code == 303  # still signed in
    home = web.get("/signup", follow_redirects=False)
    assert home.status_code == 303
    r = web.post("/logout", data={"csrf_token": session_csrf(web, registry)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert registry.accounts.session(token) is None
    page = web.get("/login")
    assert page.status_code == 200 and "You are signed out." in page.text


def test_next_only_leads_to_this_site(web: WebClient, registry: Registry) -> None:
    who = make_account(registry, Role.CREATOR)
    page = web.get("/login?next=/creator/works%3Fpage%3D2")
    assert 'name="next" value="/creator/works?page=2"' in page.text
    r = web.post(
        "/login",
        data={
            "csrf_token": csrf_of(page),
            "email": who.email,
            "password": PASSWORD,
            "next": "/creator/works?page=2",
        },
    )
    assert r.headers["location"] == "/creator/works?page=2"
    for bad in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        other = WebClient(registry)
        try:
            r = other.form(
                "/login", "/login", {"email": who.email, "password": PASSWORD, "next": bad}
            )
            assert r.headers["location"] == "/creator", bad
        finally:
            other.close()


def test_session_cookie_is_secure_over_https(registry: Registry) -> None:
    web = WebClient(registry, base_url="https://testserver")
    try:
        who = make_account(registry, Role.CREATOR)
        r = web.form("/login", "/login", {"email": who.email, "password": PASSWORD})
        assert r.status_code == 303
        assert "secure" in r.headers["set-cookie"].lower()
    finally:
        web.close()


def test_pages_carry_security_headers_and_only_local_assets(web: WebClient) -> None:
    r = web.get("/login")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "consentry_csrf=" in r.headers["set-cookie"]
    srcs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert all(s.startswith(("/", "#")) for s in srcs), srcs
    assert '<a class="skip-link" href="#main">' in r.text and '<main id="main"' in r.text
    assert re.search(r"hx-headers='\{\"X-CSRF-Token\": \"[^\"]+\"\}'", r.text)
    for asset, ctype in (("/static/htmx.min.js", "javascript"), ("/static/app.css", "text/css")):
        got = web.get(asset)
        assert got.status_code == 200 and ctype in got.headers["content-type"]


def test_web_pages_are_not_in_the_openapi_description(web: WebClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p in ("/login", "/signup", "/logout")]
