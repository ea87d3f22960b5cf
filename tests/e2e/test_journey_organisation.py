"""Journey 2 (issue 13) in real Chromium, on SQLite and PostgreSQL: an organisation user
signs in, imports the members' mandates (a CSV upload), builds a campaign, previews the
letter, sends it to the SMTP server on loopback (the message arrives), the developer
acknowledges it through the letter's link, and the campaign page shows it acknowledged.
Every page visited passes check_page; the last page's screenshot is kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from tests.e2e.conftest import Server, Traffic
from tests.e2e.pages import check_page
from tests.notices.conftest import add_work
from tests.notices.smtp import Mailbox

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

EMAIL, PASSWORD = "office@society.example", "correct horse battery staple"
ACK = re.compile(r"https?://\S+/notices/ack/[A-Za-z0-9_\-.]+")


def _world(server: Server, tmp: Path) -> Path:
    """A society with a web account, two authors with a book each, one AI developer with an
    address; returns the mandates CSV the society will upload."""
    reg, svc = server.registry, server.registry.service
    org = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "notices@society.example")],
    ).id
    reg.accounts.create_account(
        SYSTEM, email=EMAIL, role=Role.ORGANISATION, party_id=org, password=PASSWORD
    )
    rows = ["member,email,purposes,territories,valid_from,valid_until,evidence"]
    for n, name in enumerate(("Ann Author", "Bob Author")):
        p = svc.create_party(SYSTEM, name=name, kind=PartyKind.PERSON, roles=[PartyRole.CREATOR])
        add_work(reg, p.id, f"{name}'s novel", 3000 + n)
        rows.append(f"party:{p.id},,ai-train;tdm,WORLD,2025-01-01,,signed form {n + 1}")
    svc.create_party(
        SYSTEM,
        name="Acme AI",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.AI_DEVELOPER],
        contacts=[ContactPoint("email", "copyright@acme.example")],
    )
    csv = tmp / "members.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return csv


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login?next=/organisation")
    check_page(page, "org-1-sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/organisation")
    check_page(page, "org-2-overview")


def _import(page: Page, base: str, csv: Path) -> None:
    page.goto(f"{base}/organisation/members")
    check_page(page, "org-3-members")
    bad = csv.with_name("members-bad.csv")
    bad.write_text(csv.read_text(encoding="utf-8") + "Cat Author,,painting,,,,form 3\n")
    page.get_by_label("Mandates file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("#rejects")
    assert "painting" in page.inner_text("table") and "nothing was imported" in page.inner_text(
        "main"
    )
    check_page(page, "org-3b-members-bad-row")
    page.get_by_label("Mandates file (CSV)").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("text=2 mandates granted")
    assert page.locator("table").inner_text().count("in force") == 2
    check_page(page, "org-4-mandates-imported")


def _build(page: Page, base: str) -> str:
    page.goto(f"{base}/organisation/campaigns/new")
    check_page(page, "org-5-campaign-builder")
    page.get_by_label("Kind of notice").select_option("reservation")
    for purpose in ("ai-input", "ai-index", "search"):  # keep ai-train and tdm
        page.get_by_label(purpose, exact=True).uncheck()
    page.get_by_label("Acme AI").check()
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url(re.compile(r".*/organisation/campaigns/c\w+$"))
    assert "drafted" in page.inner_text("main")
    check_page(page, "org-6-campaign-drafted")
    return page.url


def test_an_organisation_imports_mandates_and_sends_a_campaign_that_is_acknowledged(
    server: Server,
    mailbox: Mailbox,
    context: BrowserContext,
    traffic: Traffic,
    shots: Path,
    tmp_path: Path,
) -> None:
    csv = _world(server, tmp_path)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    base = server.base

    _sign_in(page, base)
    _import(page, base, csv)
    campaign_url = _build(page, base)

    page.get_by_role("link", name="Preview the letter to Acme AI").click()
    page.wait_for_selector("pre.letter")
    letter = page.inner_text("pre.letter")
    assert "Dear Acme AI" in letter and "Ann Author" in letter
    check_page(page, "org-7-letter-preview")
    assert mailbox.arrived == []  # previewing sends nothing

    page.goto(campaign_url)
    page.get_by_role("button", name="Send the notices").click()
    # htmx polls the states until the job is done; the notice is then "sent"
    page.locator("#notices .status-sent, table .status-sent").first.wait_for()
    check_page(page, "org-8-campaign-sent")
    [message] = mailbox.arrived
    assert message.recipients == ["copyright@acme.example"]
    body = message.message().get_body(preferencelist=("plain",))
    assert body is not None
    found = ACK.search(body.get_content())
    assert found, "the letter carries an acknowledgement link"

    # the developer opens the link (no account) and presses the button
    ack = context.new_page()
    ack.goto(found.group(0))
    check_page(ack, "org-9-developer-ack-link")
    ack.get_by_role("button", name="Acknowledge receipt").click()
    ack.wait_for_selector("text=Receipt acknowledged")
    check_page(ack, "org-10-developer-acknowledged")
    ack.close()

    page.goto(campaign_url)
    page.locator("table .status-acknowledged").first.wait_for()
    assert "acknowledged" in page.inner_text("table")
    shot = check_page(page, "org-11-campaign-acknowledged")
    assert shot.is_file()
    assert js_errors == []
    assert traffic.offsite == []
