"""A creator's own licensing records (licensing/service_party.py): offers covering its
works, requests under them, grants including them, credits naming them; never another
creator's."""

from __future__ import annotations

import pytest
from tests.licensing.kit import cast
from tests.licensing.test_credits import granted
from tests.licensing.test_flow import TRAINING

from consentry.bootstrap import Registry
from consentry.errors import PermissionDenied
from consentry.licensing.terms import OfferScope
from consentry.registry.access import SYSTEM, Actor, Role


def test_a_creator_reads_its_offers_requests_grants_and_credits(registry: Registry) -> None:
    c = cast(registry)
    lic = registry.licensing
    offer = lic.make_offer(
        SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=TRAINING, by=[c.author]
    )
    lic.join_offer(SYSTEM, offer.id, party_id=c.publisher)
    req = lic.request(SYSTEM, offer.id, developer_id=c.developer)
    grant = lic.grant(SYSTEM, req.id)
    poem_grant = granted(registry, c, fee_model="free-attribution")  # the poet's catalogue
    dev = Actor(Role.DEVELOPER, c.developer)
    lic.record_credits(dev, poem_grant.id, model="acme/writer-7b", period="2026-Q1")

    ann = lic.licences_of(Actor(Role.CREATOR, c.author))
    assert [o.id for o in ann.offers] == [offer.id]
    assert [(r.id, r.grant_id) for r in ann.requests] == [(req.id, grant.id)]
    assert [g.id for g in ann.grants] == [grant.id]
    assert ann.own_works(ann.grants[0]) == [(c.book, "Emma", ["ai-train"])]
    assert ann.credits == [] and ann.names[c.developer] == "Acme AI"

    sam = lic.licences_of(Actor(Role.CREATOR, c.poet))
    assert [g.id for g in sam.grants] == [poem_grant.id] and offer.id not in {
        o.id for o in sam.offers
    }
    assert [(r.work_id, r.model) for r in sam.credits] == [(c.poem, "acme/writer-7b")]
    assert lic.licences_of(SYSTEM, c.poet).grants == sam.grants


def test_only_creators_and_admins_read_a_partys_licences(registry: Registry) -> None:
    c = cast(registry)
    for role in (Role.ORGANISATION, Role.DEVELOPER):
        with pytest.raises(PermissionDenied):
            registry.licensing.licences_of(Actor(role, c.author))
    # a creator naming another party still reads its own
    own = registry.licensing.licences_of(Actor(Role.CREATOR, c.poet), c.author)
    assert own.party_id == c.poet
