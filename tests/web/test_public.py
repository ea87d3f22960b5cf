"""The public pages, no account needed (web/public.py), on SQLite and PostgreSQL: the start
page, a work's terms by identifier (who said what, where, from when; disputes flagged; a 404
that names the identifier and what was expected), a model's credits, the public key."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from consentry.bootstrap import Registry
from consentry.ledger.receipts import key_id
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.licensing.kit import cast
from tests.web.conftest import WebClient, sign_in_as

ISBN = "isbn:9780000000002"
HOSTILE = '<script>alert("x")</script>'


def text_of(page: str) -> str:
    """The page's words, tags removed and spaces collapsed (what a reader sees)."""
    body = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
    return " ".join(html.unescape(body).split())


def links(page: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"]*)"', page)}


def person(reg: Registry, name: str, role: PartyRole = PartyRole.CREATOR) -> str:
    kind = PartyKind.PERSON if role is PartyRole.CREATOR else PartyKind.ORGANISATION
    return reg.service.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id


def book(reg: Registry, title: str, author: str, *identifiers: str) -> str:
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=identifiers,
        contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=author), "creator", Decimal(100), "all"),),
    )
    return reg.service.create_work(SYSTEM, draft).id


def test_start_page_links_sign_in_lookup_key_and_verify(web: WebClient, registry: Registry) -> None:
    r = web.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    words = text_of(r.text)
    assert "A registry of creators' consent" in words
    assert all(p.value in words for p in Purpose)
    assert key_id(registry.signing_key.public_key()) in words
    assert {
        "/login",
        "/signup",
        "/public-key",
        "/verify",
        "/docs",
        "/openapi.json",
        "/v1/registry/public-key",
        "/models",
    } <= links(r.text)
    assert '<form method="get" action="/works"' in r.text
    assert '<label for="f-identifier">Identifier</label>' in r.text
    for href in links(r.text):
        assert web.get(href).status_code == 200, href


def test_a_signed_in_visitor_is_greeted_not_offered_sign_up(
    web: WebClient, registry: Registry
) -> None:
    who = sign_in_as(web, registry, Role.CREATOR)
    words = text_of(web.get("/").text)
    assert f"You are signed in as {who.email}" in words
    assert "/signup" not in links(web.get("/").text)


def test_a_work_page_says_per_purpose_who_declared_what_where_and_from_when(
    web: WebClient, registry: Registry
) -> None:
    svc = registry.service
    jane = person(registry, "Jane Writer")
    society = person(registry, "Society of Authors", PartyRole.MEMBER_ORGANISATION)
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
    work = book(registry, f"Emma {HOSTILE}", jane, ISBN, "doi:10.1000/182")
    svc.declare_terms(
        Actor(Role.ORGANISATION, society),
        party_id=jane,
        statuses={Purpose.AI_TRAIN: Status.RESERVED, Purpose.SEARCH: Status.ALLOWED},
        work_id=work,
    )
    svc.declare_terms(
        SYSTEM, party_id=jane, statuses={Purpose.AI_INPUT: Status.LICENCE}, territory="FR"
    )

    for path in (f"/works/{ISBN}", "/works/isbn:978-0-00-000000-2", "/works/doi:10.1000/182"):
        r = web.get(path)
        assert r.status_code == 200, path
        assert HOSTILE not in r.text and "&lt;script&gt;alert(" in r.text
        words = text_of(r.text)
        assert f"Emma {HOSTILE}" in words
        assert "search : classic search indexing Allowed" in words
        assert (
            "Jane Writer : reserved for this work, everywhere, effective 2026-01-01 00:00 UTC, "
            "declared for them by Society of Authors under mandate (ledger entry"
        ) in words
        # a catalogue-wide licence in FR only: everywhere, nothing holds, so reserved
        assert "ai-input : giving works" in words
        assert "Jane Writer : nothing declared, so reserved by default." in words
    assert "Disputed" not in text_of(web.get(f"/works/{ISBN}").text)

    # In France, her catalogue-wide licence answers ai-input.
    fr = web.get(f"/works/{ISBN}", params={"territory": "fr"})
    assert fr.status_code == 200
    words = text_of(fr.text)
    assert "for use in FR" in words
    assert (
        "ai-input : giving works" in words
        and "Licence required: ask for a licence first"
        in (words.split("ai-input : giving works", 1)[1])
    )
    assert "Jane Writer : licence for all their works, in FR, effective" in words
    assert (
        "Jane Writer : nothing declared"
        not in words.split("ai-index :", 1)[0].split("ai-input : giving", 1)[1]
    )


def test_a_bad_territory_is_shown_beside_its_field_and_kept(
    web: WebClient, registry: Registry
) -> None:
    book(registry, "Emma", person(registry, "Jane Writer"), ISBN)
    r = web.get(f"/works/{ISBN}", params={"territory": "Atlantis"})
    assert r.status_code == 422
    assert 'id="f-territory" name="territory" type="text" value="Atlantis"' in r.text
    assert 'aria-invalid="true"' in r.text and 'id="f-territory-error"' in r.text
    assert "for use everywhere" in text_of(r.text)  # the answer is still given


def test_a_disputed_identifier_shows_every_claimant_and_says_so(
    web: WebClient, registry: Registry
) -> None:
    book(registry, "First claim", person(registry, "Ann Author"), ISBN)
    book(registry, "Second claim", person(registry, "Sam Poet"), ISBN)
    r = web.get(f"/works/{ISBN}")
    assert r.status_code == 200
    words = text_of(r.text)
    assert "Disputed identifier 2 works claim isbn:9780000000002 (dispute" in words
    assert "First claim" in words and "Second claim" in words
    assert "Ann Author" in words and "Sam Poet" in words


def test_a_malformed_identifier_is_a_404_naming_it_and_what_was_expected(
    web: WebClient,
) -> None:
    r = web.get("/works/isbn:9780000000003")
    assert r.status_code == 404
    words = text_of(r.text)
    assert "No work found for isbn:9780000000003" in words
    assert "check digit 3, expected 2" in words
    r = web.get(f"/works/nonsense{HOSTILE}")
    assert r.status_code == 404 and HOSTILE not in r.text
    assert "Expected: " in text_of(r.text)
    assert '<label for="f-identifier">' in r.text  # the form again, to try another


def test_an_unknown_identifier_is_a_404_naming_it(web: WebClient) -> None:
    r = web.get("/works/isbn:9780007232833")
    assert r.status_code == 404
    assert "No work is registered under isbn:9780007232833." in text_of(r.text)


def test_the_lookup_form_leads_to_the_work_page(web: WebClient, registry: Registry) -> None:
    url = "url:https://example.org/books/emma?edition=2#top"
    book(registry, "Emma", person(registry, "Jane Writer"), ISBN, url)
    r = web.get("/works", params={"identifier": " 978-0-00-000000-2 "})
    assert r.status_code == 303 and r.headers["location"] == "/works/978-0-00-000000-2"
    assert web.get(r.headers["location"]).status_code == 200
    r = web.get("/works", params={"identifier": url})
    assert "?" not in r.headers["location"] and "#" not in r.headers["location"]
    page = web.get(r.headers["location"])
    assert page.status_code == 200 and "Emma" in text_of(page.text)
    empty = web.get("/works")
    assert empty.status_code == 200 and '<label for="f-identifier">' in empty.text


def test_a_models_credits_page_lists_its_credit_lines(web: WebClient, registry: Registry) -> None:
    c = cast(registry)
    lic = registry.licensing
    terms = make_terms(purposes=["ai-train"], fee_model="free-attribution")
    offer = lic.make_offer(SYSTEM, scope=OfferScope.PARTY, subject_id=c.poet, terms=terms)
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    lic.record_credits(
        Actor(Role.DEVELOPER, c.developer), grant.id, model="acme/writer-7b", period="2026-Q1"
    )
    r = web.get("/models/acme/writer-7b/credits")
    assert r.status_code == 200
    words = text_of(r.text)
    assert "Credits: acme/writer-7b" in words
    assert f"Odes by Sam Poet 2026-Q1 {grant.id}" in words
    assert web.get("/models/nobody/none/credits").status_code == 200
    assert "No credits recorded." in text_of(web.get("/models/nobody/none/credits").text)
    form = web.get("/models", params={"model": "acme/writer-7b"})
    assert form.status_code == 303
    assert form.headers["location"] == "/models/acme/writer-7b/credits"


def test_a_bad_model_name_is_shown_beside_the_field(web: WebClient) -> None:
    r = web.get("/models/-bad name!/credits")
    assert r.status_code == 404
    assert 'aria-invalid="true"' in r.text and "is not a model name" in text_of(r.text)
    assert 'value="-bad name!"' in r.text  # what was typed is kept


def test_public_key_page_shows_the_pem_and_key_id(web: WebClient, registry: Registry) -> None:
    r = web.get("/public-key")
    assert r.status_code == 200
    pem = re.search(r'<pre id="pem"[^>]*>(.*?)</pre>', r.text, re.S)
    assert pem is not None and html.unescape(pem.group(1)) == registry.public_key_pem
    words = text_of(r.text)
    assert key_id(registry.signing_key.public_key()) in words
    assert "consentry receipt verify receipt.json --public-key registry.pem" in words
    assert {"/v1/registry/public-key", "/verify"} <= links(r.text)


@pytest.mark.parametrize(
    "path", ["/", "/works", f"/works/{ISBN}", "/models", "/public-key", "/verify"]
)
def test_public_pages_are_not_api_operations(web: WebClient, path: str) -> None:
    assert path not in web.app.openapi()["paths"]
