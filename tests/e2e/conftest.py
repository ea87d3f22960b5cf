"""Browser tests: the real server (uvicorn on a loopback port, a fresh registry) driven by
Debian's Chromium through Playwright.

Fixtures, for a test in ``tests/e2e``:

* ``server``: ``consentry serve`` as a user runs it, on SQLite AND on PostgreSQL (the
  ``settings`` fixture of ``tests/conftest.py``: a throwaway schema in
  ``CONSENTRY_TEST_DATABASE_URL``, dropped afterwards), sending mail to ``mailbox``.
  ``server.base`` is its address, ``server.registry`` the ``bootstrap.Registry`` behind it.
* ``mailbox``: a real SMTP server on loopback (aiosmtpd, ``tests/notices/smtp.py``);
  ``mailbox.arrived`` holds what was sent.
* ``browser`` / ``context``: Chromium and a fresh context (1280x900) whose requests off
  loopback are recorded in ``traffic.offsite`` and aborted.
* ``shots``: the kept screenshots folder, ``build/e2e-screenshots/`` (or
  ``$CONSENTRY_E2E_SCREENSHOTS``).
* ``check_page(page, name)`` (``tests/e2e/pages.py``): axe-core reports no serious or
  critical violation, no sideways scroll at 375 px, screenshots saved. Call it on every
  page a test visits.
* ``signed_in(context, server, Role.CREATOR)``: a new account of that role (through the
  accounts service, tied to a new party of the right kind unless ``party_id`` is given),
  signed in through the real ``/login`` form; returns the page (on the page sign-in led to)
  and the account (``SignedIn``: email, password, party id).

Playwright is always given ``executable_path`` (Debian's ``/usr/bin/chromium``, or
``CONSENTRY_CHROMIUM``), never a browser of its own: ``PLAYWRIGHT_BROWSERS_PATH`` points at
an empty folder while these tests run, so a launch that looked for a downloaded browser
would fail instead of fetching one. Without Chromium the tests skip locally with the reason,
and FAIL in CI (``CI=true``), where ``scripts/test`` installs it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import Role
from tests.e2e.pages import screenshots_dir
from tests.notices.smtp import Mailbox, smtp_server
from tests.serving import serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

    from tests.web.conftest import SignedIn

CHROMIUM = Path(os.environ.get("CONSENTRY_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI") == "true"
# The flags the machine notes give for a closed network: no background fetches by Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def missing(reason: str) -> None:
    """Skip locally; fail in CI, where a missing browser is a broken set-up, not a choice."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One Chromium per test: Playwright's sync API keeps an event loop running in this
    thread while it is open, which would break later tests that start their own loop."""
    if not CHROMIUM.is_file():
        missing(
            f"no Chromium at {CHROMIUM}: install Debian's `chromium` "
            "(scripts/test does: apt-get install -y chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the `playwright` package is not installed (pip install -e '.[dev]')")
    saved = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(tmp_path_factory.mktemp("no-downloaded-browsers"))
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                yield b
            finally:
                b.close()
    finally:
        if saved is None:
            os.environ.pop("PLAYWRIGHT_BROWSERS_PATH", None)
        else:
            os.environ["PLAYWRIGHT_BROWSERS_PATH"] = saved


@dataclass
class Traffic:
    """Every URL the browser asked for; requests off loopback are recorded and aborted."""

    seen: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort()


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def context(browser: Browser, traffic: Traffic) -> Iterator[BrowserContext]:
    # bypass_csp: axe is injected as a script of the page, which a strict CSP would refuse
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.route("**/*", traffic.route)
    ctx.set_default_timeout(30_000)
    try:
        yield ctx
    finally:
        ctx.close()


@dataclass(frozen=True)
class Server:
    base: str
    registry: Registry


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback; the e2e server sends its mail here."""
    with smtp_server() as box:
        yield box


@pytest.fixture
def server(settings: Settings, mailbox: Mailbox) -> Iterator[Server]:
    """`consentry serve` as it runs for a user: uvicorn, a fresh registry on SQLite or on
    PostgreSQL (``settings`` is parametrised over both), its mail going to ``mailbox``."""
    registry = build(
        Settings(home=settings.home, database_url=settings.database_url, smtp_url=mailbox.url)
    )
    try:
        with serving(registry) as served:
            yield Server(served.base, registry)
    finally:
        registry.close()


@pytest.fixture
def shots() -> Path:
    """The kept screenshots folder (``build/e2e-screenshots/`` or
    ``$CONSENTRY_E2E_SCREENSHOTS``)."""
    return screenshots_dir()


def signed_in(
    context: BrowserContext,
    server: Server,
    role: Role,
    *,
    party_id: str | None = None,
    email: str | None = None,
) -> tuple[Page, SignedIn]:
    """A new account of ``role`` (``tests/web/conftest.make_account``: the accounts
    service, password ``PASSWORD``) signed in through the real ``/login`` form, as a person
    does: fill in the labelled fields, press "Sign in"."""
    from tests.web.conftest import make_account

    address = email or f"{role.value}-{secrets.token_hex(4)}@example.org"
    who = make_account(server.registry, role, email=address, party_id=party_id)
    page = context.new_page()
    page.goto(f"{server.base}/login")
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login" not in page.url, f"sign-in as {role.value} failed: {page.inner_text('main')}"
    return page, who
