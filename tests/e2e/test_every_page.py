"""Every page each role can reach, in real Chromium, on SQLite and PostgreSQL.

On a registry seeded as ``consentry demo`` seeds it (``tests/e2e/demo_world.py``), each role
(a visitor, then the demo creator, organisation and developer signed in through the real
``/login`` form) starts at its home page and follows every same-origin link (no ``/v1``, no
API docs, no downloads; at most :data:`MAX_PAGES` pages). Every page visited:

* answers 200 with an HTML page, and passes ``check_page`` (axe, 375 px, screenshots);
* has exactly one ``<h1>`` and one ``<main>``;
* gives every visible input, select and textarea a visible associated ``<label>``;
* lets the keyboard reach each visible form's primary (submit) button with Tab;
* logs no console error and throws no script error;

and the browser never asks for anything off loopback (``traffic.offsite``). A last test
signs in with the keyboard only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

import pytest

from consentry.registry.access import Role
from tests.e2e.conftest import Server, Traffic
from tests.e2e.demo_world import demo_password, seed_demo
from tests.e2e.pages import check_page
from tests.notices.smtp import Mailbox

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

MAX_PAGES = 45
# Where each role starts; a visitor also starts at the pages the sign-in links lead to and a
# demo work's public page (the start page reaches works through a form, not a link).
STARTS = {
    None: [
        "/",
        "/login",
        "/signup",
        "/reset",
        "/works/url:https://www.gutenberg.org/ebooks/158",
        "/models",
    ],
    Role.CREATOR: ["/creator"],
    Role.ORGANISATION: ["/organisation"],
    Role.DEVELOPER: ["/developer"],
}
SKIP = re.compile(r"^/(v1|docs|openapi\.json|static)(/|$)|\.(json|csv|zip|html|pdf|txt)$|/download")

UNLABELLED = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.display !== 'none'
      && !(s.clip && s.clip.startsWith('rect(0'));
  };
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
    if (!visible(el)) continue;
    const labels = [...(el.labels || [])].filter(l => visible(l) && l.textContent.trim());
    if (!labels.length) bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
}"""

MARK_SUBMITS = """() => {
  const out = [];
  document.querySelectorAll('form').forEach((f, i) => {
    const r = f.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    const buttons = [...f.querySelectorAll('button:not([type=button]):not([type=reset]), '
      + 'input[type=submit]')].filter(b => b.getBoundingClientRect().width > 0);
    const primary = buttons[buttons.length - 1];
    if (!primary) return;
    primary.dataset.qaPrimary = String(i);
    out.push(String(i) + ': ' + (primary.textContent || primary.value).trim());
  });
  return out;
}"""


def same_site_links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != base or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def tab_reaches_submits(page: Page) -> list[str]:
    """The primary buttons of visible forms that Tab never reaches (from the page's top)."""
    wanted = {m.split(":")[0]: m for m in page.evaluate(MARK_SUBMITS)}
    if not wanted:
        return []
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    seen: set[str] = set()
    first = None
    for _ in range(400):
        page.keyboard.press("Tab")
        here = page.evaluate(
            "() => { const a = document.activeElement; return a ? "
            "[a.dataset.qaPrimary || '', a.outerHTML.slice(0, 80)] : ['', ''] }"
        )
        if here[0]:
            seen.add(here[0])
        if first is None:
            first = here[1]
        elif here[1] == first or seen >= set(wanted):
            break
    return [m for k, m in wanted.items() if k not in seen]


def check_structure(page: Page, path: str) -> list[str]:
    problems = []
    h1 = page.locator("h1").count()
    if h1 != 1:
        problems.append(f"{path}: {h1} <h1> elements, expected exactly one")
    if page.locator("main").count() != 1:
        problems.append(f"{path}: no single <main>")
    problems += [f"{path}: no visible <label> for {el}" for el in page.evaluate(UNLABELLED)]
    problems += [f"{path}: Tab never reaches the button {b}" for b in tab_reaches_submits(page)]
    return problems


def shot_name(role: Role | None, path: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "start"
    return f"every-{role.value if role else 'visitor'}-{slug}"[:120]


def sign_in(page: Page, base: str, role: Role) -> None:
    from playwright.sync_api import expect

    email, password = demo_password(role)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/{role.value}$"))


def crawl(page: Page, base: str, role: Role | None, errors: list[str]) -> tuple[int, list[str]]:
    """Visit every page reachable from the role's home; (pages visited, problems)."""
    queue, problems = list(STARTS[role]), []
    seen = set(queue)
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        head = page.request.get(base + path, max_redirects=0)
        kind = head.headers.get("content-type", "")
        if head.status == 200 and not kind.startswith("text/html"):
            continue  # a download reached by a link without a file-like name
        if head.status != 200:
            problems.append(f"{path}: HTTP {head.status}")
            continue
        before = len(errors)
        response = page.goto(base + path)
        assert response is not None
        visited += 1
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status} in the browser")
            continue
        check_page(page, shot_name(role, path))
        problems += check_structure(page, path)
        problems += [f"{path}: console: {e}" for e in errors[before:]]
        for link in same_site_links(page, base):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return visited, problems


def listen(page: Page) -> list[str]:
    errors: list[str] = []
    on_console: Callable[..., None] = lambda m: (  # noqa: E731
        errors.append(m.text) if m.type == "error" else None
    )
    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
    return errors


@pytest.mark.parametrize(
    "role",
    [None, Role.CREATOR, Role.ORGANISATION, Role.DEVELOPER],
    ids=["visitor", "creator", "organisation", "developer"],
)
def test_every_page_a_role_reaches(
    server: Server,
    mailbox: Mailbox,
    context: BrowserContext,
    traffic: Traffic,
    role: Role | None,
) -> None:
    seed_demo(server.registry, mailbox.url)
    page = context.new_page()
    errors = listen(page)
    if role is not None:
        sign_in(page, server.base, role)
    visited, problems = crawl(page, server.base, role, errors)
    assert visited >= (2 if role is None else 4), f"only {visited} pages reached"
    assert not problems, "\n".join(problems)
    assert traffic.offsite == [], traffic.offsite


def test_sign_in_with_the_keyboard_only(
    server: Server, mailbox: Mailbox, context: BrowserContext
) -> None:
    from playwright.sync_api import expect

    seed_demo(server.registry, mailbox.url)
    email, password = demo_password(Role.CREATOR)
    page = context.new_page()
    page.goto(f"{server.base}/login")
    for _ in range(30):  # Tab from the top of the page to the email field
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "email":
            break
    else:
        pytest.fail("Tab never reached the email field")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "password"
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Sign in"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/creator$"))
    expect(page.locator("h1")).to_be_visible()
