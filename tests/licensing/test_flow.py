"""Offer -> request -> grant -> revoke through the service on a real registry (SQLite and
PostgreSQL): who must agree, who may act, the signed licence document and its ledger entry,
and refused input that leaves the stored data unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conftest import FakeClock
from tests.licensing.kit import Cast, cast

from consentry.bootstrap import Registry
from consentry.errors import Conflict, MandateError, PermissionDenied, ValidationError
from consentry.ledger.chain import LedgerEntry
from consentry.ledger.receipts import check_receipt_against_entry, verify_receipt
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.purposes import Purpose

TRAINING = make_terms(
    purposes=["ai-train"],
    fee_model="per-work",
    amount="5000",
    currency="GBP",
    term_days=365,
    sub_uses=["fine-tuning", "rag"],
    conditions=["no more than 200 consecutive words"],
)


@pytest.fixture
def c(registry: Registry) -> Cast:
    return cast(registry)


def ledger_count(reg: Registry) -> int:
    return reg.service.counts()["ledger"]


def test_a_work_offer_needs_every_holder_and_creator(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    offer = lic.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING, by=[c.author]
    )
    assert offer.parties == (c.author,)
    req = lic.request(SYSTEM, offer.id, developer_id=c.developer)
    before = ledger_count(registry)
    with pytest.raises(Conflict) as err:
        lic.grant(SYSTEM, req.id)
    assert c.publisher in err.value.message and "ai-train" in err.value.message
    assert ledger_count(registry) == before  # nothing written
    lic.join_offer(SYSTEM, offer.id, party_id=c.publisher)
    grant = lic.grant(SYSTEM, req.id)
    assert grant.works == ((c.book, (Purpose.AI_TRAIN,)),)
    assert grant.licensee_id == c.developer
    assert grant.valid_until == grant.valid_from + timedelta(days=365)
    with pytest.raises(Conflict):
        lic.grant(SYSTEM, req.id)  # a request is granted once


def test_the_licence_document_is_signed_and_is_its_ledger_entry(
    registry: Registry, c: Cast
) -> None:
    lic = registry.licensing
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING)
    assert set(offer.parties) == {c.author, c.publisher}  # the admin records it for both
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    doc = grant.document
    assert doc is not None
    verify_receipt(doc, registry.signing_key.public_key())
    with registry.uow() as uow:
        entry = uow.ledger.entry(grant.ledger_seq or 0)
    assert isinstance(entry, LedgerEntry) and entry.kind == "licence.granted"
    check_receipt_against_entry(doc, entry)
    body = doc["declaration"]
    assert body["licensee_id"] == c.developer
    assert body["terms"]["sub_uses"] == ["fine-tuning", "rag"]
    assert body["terms"]["conditions"] == ["no more than 200 consecutive words"]
    assert body["works"] == [{"work_id": c.book, "purposes": ["ai-train"]}]
    assert registry.licensing.get_grant(SYSTEM, grant.id) == grant
    assert registry.service.verify_ledger().ok


def test_revocation(registry: Registry, c: Cast, clock: FakeClock) -> None:
    lic = registry.licensing
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=TRAINING)
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    clock.advance(days=10)
    revoked = lic.revoke(SYSTEM, grant.id, reason="licensee in breach")
    assert revoked.revoked_at == clock.now
    assert not revoked.in_force(clock.now) and revoked.in_force(clock.now - timedelta(days=1))
    with pytest.raises(Conflict):
        lic.revoke(SYSTEM, grant.id)


def test_catalogue_offer_covers_only_works_every_party_agreed_to(
    registry: Registry, c: Cast
) -> None:
    from tests.licensing.kit import work

    solo = work(registry, "Persuasion", c.author, {c.author: 100})
    lic = registry.licensing
    offer = lic.make_offer(SYSTEM, scope=OfferScope.PARTY, subject_id=c.author, terms=TRAINING)
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    assert [w for w, _ in grant.works] == [solo]  # the book's publisher did not agree
    assert grant.document is not None
    [excluded] = grant.document["declaration"]["excluded"]
    assert excluded["work_id"] == c.book and c.publisher in excluded["reasons"][0]


def test_scheme_opt_in_per_work_and_per_purpose(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    scheme = lic.create_scheme(
        SYSTEM, organisation_id=c.society, name="AI Licences", purposes=["ai-train", "ai-input"]
    )
    both = make_terms(purposes=["ai-train", "ai-input"], fee_model="free-attribution")
    offer = lic.make_offer(SYSTEM, scope=OfferScope.SCHEME, subject_id=scheme.id, terms=both)
    lic.opt_in(SYSTEM, scheme.id, work_id=c.book, party_id=c.author)  # both purposes
    lic.opt_in(SYSTEM, scheme.id, work_id=c.book, party_id=c.publisher, purposes=["ai-input"])
    lic.opt_in(SYSTEM, scheme.id, work_id=c.poem, purposes=["ai-train"])  # every party
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    assert dict(grant.works) == {c.book: (Purpose.AI_INPUT,), c.poem: (Purpose.AI_TRAIN,)}
    with pytest.raises(ValidationError) as err:
        lic.opt_in(SYSTEM, scheme.id, work_id=c.poem, purposes=["search"])
    assert err.value.field == "purposes" and "search" in err.value.message
    with pytest.raises(ValidationError):  # a scheme offer stays within the scheme's purposes
        lic.make_offer(
            SYSTEM,
            scope=OfferScope.SCHEME,
            subject_id=scheme.id,
            terms=make_terms(purposes=["tdm"], fee_model="free-attribution"),
        )


def test_who_may_act(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    author = Actor(Role.CREATOR, c.author)
    poet = Actor(Role.CREATOR, c.poet)
    dev = Actor(Role.DEVELOPER, c.developer)
    society = Actor(Role.ORGANISATION, c.society)
    # a creator offers for itself only; a developer never offers
    offer = lic.make_offer(author, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING)
    assert offer.parties == (c.author,)
    for actor, exc in ((poet, PermissionDenied), (dev, PermissionDenied), (society, MandateError)):
        with pytest.raises(exc):
            lic.make_offer(actor, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING)
    with pytest.raises(PermissionDenied):
        lic.join_offer(author, offer.id, party_id=c.publisher)
    # a developer requests for itself; a party that is not an ai-developer cannot request
    req = lic.request(dev, offer.id)
    assert req.developer_id == c.developer
    with pytest.raises(PermissionDenied):
        lic.request(dev, offer.id, developer_id=c.other_developer)
    with pytest.raises(ValidationError) as err:
        lic.request(SYSTEM, offer.id, developer_id=c.poet)
    assert "ai-developer" in err.value.message
    # the licensors' side grants: not the developer, not an unrelated creator
    lic.join_offer(SYSTEM, offer.id, party_id=c.publisher)
    for actor in (dev, poet):
        with pytest.raises(PermissionDenied):
            lic.grant(actor, req.id)
    grant = lic.grant(author, req.id)
    with pytest.raises(PermissionDenied):
        lic.get_grant(Actor(Role.DEVELOPER, c.other_developer), grant.id)
    assert lic.get_grant(dev, grant.id).id == grant.id
    with pytest.raises(PermissionDenied):
        lic.revoke(dev, grant.id)
    # an organisation runs only its own schemes
    with pytest.raises(PermissionDenied):
        lic.create_scheme(society, organisation_id=c.publisher, name="X", purposes=["ai-train"])
    assert lic.create_scheme(
        society, organisation_id=c.society, name="Ours", purposes=["ai-train"]
    ).organisation_id == (c.society)


def test_refused_input_changes_nothing(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    before = ledger_count(registry)
    with pytest.raises(ValidationError):
        lic.create_scheme(SYSTEM, organisation_id=c.author, name="Mine", purposes=["ai-train"])
    with pytest.raises(ValidationError):
        lic.make_offer(
            SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING, by=[c.poet]
        )
    with pytest.raises(Exception) as err:
        lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id="w_nope", terms=TRAINING)
    assert "w_nope" in str(err.value)
    assert ledger_count(registry) == before


def test_a_withdrawn_offer_takes_no_requests_nor_grants(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=TRAINING)
    granted = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    pending = lic.request(SYSTEM, offer.id, developer_id=c.other_developer)
    with pytest.raises(PermissionDenied):
        lic.withdraw_offer(Actor(Role.CREATOR, c.author), offer.id)  # not a licensor
    withdrawn = lic.withdraw_offer(Actor(Role.CREATOR, c.poet), offer.id)
    assert withdrawn.withdrawn_at is not None
    for act in (
        lambda: lic.request(SYSTEM, offer.id, developer_id=c.developer),
        lambda: lic.grant(SYSTEM, pending.id),
        lambda: lic.withdraw_offer(SYSTEM, offer.id),
    ):
        with pytest.raises(Conflict) as err:
            act()
        assert "withdrawn" in err.value.message
    assert lic.get_grant(SYSTEM, granted.id).revoked_at is None  # a grant made stands


def test_opting_out_leaves_a_work_out_of_later_grants(registry: Registry, c: Cast) -> None:
    lic = registry.licensing
    scheme = lic.create_scheme(
        SYSTEM, organisation_id=c.society, name="AI Licences", purposes=["ai-train", "ai-input"]
    )
    both = make_terms(purposes=["ai-train", "ai-input"], fee_model="free-attribution")
    offer = lic.make_offer(SYSTEM, scope=OfferScope.SCHEME, subject_id=scheme.id, terms=both)
    lic.opt_in(SYSTEM, scheme.id, work_id=c.poem, purposes=["ai-train"])
    [row] = lic.opt_in(SYSTEM, scheme.id, work_id=c.poem, purposes=["ai-input"])
    assert row.purposes == (Purpose.AI_INPUT, Purpose.AI_TRAIN)  # opt-ins add up (sorted)
    first = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    assert dict(first.works) == {c.poem: (Purpose.AI_INPUT, Purpose.AI_TRAIN)}
    [row] = lic.opt_out(SYSTEM, scheme.id, work_id=c.poem, purposes=["ai-train"])
    assert row.purposes == (Purpose.AI_INPUT,)
    second = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    assert dict(second.works) == {c.poem: (Purpose.AI_INPUT,)}
    lic.opt_out(SYSTEM, scheme.id, work_id=c.poem)  # every purpose
    with pytest.raises(Conflict) as err:
        lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    assert "covers no work" in err.value.message
    assert lic.get_grant(SYSTEM, first.id).revoked_at is None  # grants made stand
    with pytest.raises(PermissionDenied):  # a creator opts out only for itself
        lic.opt_out(Actor(Role.CREATOR, c.author), scheme.id, work_id=c.poem)


def test_a_work_without_holders_cannot_be_offered_or_opted_in(registry: Registry, c: Cast) -> None:
    """Nobody can agree for it (found by schemathesis: an opt-out of such a work was a 500)."""
    from consentry.registry.works import WorkDraft, WorkKind

    bare = registry.service.create_work(SYSTEM, WorkDraft(kind=WorkKind.POEM, title="Anon")).id
    lic = registry.licensing
    scheme = lic.create_scheme(SYSTEM, organisation_id=c.society, name="S", purposes=["ai-train"])
    before = ledger_count(registry)
    for act in (
        lambda: lic.opt_in(SYSTEM, scheme.id, work_id=bare),
        lambda: lic.opt_out(SYSTEM, scheme.id, work_id=bare),
        lambda: lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=bare, terms=TRAINING),
    ):
        with pytest.raises(ValidationError) as err:
            act()
        assert bare in err.value.message and "no rights holder" in err.value.message
    assert ledger_count(registry) == before
