"""Password reset by emailed link, through a real SMTP server on loopback (SQLite and
PostgreSQL): the same answer whether or not the email has an account; the link sets a new
password once, within one hour, and signs every other session out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import Role
from tests.conftest import FakeClock, SequentialIds
from tests.notices.smtp import Mailbox, smtp_server
from tests.web.conftest import (
    PASSWORD,
    WebClient,
    csrf_of,
    make_account,
    session_csrf,
    sign_in,
)

PUBLIC = "https://consentry.example"
HTTPS = "https://testserver"  # public_url is https: cookies are Secure
NEW = "a brand new password"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def mailing(settings: Settings, clock: FakeClock, mailbox: Mailbox) -> Iterator[Registry]:
    reg = build(
        Settings(
            home=settings.home,
            database_url=settings.database_url,
            smtp_url=mailbox.url,
            public_url=PUBLIC,
        ),
        clock=clock,
        ids=SequentialIds(),
    )
    try:
        yield reg
    finally:
        reg.close()


def ask(web: WebClient, email: str) -> str:
    r = web.form("/reset", "/reset", {"email": email})
    assert r.status_code == 200, r.text
    return re.sub(r'value="[^"]+"|"X-CSRF-Token": "[^"]+"', "", r.text).replace(email, "EMAIL")


def test_reset_by_emailed_link(mailing: Registry, mailbox: Mailbox, clock: FakeClock) -> None:
    who = make_account(mailing, Role.CREATOR)
    elsewhere, web = WebClient(mailing, HTTPS), WebClient(mailing, HTTPS)
    try:
        sign_in(elsewhere, who)
        assert elsewhere.get("/login").status_code == 303  # signed in there
        unknown = ask(web, "nobody@example.org")
        assert mailbox.arrived == []
        assert ask(web, who.email.upper()) == unknown  # the same page either way
        (mail,) = mailbox.arrived
        assert mail.recipients == [who.email] and mail.sender == "no-reply@consentry.example"
        body = mail.message().get_body(("plain",))
        assert body is not None
        found = re.search(rf"{PUBLIC}/reset/(\S+)", body.get_content())
        assert found, body.get_content()
        path = f"/reset/{found.group(1)}"
        page = web.get(path)
        assert page.status_code == 200 and who.email in page.text
        r = web.post(
            path, data={"csrf_token": csrf_of(page), "password": "short", "confirm": "short"}
        )
        assert r.status_code == 422 and 'id="f-password-error"' in r.text
        r = web.post(path, data={"csrf_token": csrf_of(page), "password": NEW, "confirm": NEW})
        assert r.status_code == 303 and r.headers["location"] == "/creator"
        assert "consentry_session=" in r.headers["set-cookie"]
        assert elsewhere.get("/login").status_code == 200  # that session was revoked
        assert web.get(path).status_code == 400  # used once
        token = session_csrf(web, mailing)  # signed in now: the session's token
        r = web.post(path, data={"csrf_token": token, "password": NEW, "confirm": NEW})
        assert r.status_code == 400 and "does not work" in r.text
        other = WebClient(mailing, HTTPS)
        old = other.form("/login", "/login", {"email": who.email, "password": PASSWORD})
        assert old.status_code == 422
        other.close()
    finally:
        elsewhere.close()
        web.close()


def test_reset_link_expires_after_an_hour(
    mailing: Registry, mailbox: Mailbox, clock: FakeClock
) -> None:
    who = make_account(mailing, Role.DEVELOPER)
    web = WebClient(mailing, HTTPS)
    try:
        ask(web, who.email)
        body = mailbox.arrived[0].message().get_body(("plain",))
        assert body is not None
        token = re.search(r"/reset/(\S+)", body.get_content())
        assert token
        clock.advance(minutes=61)
        page = web.get(f"/reset/{token.group(1)}")
        assert page.status_code == 400 and "does not work" in page.text
    finally:
        web.close()


def test_reset_needs_an_address_and_a_csrf_token(web: WebClient) -> None:
    r = web.form("/reset", "/reset", {"email": "not an address"})
    assert r.status_code == 422 and 'id="f-email-error"' in r.text
    assert web.post("/reset", data={"email": "a@example.org"}).status_code == 403
    assert web.get("/reset/not-a-token").status_code == 400
