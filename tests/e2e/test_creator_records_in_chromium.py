"""The creator's records pages in real Chromium, on SQLite and PostgreSQL: signed in as a
creator with a mandate, a campaign sent and answered, usage, a licence with a credit and a
statement, every page passes ``check_page`` (axe: no serious or critical violation; no
sideways scroll at 375 px; screenshots kept). The grant form shows its error beside the
field with the typed values kept, then grants; a mandate is withdrawn after confirming,
with the keyboard only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from consentry.accounting.usage import parse_report
from consentry.bootstrap import Registry
from consentry.licensing.terms import OfferScope, make_terms
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.kinds import NoticeKind
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import Purpose
from tests.e2e.conftest import Server, Traffic
from tests.e2e.pages import check_page
from tests.notices.conftest import add_work, isbn13
from tests.notices.smtp import Mailbox
from tests.web.conftest import PASSWORD, make_account

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

PAGES = ("mandates", "notices", "found", "licences", "statements")


def populate(reg: Registry, me: str, mailbox: Mailbox) -> str:
    """A society with a mandate from ``me``, a developer that answered a campaign, usage,
    a licence with a credit and a closed distribution; returns the society's id."""
    svc = reg.service
    society = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "notices@society.example")],
    ).id
    dev = svc.create_party(
        SYSTEM,
        name="Acme AI",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.AI_DEVELOPER],
        contacts=[ContactPoint("email", "legal@acme.example")],
    ).id
    work = add_work(reg, me, "A Long Novel About the Sea and Everything Beneath It", 7)
    svc.create_mandate(
        SYSTEM,
        organisation_id=society,
        member_id=me,
        purposes=list(Purpose),
        territories=["WORLD"],
        valid_from=svc.clock(),
        valid_until=None,
        evidence="membership form 2026/001",
    )
    notices = reg.notices()
    req = CampaignRequest(
        organisation_id=society,
        kind=NoticeKind.RESERVATION,
        members=(me,),
        template_sha256=LetterRenderer().fingerprint(),
    )
    cid = str(notices.create_campaign(SYSTEM, req)["campaign_id"])
    notices.queue(SYSTEM, cid, LetterRenderer())
    with SmtpTransport(SmtpUrl.parse(mailbox.url)) as t:
        notices.deliver(SYSTEM, cid, t)
    developer = Actor(Role.DEVELOPER, dev)
    [n] = notices.notices_for(developer)
    notices.answer(developer, n["notice_id"], "Noted: we will not train on this work.")
    usage = (
        "licensee,model,purpose,period,identifier,units,unit\n"
        f"Acme AI,acme-writer-7b,ai-train,2026-Q1,{isbn13(7)},3000,tokens\n"
        f"Acme AI,acme-writer-7b,ai-input,2026-Q1,{isbn13(7)},1000,tokens\n"
    )
    reg.accounting.import_usage(
        SYSTEM, parse_report(usage.encode(), name="u.csv"), filename="u.csv"
    )
    reg.accounting.distribute(SYSTEM, period="2026-Q1", pool="1000.00", currency="GBP")
    lic = reg.licensing
    terms = make_terms(purposes=["ai-train"], fee_model="free-attribution", term_days=365)
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=work, terms=terms, by=[me])
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=dev).id)
    lic.record_credits(developer, grant.id, model="acme/writer-7b", period="2026-Q1")
    return society


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_creator_records_pages_in_chromium(
    server: Server,
    mailbox: Mailbox,
    context: BrowserContext,
    traffic: Traffic,
    request: pytest.FixtureRequest,
) -> None:
    backend = request.node.callspec.params["settings"]
    me = make_account(server.registry, Role.CREATOR, email="writer@example.org")
    assert me.party_id is not None
    society = populate(server.registry, me.party_id, mailbox)
    page = context.new_page()
    sign_in(page, server.base, me.email)
    for name in PAGES:
        response = page.goto(f"{server.base}/creator/{name}")
        assert response is not None and response.status == 200, name
        check_page(page, f"creator-{name}-{backend}")
    page.goto(f"{server.base}/creator/notices")
    assert "Noted: we will not train on this work." in page.inner_text("main")

    # grant: an error beside its field, what was typed kept; then granted
    page.goto(f"{server.base}/creator/mandates")
    page.select_option("#f-organisation_id", society)
    page.check("#f-purpose-ai-train")
    page.fill("#f-territories", "GB XX")
    page.fill("#f-evidence", "signed form 2026/114")
    page.click("form[action='/creator/mandates'] button[type=submit]")
    assert "not an ISO 3166-1 alpha-2 code" in page.inner_text("#f-territories-error")
    assert page.input_value("#f-evidence") == "signed form 2026/114"
    assert page.is_checked("#f-purpose-ai-train")
    check_page(page, f"creator-mandates-error-{backend}")
    page.fill("#f-territories", "GB")
    page.click("form[action='/creator/mandates'] button[type=submit]")
    assert "granted to organisation" in page.inner_text(".flash")

    # withdraw the first mandate with the keyboard only, after the confirmation page
    page.focus("a:has-text('Withdraw the mandate')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdraw")
    check_page(page, f"creator-mandate-withdraw-{backend}")
    page.focus("main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/creator/mandates")
    assert "withdrawn" in page.inner_text(".flash")
    assert not traffic.offsite, f"requests off loopback: {traffic.offsite}"
