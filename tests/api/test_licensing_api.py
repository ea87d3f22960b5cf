"""The licensing API (offers, schemes, requests, grants, credits) and decisions with grants:
the fast path and the route agree on a licensee's decisions (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from consentry.bootstrap import Registry
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM
from tests.api.conftest import ApiClient, World


@pytest.fixture
def slow(registry: Registry) -> Iterator[ApiClient]:
    c = ApiClient(registry, fast_decisions_path=False)
    try:
        yield c
    finally:
        c.close()


def grant_to_developer(world: World, **terms: Any) -> str:
    lic = world.registry.licensing
    t = make_terms(purposes=["ai-train"], fee_model="free-attribution", **terms)
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=world.work, terms=t)
    return lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=world.developer).id).id


def test_fast_path_and_route_agree_with_a_grant(
    world: World, client: ApiClient, slow: ApiClient
) -> None:
    grant = grant_to_developer(world, territory="GB", term_days=30)
    w = world.work
    queries = [
        f"work={w}&purpose=ai-train&territory=GB",
        f"work={w}&purpose=ai-train",
        f"work={w}&purpose=ai-train&territory=FR",
        f"work={w}&purpose=ai-input&territory=GB",
        f"work={w}&purpose=ai-train&territory=GB&at=2025-01-01T00:00:00Z",
        f"work={w}&purpose=ai-train&territory=GB&at=2099-01-01T00:00:00Z",
        f"work={w}&purpose=ai-train&territory=GB&developer={world.org}",
    ]
    outcomes = []
    for who in ("developer", "admin", "org_developer"):
        for q in queries:
            h = world.headers(who)
            expected = slow.get(f"/v1/decisions?{q}", headers=h)
            assert client.get(f"/v1/decisions?{q}", headers=h).content == expected.content
            fast = client.get(f"/v1/decisions?{q}", headers=h)  # the key is cached: fast path
            assert (fast.status_code, fast.content) == (expected.status_code, expected.content)
            outcomes.append(
                (who, q, fast.json()["outcome"], (fast.json()["grant"] or {}).get("grant_id"))
            )
    allowed = [(who, q, g) for who, q, o, g in outcomes if o == "allow"]
    # only the licensee's own key (it asks for itself), in GB, now, for ai-train
    assert allowed == [("developer", queries[0], grant)]
    # an admin asking on the developer's behalf gets the same answer
    r = slow.get(
        f"/v1/decisions?{queries[0]}&developer={world.developer}", headers=world.headers("admin")
    )
    assert r.json()["outcome"] == "allow" and r.json()["grant"]["grant_id"] == grant
    assert r.json()["attribution_required"] is True  # free-attribution requires credit
