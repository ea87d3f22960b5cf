"""A signed-in user changes their password (/account/password), on SQLite and PostgreSQL:
the current password must be right, the new one must pass the same rules as sign-up, this
browser stays signed in and every other is signed out; wrong current passwords count as
failed sign-ins, so the form cannot be used to guess one."""

from __future__ import annotations

from consentry.bootstrap import Registry
from consentry.registry.access import Role
from tests.web.conftest import PASSWORD, WebClient, make_account, sign_in

NEW = "another long passphrase"
PAGE = "/account/password"


def change(web: WebClient, current: str, new: str, confirm: str | None = None) -> object:
    return web.form(
        PAGE,
        PAGE,
        {"current": current, "password": new, "confirm": new if confirm is None else confirm},
    )


def test_a_signed_in_user_changes_the_password(registry: Registry) -> None:
    who = make_account(registry, Role.DEVELOPER)
    here, elsewhere, later = WebClient(registry), WebClient(registry), WebClient(registry)
    try:
        sign_in(here, who)
        sign_in(elsewhere, who)
        page = here.get(PAGE)
        assert page.status_code == 200 and who.email in page.text
        assert 'href="/account/password"' in here.get("/developer").text  # in the navigation
        r = here.form(PAGE, PAGE, {"current": PASSWORD, "password": NEW, "confirm": NEW})
        assert r.status_code == 303 and r.headers["location"] == "/developer"
        assert here.get("/developer").status_code == 200  # still signed in, a new session
        assert elsewhere.get("/developer").status_code == 303  # signed out there
        bad = later.form("/login", "/login", {"email": who.email, "password": PASSWORD})
        assert bad.status_code != 303  # the old password no longer signs in
        good = later.form("/login", "/login", {"email": who.email, "password": NEW})
        assert good.status_code == 303
    finally:
        for c in (here, elsewhere, later):
            c.close()


def test_a_wrong_current_password_or_a_bad_new_one_changes_nothing(registry: Registry) -> None:
    who = make_account(registry, Role.CREATOR)
    web, other = WebClient(registry), WebClient(registry)
    try:
        sign_in(web, who)
        sign_in(other, who)
        r = web.form(PAGE, PAGE, {"current": "not my password", "password": NEW, "confirm": NEW})
        assert r.status_code >= 400 and "The current password is not right" in r.text
        r = web.form(PAGE, PAGE, {"current": PASSWORD, "password": "short", "confirm": "short"})
        assert r.status_code >= 400 and "12" in r.text
        r = web.form(PAGE, PAGE, {"current": PASSWORD, "password": NEW, "confirm": NEW + "x"})
        assert r.status_code >= 400
        assert NEW not in r.text and PASSWORD not in r.text  # passwords are never echoed
        assert other.get("/creator").status_code == 200  # nobody was signed out
        third = WebClient(registry)
        try:
            sign_in(third, who)  # the old password still works
        finally:
            third.close()
    finally:
        web.close()
        other.close()


def test_guessing_through_the_form_locks_the_email_like_sign_in(registry: Registry) -> None:
    who = make_account(registry, Role.CREATOR)
    web = WebClient(registry)
    try:
        sign_in(web, who)
        for i in range(10):
            r = web.form(
                PAGE, PAGE, {"current": f"guess {i:02d} xxxxx", "password": NEW, "confirm": NEW}
            )
            assert "The current password is not right" in r.text
        r = web.form(PAGE, PAGE, {"current": PASSWORD, "password": NEW, "confirm": NEW})
        assert "Too many failed sign-ins" in r.text  # even the right one, for 15 minutes
    finally:
        web.close()


def test_the_page_needs_a_signed_in_user(registry: Registry) -> None:
    web = WebClient(registry)
    try:
        r = web.get(PAGE)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    finally:
        web.close()
