"""What the developer's licence page lists: offers open to request (newest first, none
withdrawn), and a developer's own requests and grants with their states."""

from __future__ import annotations

import pytest
from tests.conftest import FakeClock
from tests.licensing.kit import cast

from consentry.bootstrap import Registry
from consentry.errors import PermissionDenied
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM, Actor, Role

FREE = make_terms(purposes=["ai-train"], fee_model="free-attribution", term_days=30)


def test_open_offers_and_a_developers_requests_and_grants(
    registry: Registry, clock: FakeClock
) -> None:
    c = cast(registry)
    lic = registry.licensing
    first = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=FREE)
    clock.advance(seconds=1)
    second = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=FREE)
    clock.advance(seconds=1)
    gone = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=FREE)
    lic.withdraw_offer(SYSTEM, gone.id)
    assert [o.id for o in lic.open_offers()] == [second.id, first.id]
    catalogue = lic.make_offer(SYSTEM, scope=OfferScope.PARTY, subject_id=c.poet, terms=FREE)
    assert lic.subject_names([first, catalogue]) == {
        c.poem: "Odes",
        c.poet: "the catalogue of Sam Poet",
    }
    lic.withdraw_offer(SYSTEM, catalogue.id)

    dev = Actor(Role.DEVELOPER, c.developer)
    asked = lic.request(dev, first.id)
    clock.advance(seconds=1)
    pending = lic.request(dev, second.id)
    granted = lic.grant(SYSTEM, asked.id)
    mine = lic.developer_licences(dev)
    assert [(r.id, r.grant_id) for r in mine.requests] == [
        (pending.id, None),
        (asked.id, granted.id),
    ]
    assert [(g.id, state) for g, state in mine.grants] == [(granted.id, "in force")]
    lic.revoke(SYSTEM, granted.id)
    assert [s for _, s in lic.developer_licences(dev).grants] == ["revoked"]
    clock.advance(days=40)
    other = lic.developer_licences(Actor(Role.DEVELOPER, c.other_developer))
    assert other.requests == [] and other.grants == []
    with pytest.raises(PermissionDenied):
        lic.developer_licences(Actor(Role.CREATOR, c.poet))


def test_a_grant_past_its_term_is_expired(registry: Registry, clock: FakeClock) -> None:
    c = cast(registry)
    lic = registry.licensing
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=FREE)
    dev = Actor(Role.DEVELOPER, c.developer)
    lic.grant(SYSTEM, lic.request(dev, offer.id).id)
    clock.advance(days=31)
    assert [s for _, s in lic.developer_licences(dev).grants] == ["expired"]
