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


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def test_the_flow_through_the_api(world: World, client: ApiClient) -> None:
    creator, dev = world.headers("creator"), world.headers("developer")
    offer = ok(
        client.post(
            "/v1/offers",
            json={
                "scope": "work",
                "subject_id": world.work,
                "purposes": ["ai-train"],
                "fee_model": "per-work",
                "amount": "5000",
                "currency": "GBP",
                "term_days": 365,
                "territory": "GB",
                "attribution": "{title} by {creators}",
                "conditions": ["no more than 200 consecutive words"],
            },
            headers=creator,
        ),
        201,
    )
    assert offer["parties"] == [world.creator]
    odrl = client.get(f"/v1/offers/{offer['offer_id']}/odrl", headers=dev)
    assert odrl.headers["content-type"] == "application/ld+json"
    assert odrl.json()["@type"] == "Offer"
    rsl = client.get(f"/v1/offers/{offer['offer_id']}/rsl?url=https://ex.org/emma", headers=dev)
    assert rsl.headers["content-type"] == "application/rsl+xml"
    assert f"/v1/offers/{offer['offer_id']}/requests</custom>".encode() in rsl.content
    req = ok(client.post(f"/v1/offers/{offer['offer_id']}/requests", json={}, headers=dev), 201)
    assert req["developer_id"] == world.developer
    grant = ok(client.post(f"/v1/requests/{req['request_id']}/grant", headers=creator), 201)
    assert grant["document"]["declaration"]["works"] == [
        {"work_id": world.work, "purposes": ["ai-train"]}
    ]
    decision = ok(
        client.get(f"/v1/decisions?work={world.work}&purpose=ai-train&territory=GB", headers=dev)
    )
    assert decision["outcome"] == "allow" and decision["grant"]["grant_id"] == grant["grant_id"]
    credits = ok(
        client.post(
            f"/v1/grants/{grant['grant_id']}/credits",
            json={"model": "acme/writer-7b", "period": "2026-Q1"},
            headers=dev,
        ),
        201,
    )
    assert [c["credit_line"] for c in credits["items"]] == ["Emma by Jane Writer"]
    # the public credits page: no key, JSON by default, HTML and Markdown by Accept or suffix
    page = ok(client.get("/v1/models/acme/writer-7b/credits"))
    assert page["model"] == "acme/writer-7b"
    assert [c["credit_line"] for c in page["credits"]] == ["Emma by Jane Writer"]
    for r in (
        client.get("/v1/models/acme/writer-7b/credits", headers={"Accept": "text/html"}),
        client.get("/v1/models/acme/writer-7b/credits.html"),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "<li>Emma by Jane Writer" in r.text
        assert "default-src 'none'" in r.headers["content-security-policy"]
    md = client.get("/v1/models/acme/writer-7b/credits.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "- Emma by Jane Writer" in md.text
    needed = ok(client.get(f"/v1/works/{world.work}/credits", headers=dev))
    assert needed["credit_required"] is True
    revoked = ok(client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={}, headers=creator))
    assert revoked["revoked_at"] is not None
    after = ok(
        client.get(f"/v1/decisions?work={world.work}&purpose=ai-train&territory=GB", headers=dev)
    )
    assert after["outcome"] != "allow" and after["grant"] is None


def test_credits_page_escapes_what_it_shows(world: World, client: ApiClient) -> None:
    grant_id = grant_to_developer(world, attribution="<script>alert(1)</script> {title}")
    world.registry.licensing.record_credits(SYSTEM, grant_id, model="m1", period="2026")
    r = client.get("/v1/models/m1/credits.html")
    assert "<script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt; Emma" in r.text


def test_refusals(world: World, client: ApiClient) -> None:
    creator = world.headers("creator")
    base = {"scope": "work", "subject_id": world.work, "purposes": ["ai-train"]}
    for extra, field in (
        ({"fee_model": "per-work", "amount": "5", "currency": "GPB"}, "currency"),
        ({"fee_model": "per-work", "amount": "abc", "currency": "GBP"}, "amount"),
        ({"fee_model": "per-unit", "amount": "1", "currency": "GBP"}, "unit"),
        (
            {"fee_model": "free-attribution", "sub_uses": ["rag"], "purposes": ["ai-input"]},
            "sub_uses",
        ),
    ):
        r = client.post("/v1/offers", json={**base, **extra}, headers=creator)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
    r = client.get("/v1/offers/of_nope", headers=creator)
    assert r.status_code == 404 and "of_nope" in r.json()["detail"]
    r = client.get("/v1/models/bad model!/credits")
    assert r.status_code == 422 and r.json()["field"] == "model"
