"""The public pages in Chromium, as a visitor without an account meets them: the start
page's lookup form leads to a work's terms, a bad identifier to a 404 that says why, the
credits form to a model's credits, and the key and verify pages. Every page passes
``check_page`` (axe: no serious or critical violation; no sideways scroll at 375 px;
screenshots kept); nothing is fetched off loopback. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.e2e.conftest import Server, Traffic, signed_in
from tests.e2e.pages import check_page

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

ISBN = "isbn:9780000000002"


def seed(server: Server) -> str:
    """Jane Writer's book, its terms partly declared by her society under mandate, and a
    model credited with a licensed poem; the book's work id."""
    reg = server.registry
    svc = reg.service

    def party(name: str, kind: PartyKind, role: PartyRole) -> str:
        return svc.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id

    jane = party("Jane Writer", PartyKind.PERSON, PartyRole.CREATOR)
    society = party("Society of Authors", PartyKind.ORGANISATION, PartyRole.MEMBER_ORGANISATION)
    lab = party("Acme AI", PartyKind.ORGANISATION, PartyRole.AI_DEVELOPER)
    svc.create_mandate(
        SYSTEM,
        organisation_id=society,
        member_id=jane,
        purposes=list(Purpose),
        territories=["WORLD"],
        valid_from=svc.clock() - timedelta(days=1),
        valid_until=None,
        evidence="membership terms",
    )
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title="Emma, a novel with a rather long title that wraps on a phone screen",
        identifiers=(ISBN, "url:https://example.org/books/emma-a-novel-with-a-long-address"),
        contributors=((PartyRef(party_id=jane), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=jane), "creator", Decimal(100), "all"),),
    )
    work = svc.create_work(SYSTEM, draft).id
    svc.declare_terms(
        Actor(Role.ORGANISATION, society),
        party_id=jane,
        statuses={Purpose.AI_TRAIN: Status.RESERVED, Purpose.SEARCH: Status.ALLOWED},
        work_id=work,
    )
    svc.declare_terms(SYSTEM, party_id=jane, statuses={Purpose.TDM: Status.LICENCE})
    lic = reg.licensing
    offer = lic.make_offer(
        SYSTEM,
        scope=OfferScope.WORK,
        subject_id=work,
        terms=make_terms(purposes=["ai-input"], fee_model="free-attribution"),
    )
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=lab).id)
    lic.record_credits(Actor(Role.DEVELOPER, lab), grant.id, model="acme/writer-7b", period="2026")
    return work


def test_a_visitor_reads_a_works_terms_and_the_public_pages(
    server: Server, context: BrowserContext, traffic: Traffic
) -> None:
    seed(server)
    page = context.new_page()
    page.goto(f"{server.base}/")
    check_page(page, "public-home")

    # The start page's form: an ISBN as people type it leads to the work's terms.
    page.get_by_label("Identifier").fill("978-0-00-000000-2")
    with page.expect_navigation():
        page.get_by_role("button", name="Show its terms").click()
    assert page.url.endswith("/works/978-0-00-000000-2")
    assert page.locator("h1").inner_text().startswith("Emma, a novel")
    answers = page.locator("table").first.inner_text()
    assert "ai-train" in answers and "Reserved" in answers and "Allowed" in answers
    assert "Licence required" in answers  # tdm: her catalogue-wide licence
    said = page.locator("section.purpose", has_text="training or fine-tuning").inner_text()
    assert "declared for them by Society of Authors under mandate" in said
    check_page(page, "public-work")

    # A check digit off by one: a 404 page that says which and what was expected.
    response = page.goto(f"{server.base}/works/isbn:9780000000003")
    assert response is not None and response.status == 404
    assert "expected 2" in page.inner_text("main")
    check_page(page, "public-work-not-found")

    page.goto(f"{server.base}/models")
    check_page(page, "public-models-form")
    page.get_by_label("Model").fill("acme/writer-7b")
    with page.expect_navigation():
        page.get_by_role("button", name="Show its credits").click()
    assert "Emma, a novel" in page.inner_text("main")
    check_page(page, "public-credits")

    page.goto(f"{server.base}/public-key")
    assert page.inner_text("#pem").strip() == server.registry.public_key_pem.strip()
    check_page(page, "public-key")

    page.goto(f"{server.base}/verify")
    check_page(page, "public-verify")

    # The account pages a visitor reaches from the start page's links.
    for path, name in (("/login", "sign-in"), ("/signup", "sign-up"), ("/reset", "reset")):
        page.goto(f"{server.base}{path}")
        check_page(page, f"public-{name}")
    assert not traffic.offsite, f"requests off loopback: {traffic.offsite}"


def test_a_disputed_identifier_in_chromium(
    server: Server, context: BrowserContext, traffic: Traffic
) -> None:
    seed(server)
    svc = server.registry.service
    other = svc.create_party(
        SYSTEM, name="Sam Poet", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    ).id
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title="A second claim",
        identifiers=(ISBN,),
        contributors=((PartyRef(party_id=other), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=other), "creator", Decimal(100), "all"),),
    )
    svc.create_work(SYSTEM, draft)
    page = context.new_page()
    page.goto(f"{server.base}/works/{ISBN}")
    assert "Disputed identifier" in page.inner_text("main")
    assert page.locator("article.work").count() == 2
    check_page(page, "public-work-disputed")
    assert not traffic.offsite


def test_a_signed_in_creator_sees_the_start_page_as_themselves(
    server: Server, context: BrowserContext
) -> None:
    page, who = signed_in(context, server, Role.CREATOR)
    page.goto(f"{server.base}/")
    assert f"You are signed in as {who.email}" in page.inner_text("main")
    check_page(page, "public-home-signed-in")
