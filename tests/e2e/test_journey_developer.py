"""Journey 3 (issue 13) in real Chromium, on SQLite and PostgreSQL: an AI developer signs in,
pastes identifiers into lookup and sees each one's terms, then acknowledges a notice
addressed to it.

The world is seeded through the services, as users would have made it: an organisation
with a creator's mandate, the creator's works and terms, a developer party with a web
account, and a reservation campaign whose notice was sent to a loopback SMTP server.
Every page visited passes ``check_page`` (axe, 375 px); the last page's screenshot is kept
as ``journey3-developer-acknowledged.png``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Role
from tests.api.conftest import EMMA_ISBN, OTHER_ISBN, make_world
from tests.api.notices_world import sent_notice
from tests.e2e.conftest import Server
from tests.e2e.pages import check_page

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

EMAIL = "legal@ailab.example"
PASSWORD = "journey three password"


def test_a_developer_looks_up_terms_and_acknowledges_a_notice(
    server: Server, context: BrowserContext
) -> None:
    from playwright.sync_api import expect

    reg = server.registry
    world = make_world(reg)
    _, notice = sent_notice(world)
    reg.accounts.create_account(
        SYSTEM, email=EMAIL, role=Role.DEVELOPER, party_id=world.developer, password=PASSWORD
    )
    page = context.new_page()

    page.goto(f"{server.base}/login")
    check_page(page, "journey3-developer-sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/developer$"))
    check_page(page, "journey3-developer-home")

    page.get_by_role("link", name="Look up works", exact=True).click()
    check_page(page, "journey3-developer-lookup")
    page.get_by_label("Identifiers or URLs, one per line").fill(
        f"{EMMA_ISBN}\n{OTHER_ISBN}\nisbn:9780000000001\n"
    )
    page.get_by_role("button", name="Look up", exact=True).click()
    table = page.get_by_role("table")
    emma = table.get_by_role("row").filter(has_text=EMMA_ISBN)
    expect(emma).to_contain_text("Emma")
    expect(emma).to_contain_text("allowed")  # the creator allowed search
    expect(emma).to_contain_text("reserved")
    expect(table.get_by_role("row").filter(has_text=OTHER_ISBN)).to_contain_text("Odes")
    expect(table.get_by_role("row").filter(has_text="isbn:9780000000001")).to_contain_text(
        "invalid"
    )
    check_page(page, "journey3-developer-lookup-results")

    page.get_by_role("link", name="AI developer", exact=True).click()
    page.get_by_role("link", name="Notices", exact=True).click()
    check_page(page, "journey3-developer-notices")
    page.get_by_role("link", name=notice).click()
    expect(page.locator("#notice-state")).to_have_text("sent")
    check_page(page, "journey3-developer-notice")
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.get_by_role("status")).to_contain_text("Receipt acknowledged.")
    expect(page.locator("#notice-state")).to_have_text("acknowledged")
    assert reg.notices().notice(SYSTEM, notice)["state"] == "acknowledged"
    check_page(page, "journey3-developer-acknowledged")


def test_the_other_developer_pages_pass_the_checks(server: Server, context: BrowserContext) -> None:
    """Bundle, licences (an offer, a request) and usage upload (a bad record listed): axe
    and 375 px on each, as a developer moves through them by keyboard-operable controls."""
    from playwright.sync_api import expect

    reg = server.registry
    world = make_world(reg)
    terms = make_terms(purposes=["ai-train"], fee_model="free-attribution")
    offer = reg.licensing.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=world.work, terms=terms
    )
    reg.accounts.create_account(
        SYSTEM, email=EMAIL, role=Role.DEVELOPER, party_id=world.developer, password=PASSWORD
    )
    page = context.new_page()
    page.goto(f"{server.base}/login?next=/developer/bundle")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(re.compile(r"/developer/bundle$"))
    page.get_by_label("Purpose").select_option("ai-input")
    check_page(page, "developer-bundle")

    page.goto(f"{server.base}/developer/licences")
    page.get_by_role("button", name=f"Request a licence under offer {offer.id}").click()
    expect(page.get_by_role("status")).to_contain_text(offer.id)
    expect(page.get_by_role("region", name="Your requests")).to_contain_text("waiting")
    check_page(page, "developer-licences")

    page.goto(f"{server.base}/developer/usage")
    check_page(page, "developer-usage")
    bad = (
        "licensee,model,purpose,period,identifier,units,unit\n"
        f"AI Lab,lab-1,ai-train,2026-Q5,{EMMA_ISBN},12,tokens\n"
    )
    page.get_by_label("Usage report file (CSV or JSON)").set_input_files(
        {"name": "usage.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.get_by_role("button", name="Upload").click()
    problems = page.get_by_role("region", name="Records to fix")
    expect(problems).to_contain_text("2026-Q5")
    expect(problems).to_contain_text("YYYY-Qn")
    check_page(page, "developer-usage-errors")
