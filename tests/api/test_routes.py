"""The API's use cases end to end: register, read, declare with a signed receipt, history at
any time, lookup (one and bulk, exactly as the service answers), decisions, keys, ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consentry.api.schemas import MAX_LOOKUP_IDS
from consentry.ledger.receipts import load_public_key_pem, verify_receipt
from consentry.registry.purposes import Purpose
from tests.api.conftest import EMMA_ISBN, OTHER_ISBN, ApiClient, World

RESERVED = dict.fromkeys([p.value for p in Purpose], "reserved")


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()


def test_register_a_work_and_read_it_back(client: ApiClient, world: World) -> None:
    body = {
        "kind": "book",
        "title": "Persuasion",
        "identifiers": ["0-14-143968-8", "doi:10.1000/ABC"],
        "contributors": [
            {"party_id": f"party:{world.creator}", "role": "author"},
            {
                "name": "Ann Translator",
                "role": "translator",
                "identifiers": ["isni:0000000121479135"],
            },
        ],
        "holders": [
            {"party_id": world.creator, "role": "creator", "share": 50},
            {"name": "Example Press", "role": "publisher", "share": "25%"},
        ],
    }
    created = ok(client.post("/v1/works", json=body, headers=world.headers("creator")), 201)
    assert created["kind"] == "book"
    assert created["identifiers"] == ["doi:10.1000/abc", "isbn:9780141439686"]
    assert [c["role"] for c in created["contributors"]] == ["author", "translator"]
    assert [(h["role"], h["share"]) for h in created["holders"]] == [
        ("creator", "50"),
        ("publisher", "25"),
    ]
    assert created["completeness"] == {
        "complete": False,
        "problems": ["shares of right 'all' add up to 75%, not 100%"],
    }
    assert created["terms"] == RESERVED
    read = ok(client.get(f"/v1/works/{created['id']}", headers=world.headers("developer")))
    assert read == created
    # the new parties exist and are found by the identifier given for them
    translator = created["contributors"][1]["party_id"]
    party = ok(client.get(f"/v1/parties/{translator}", headers=world.headers("developer")))
    assert (party["name"], party["identifiers"]) == ("Ann Translator", ["isni:0000000121479135"])


def test_declare_terms_gives_a_receipt_that_verifies(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/works/{world.work}/terms",
        json={
            "party_id": world.creator,
            "terms": {"ai-train": "licence", "ai-input": "allowed", "tdm": "allowed"},
            "licence_url": "https://example.org/licence",
            "attribution_required": True,
        },
        headers=world.headers("creator"),
    )
    declared = ok(r, 201)
    decls = {d["purpose"]: d for d in declared["declarations"]}
    assert sorted(decls) == ["ai-input", "ai-train", "tdm"]
    assert decls["ai-train"]["licence_url"] == "https://example.org/licence"
    assert decls["ai-input"]["attribution_required"] is True
    assert {d["ledger_seq"] for d in decls.values()} == {declared["ledger_seq"]}
    receipt = declared["receipt"]
    assert receipt["ledger"]["seq"] == declared["ledger_seq"]
    assert receipt["declaration"]["terms"]["ai-train"] == "licence"
    pem = client.get("/v1/registry/public-key").text
    verify_receipt(receipt, load_public_key_pem(pem))
    # the receipt is re-issued identically later
    again = ok(
        client.get(f"/v1/receipts/{declared['ledger_seq']}", headers=world.headers("creator"))
    )
    assert again == receipt
    head = ok(client.get("/v1/ledger/head", headers=world.headers("developer")))
    assert head["seq"] == declared["ledger_seq"]
    assert head["hash"] == receipt["ledger"]["hash"]
    terms = ok(client.get(f"/v1/works/{world.work}/terms", headers=world.headers("developer")))
    assert terms["terms"]["ai-train"] == {
        "status": "licence",
        "attribution_required": False,
        "licence_url": "https://example.org/licence",
    }
    assert terms["terms"]["ai-input"]["status"] == "allowed"
    assert terms["terms"]["ai-input"]["attribution_required"] is True


def test_terms_at_a_past_time_and_history(client: ApiClient, world: World) -> None:
    clock = world.registry.service.clock
    before = clock().isoformat()
    clock.advance(days=30)  # type: ignore[attr-defined]
    ok(
        client.post(
            f"/v1/works/{world.work}/terms",
            json={"party_id": world.creator, "terms": {"ai-train": "allowed"}},
            headers=world.headers("organisation"),
        ),
        201,
    )
    h = world.headers("developer")
    now = ok(client.get(f"/v1/works/{world.work}/terms", headers=h))
    then = ok(client.get(f"/v1/works/{world.work}/terms", params={"at": before}, headers=h))
    assert now["terms"]["ai-train"]["status"] == "allowed"
    assert then["terms"]["ai-train"]["status"] == "reserved"
    assert then["at"] == before
    history = ok(client.get(f"/v1/works/{world.work}/terms/history", headers=h))
    purposes = [(d["purpose"], d["status"], d["declared_by"]) for d in history["declarations"]]
    assert purposes == [("search", "allowed", None), ("ai-train", "allowed", world.org)]
    # a decision now allows; at the earlier time it denied
    d_now = ok(
        client.get("/v1/decisions", params={"work": world.work, "purpose": "ai-train"}, headers=h)
    )
    d_then = ok(
        client.get(
            "/v1/decisions",
            params={"work": world.work, "purpose": "ai-train", "at": before},
            headers=h,
        )
    )
    assert (d_now["outcome"], d_then["outcome"]) == ("allow", "deny")


def test_catalogue_terms_of_a_party(client: ApiClient, world: World) -> None:
    ok(
        client.post(
            f"/v1/parties/{world.other_creator}/terms",
            json={
                "terms": {"search": "allowed", "ai-index": "licence"},
                "effective_from": "2025-06-01T00:00:00+02:00",
            },
            headers=world.headers("other_creator"),
        ),
        201,
    )
    h = world.headers("developer")
    party = ok(client.get(f"/v1/parties/{world.other_creator}/terms", headers=h))
    assert {p: t["status"] for p, t in party["terms"].items()} == {
        **RESERVED,
        "search": "allowed",
        "ai-index": "licence",
    }
    # the catalogue declaration governs the party's work too
    work = ok(client.get(f"/v1/works/{world.other_work}", headers=h))
    assert work["terms"] == {**RESERVED, "search": "allowed", "ai-index": "licence"}


def test_decision_carries_reasons_and_evidence(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    d = ok(client.post("/v1/decisions", json={"work": world.work, "purpose": "search"}, headers=h))
    assert d["outcome"] == "allow"
    assert d["developer_id"] == world.developer  # a developer asks for itself by default
    assert d["evidence"][0]["party_id"] == world.creator
    assert d["evidence"][0]["scope"] == "work"
    assert d["evidence"][0]["ledger_seq"] == world.receipt_seq
    assert d["reasons"]
    service = world.registry.service
    expected = service.decide(
        work_id=world.work, purpose=Purpose.SEARCH, developer_id=world.developer
    ).to_json()
    assert d == expected
    other = ok(
        client.get(
            "/v1/decisions",
            params={"work": world.work, "purpose": "tdm", "developer": "p-lab"},
            headers=world.headers("admin"),
        )
    )
    assert (other["outcome"], other["developer_id"]) == ("deny", "p-lab")


NOT_DISPUTED = {"disputed": False, "dispute_id": None, "combined_terms": None}


def test_lookup_one_identifier_in_any_form(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    expected = {
        "id": EMMA_ISBN,
        "works": [
            {"work_id": world.work, "title": "Emma", "terms": {**RESERVED, "search": "allowed"}}
        ],
        **NOT_DISPUTED,
    }
    for form in (EMMA_ISBN, "978-0-00-723283-3", "0007232837"):
        assert ok(client.get(f"/v1/lookup/{form}", headers=h)) == expected
    assert ok(client.get("/v1/lookup/isbn:9780000000002", headers=h)) == {
        "id": "isbn:9780000000002",
        "works": [],
        **NOT_DISPUTED,
    }
    bad = ok(client.get("/v1/lookup/isbn:9780000000003", headers=h))
    assert set(bad) == {"id", "error"}
    assert "expected 2" in bad["error"]


def test_lookup_by_doi_and_url_with_slashes(client: ApiClient, world: World) -> None:
    body = {
        "kind": "article",
        "title": "On Slashes",
        "identifiers": [
            "doi:10.1000/a/b",
            "https://Example.ORG:443/paper#top",
            "https://example.org/find?q=1",
        ],
        "holders": [{"party_id": world.creator, "role": "creator", "share": 100}],
    }
    work = ok(client.post("/v1/works", json=body, headers=world.headers("admin")), 201)
    h = world.headers("developer")
    for form in (
        "doi:10.1000/A/B",
        "url:https://example.org/paper",
        "url:https://example.org/find%3Fq=1",  # '?' percent-encoded in the path
    ):
        found = ok(client.get(f"/v1/lookup/{form}", headers=h))
        assert [w["work_id"] for w in found["works"]] == [work["id"]], form


def test_bulk_lookup_answers_like_the_service(client: ApiClient, world: World) -> None:
    ids = [
        OTHER_ISBN,
        "not an identifier",
        EMMA_ISBN,
        "9780000000002",
        "isbn:9780000000003",
        EMMA_ISBN,
    ]
    body = ok(client.post("/v1/lookup", json={"ids": ids}, headers=world.headers("developer")))
    expected = [r.to_json() for r in world.registry.service.lookup(ids)]
    assert body == {"count": len(ids), "results": expected}
    results = body["results"]
    assert [r["id"] for r in results][2:4] == [EMMA_ISBN, "isbn:9780000000002"]
    assert results[3]["works"] == []
    assert "error" in results[1] and "error" in results[4]
    assert results[0]["works"][0]["work_id"] == world.other_work


def test_bulk_lookup_at_the_limit(client: ApiClient, world: World) -> None:
    ids = [EMMA_ISBN if n % 2 else f"isbn:978000000{n % 1000:03d}x" for n in range(MAX_LOOKUP_IDS)]
    body = ok(client.post("/v1/lookup", json={"ids": ids}, headers=world.headers("developer")))
    assert body["count"] == MAX_LOOKUP_IDS
    assert sum(1 for r in body["results"] if r.get("works")) == MAX_LOOKUP_IDS // 2
    assert sum(1 for r in body["results"] if "error" in r) == MAX_LOOKUP_IDS // 2


def test_paging_through_works_and_by_party(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    first = ok(client.get("/v1/works", params={"limit": 1}, headers=h))
    assert [w["id"] for w in first["items"]] == [world.work]
    assert first["next_offset"] == 1
    second = ok(client.get("/v1/works", params={"offset": 1, "limit": 1}, headers=h))
    assert [w["id"] for w in second["items"]] == [world.other_work]
    third = ok(client.get("/v1/works", params={"offset": 2, "limit": 1}, headers=h))
    assert third == {"items": [], "offset": 2, "limit": 1, "next_offset": None}
    mine = ok(client.get("/v1/works", params={"party": world.other_creator}, headers=h))
    assert [w["id"] for w in mine["items"]] == [world.other_work]
    assert mine["items"][0]["completeness"]["complete"] is True
    parties = ok(client.get("/v1/parties", params={"limit": 1000}, headers=h))
    assert {p["id"] for p in parties["items"]} == {
        world.org,
        world.creator,
        world.other_creator,
        world.developer,
    }


def test_mandates_grant_list_read_withdraw(client: ApiClient, world: World) -> None:
    body = {
        "organisation_id": world.org,
        "member_id": world.other_creator,
        "purposes": ["ai-train", "tdm"],
        "territories": ["GB", "IE"],
        "valid_until": "2027-01-01T00:00:00Z",
        "evidence": "signed form 2026-014",
    }
    m = ok(client.post("/v1/mandates", json=body, headers=world.headers("other_creator")), 201)
    assert (m["purposes"], m["territories"], m["in_force"]) == (
        ["ai-train", "tdm"],
        ["GB", "IE"],
        True,
    )
    assert m["valid_from"] == world.registry.service.clock().isoformat()
    listed = ok(client.get("/v1/mandates", headers=world.headers("other_creator")))
    assert [x["id"] for x in listed["items"]] == [m["id"]]
    org_sees = ok(client.get("/v1/mandates", headers=world.headers("organisation")))
    assert {x["id"] for x in org_sees["items"]} == {world.mandate, m["id"]}
    # now the organisation may act for the member, within the scope
    r = client.post(
        f"/v1/works/{world.other_work}/terms",
        json={"party_id": world.other_creator, "terms": {"ai-train": "licence"}, "territory": "IE"},
        headers=world.headers("organisation"),
    )
    assert ok(r, 201)["declarations"][0]["mandate_id"] == m["id"]
    w = ok(client.post(f"/v1/mandates/{m['id']}/withdraw", headers=world.headers("organisation")))
    assert w["withdrawn_at"] == world.registry.service.clock().isoformat()
    assert ok(client.get(f"/v1/mandates/{m['id']}", headers=world.headers("admin"))) == w


def test_an_admin_key_creates_a_working_key(client: ApiClient, world: World) -> None:
    made = ok(
        client.post(
            "/v1/keys",
            json={"role": "developer", "party_id": world.developer},
            headers=world.headers("admin"),
        ),
        201,
    )
    assert (made["role"], made["party_id"]) == ("developer", world.developer)
    assert made["token"].startswith(f"cst_{made['key_id']}_")
    h = {"Authorization": f"Bearer {made['token']}"}
    assert ok(client.get(f"/v1/lookup/{EMMA_ISBN}", headers=h))["works"]
    assert client.post("/v1/keys", json={"role": "admin"}, headers=h).status_code == 403


def test_create_a_party_with_contacts(client: ApiClient, world: World) -> None:
    body = {
        "name": "Authors' Licensing Society",
        "kind": "organisation",
        "roles": ["member-organisation"],
        "identifiers": ["isni:0000000121479135"],
        "contacts": [{"kind": "email", "value": "rights@example.org"}],
    }
    p = ok(client.post("/v1/parties", json=body, headers=world.headers("organisation")), 201)
    assert (p["kind"], p["roles"], p["contacts"]) == (
        "organisation",
        ["member-organisation"],
        [{"kind": "email", "value": "rights@example.org"}],
    )
    seen = ok(client.get(f"/v1/parties/{p['id']}", headers=world.headers("developer")))
    assert seen == {**p, "contacts": []}
    again = client.post("/v1/parties", json=body, headers=world.headers("admin"))
    assert again.status_code == 409
    assert again.json()["identifier"] == "isni:0000000121479135"


def test_openapi_documents_the_api(client: ApiClient) -> None:
    spec = ok(client.get("/openapi.json"))
    paths = spec["paths"]
    assert paths["/v1/works"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert "application/problem+json" in paths["/v1/works"]["post"]["responses"]["422"]["content"]
    security = spec["components"]["securitySchemes"]
    assert {s["type"] for s in security.values()} == {"http", "apiKey"}
    assert time_zone_note(spec)


def time_zone_note(spec: dict[str, Any]) -> bool:
    params = spec["paths"]["/v1/works/{work_id}/terms"]["get"]["parameters"]
    return any(p["name"] == "at" and "offset" in p.get("description", "") for p in params)


def test_clock_moves_mandate_out_of_force(client: ApiClient, world: World) -> None:
    body = {
        "organisation_id": world.org,
        "member_id": world.other_creator,
        "purposes": ["tdm"],
        "valid_until": (world.registry.service.clock() + timedelta(days=1)).isoformat(),
        "evidence": "one day",
    }
    m = ok(client.post("/v1/mandates", json=body, headers=world.headers("admin")), 201)
    world.registry.service.clock.advance(days=2)  # type: ignore[attr-defined]
    later = ok(client.get(f"/v1/mandates/{m['id']}", headers=world.headers("organisation")))
    assert later["in_force"] is False
    r = client.post(
        f"/v1/parties/{world.other_creator}/terms",
        json={"terms": {"tdm": "allowed"}},
        headers=world.headers("organisation"),
    )
    assert r.status_code == 403


def test_receipts_go_to_the_declaring_organisation_and_the_member(
    client: ApiClient, world: World
) -> None:
    declared = ok(
        client.post(
            f"/v1/parties/{world.creator}/terms",
            json={"terms": {"ai-index": "licence"}},
            headers=world.headers("organisation"),
        ),
        201,
    )
    seq = declared["ledger_seq"]
    assert declared["receipt"]["declared_by"] == world.org
    for who, status in [
        ("organisation", 200),
        ("creator", 200),
        ("admin", 200),
        ("other_creator", 403),
        ("developer", 403),
    ]:
        r = client.get(f"/v1/receipts/{seq}", headers=world.headers(who))
        assert r.status_code == status, (who, r.text)
        if status == 200:
            assert r.json() == declared["receipt"]
    # a ledger entry that is not a declaration has no receipt
    r = client.get("/v1/receipts/1", headers=world.headers("admin"))
    assert r.status_code == 404
    assert r.json()["kind"] == "receipt"
