"""Errors are application/problem+json naming the field, the value and what was expected.

These run on SQLite only: they check how the API names bad input, which is decided before
any storage is touched (or by the same service code whose storage behaviour tests/store runs
on both backends); the permission table and the route tests run on both.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentry.api.schemas import MAX_LOOKUP_IDS
from consentry.bootstrap import Registry
from consentry.config import Settings
from tests.api.conftest import ApiClient, World


@pytest.fixture(params=["sqlite"])
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:consentry:problem:")
    assert body["title"] and body["detail"]
    return body


def work_body(w: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "book",
        "title": "Persuasion",
        "identifiers": ["isbn:9780141439686"],
        "contributors": [{"party_id": w.creator, "role": "author"}],
        "holders": [{"party_id": w.creator, "role": "creator", "share": 100}],
    }
    body.update(changes)
    return body


def test_bad_purpose_names_the_purpose_and_the_vocabulary(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/works/{world.work}/terms",
        json={"party_id": world.creator, "terms": {"ai-trian": "reserved"}},
        headers=world.headers("admin"),
    )
    p = problem(r, 422)
    assert p["field"] == "terms.ai-trian"
    assert p["value"] == "ai-trian"
    assert p["expected"] == "tdm, ai-train, ai-input, ai-index, search"
    assert "unknown value 'ai-trian'" in p["detail"]


def test_bad_status_names_the_purpose_it_was_given_for(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/parties/{world.creator}/terms",
        json={"terms": {"tdm": "maybe"}},
        headers=world.headers("creator"),
    )
    p = problem(r, 422)
    assert (p["field"], p["value"]) == ("terms.tdm", "maybe")
    assert p["expected"] == "reserved, licence, license, allowed"


def test_empty_terms_are_refused(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/parties/{world.creator}/terms", json={"terms": {}}, headers=world.headers("admin")
    )
    assert problem(r, 422)["field"] == "terms"


def test_bad_isbn_check_digit_names_value_and_expected_digit(
    client: ApiClient, world: World
) -> None:
    r = client.post(
        "/v1/works",
        json=work_body(world, identifiers=["isbn:9780141439518", "isbn:9780141439687"]),
        headers=world.headers("admin"),
    )
    p = problem(r, 422)
    assert p["title"] == "invalid identifier"
    assert p["field"] == "identifiers[1]"
    assert "9780141439687" in p["detail"]
    assert "expected 6" in p["detail"]


def test_bad_identifier_of_a_contributor_names_its_place(client: ApiClient, world: World) -> None:
    body = work_body(
        world,
        contributors=[{"name": "New Author", "role": "author", "identifiers": ["isni:1234"]}],
    )
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"] == "contributors[0].identifiers[0]"
    assert p["value"] is not None


def test_share_over_100_names_the_holder(client: ApiClient, world: World) -> None:
    body = work_body(world, holders=[{"party_id": world.creator, "role": "creator", "share": 150}])
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"] == "holders[0].share"
    assert p["value"] == "150"
    assert p["expected"] == "a percentage above 0 and at most 100"


def test_shares_adding_up_to_more_than_100_are_refused(client: ApiClient, world: World) -> None:
    body = work_body(
        world,
        holders=[
            {"party_id": world.creator, "role": "creator", "share": "60"},
            {"name": "Big Press", "role": "publisher", "share": 50.5},
        ],
    )
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"] == "holders"
    assert p["value"] == "110.5"
    assert "more than 100%" in p["detail"]


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"kind": "novelette"}, "kind", "novelette"),
        ({"title": "  "}, "title", "  "),
        (
            {"contributors": [{"party_id": "p-nobody", "role": "author"}]},
            "party",
            "party:p-nobody",
        ),
        ({"contributors": [{"name": "X", "role": "ghost"}]}, "contributors[0].role", "ghost"),
        ({"contributors": [{"role": "author"}]}, "contributors[0]", None),
        ({"holders": [{"name": "X", "role": "owner", "share": 100}]}, "holders[0].role", "owner"),
        (
            {"holders": [{"name": "X", "role": "creator", "share": "half"}]},
            "holders[0].share",
            "half",
        ),
        ({"holders": [{"name": "X", "role": "creator", "share": 0}]}, "holders[0].share", "0"),
    ],
)
def test_work_field_errors(
    client: ApiClient, world: World, change: dict[str, Any], field: str, value: Any
) -> None:
    body = work_body(world, **change)
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert (p["field"], p["value"]) == (field, value)
    assert p["expected"]


def test_missing_and_unknown_members_are_named(client: ApiClient, world: World) -> None:
    r = client.post(
        "/v1/works", json={"title": "No kind", "colour": "red"}, headers=world.headers("admin")
    )
    p = problem(r, 422)
    fields = {e["field"]: e["problem"] for e in p["errors"]}
    assert set(fields) == {"kind", "colour"}
    assert "required" in fields["kind"].lower()
    assert p["field"] in fields


def test_wrong_json_type_names_the_nested_field(client: ApiClient, world: World) -> None:
    body = work_body(world, holders=[{"party_id": world.creator, "role": "creator", "share": [1]}])
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"].startswith("holders[0].share")


def test_malformed_json_body(client: ApiClient, world: World) -> None:
    r = client.post(
        "/v1/works",
        content=b'{"kind": "book", "title": ',
        headers={**world.headers("admin"), "content-type": "application/json"},
    )
    p = problem(r, 422)
    assert p["field"] == "body"
    assert p["expected"] == "the body is not valid JSON (Expecting value) at character 26"
    r = client.post("/v1/works", headers=world.headers("admin"))
    assert problem(r, 422)["expected"] == "a JSON object body is required"
    r = client.post("/v1/lookup", json=["isbn:9780007232833"], headers=world.headers("admin"))
    p = problem(r, 422)
    assert (p["field"], p["value"], p["expected"]) == (
        "body",
        ["isbn:9780007232833"],
        "the body must be a JSON object",
    )


@pytest.mark.parametrize(
    ("path", "role", "body"),
    [
        ("/v1/works", "admin", b'{"kind": "book", "title": "x\\ud800y"}'),
        ("/v1/lookup", "developer", b'{"ids": ["isbn:97800\\udc00"]}'),
    ],
)
def test_a_lone_surrogate_escape_is_422_naming_it_and_stores_nothing(
    client: ApiClient, world: World, path: str, role: str, body: bytes
) -> None:
    # JSON allows "\ud800"; no text store or UTF-8 encoder does: it was a 500 from the
    # database (create) or from serialising the answer that echoes the value (lookup)
    before = client.get("/v1/works", headers=world.headers("admin")).json()
    for content_type in ("application/json", "application/merge-patch+json; charset=utf-8"):
        headers = {**world.headers(role), "content-type": content_type}
        p = problem(client.post(path, content=body, headers=headers), 422)
        assert p["field"] == "body"
        assert p["value"] in ("\\ud800", "\\udc00")
        assert "is a lone surrogate" in p["detail"]
    assert client.get("/v1/works", headers=world.headers("admin")).json() == before
    headers = {**world.headers(role), "content-type": "application/json"}
    p = problem(client.post(path, content=body.replace(b"\\u", b"\xff"), headers=headers), 422)
    assert (p["field"], p["value"], p["expected"]) == ("body", "0xff", "JSON text in UTF-8")
    assert client.get("/v1/works", headers=world.headers("admin")).json() == before
    # a pair (an emoji) is text like any other
    ok = work_body(world)
    ok["title"] = "\U0001f600 Emma"
    escaped = json.dumps(ok).encode()  # the pair as two escapes
    assert b"\\ud83d\\ude00" in escaped
    headers = {**world.headers("admin"), "content-type": "application/json"}
    r = client.post("/v1/works", content=escaped, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "\U0001f600 Emma"


def test_unknown_work_is_404_naming_it(client: ApiClient, world: World) -> None:
    for path in (
        "/v1/works/w-missing",
        "/v1/works/w-missing/terms",
        "/v1/works/w-missing/terms/history",
    ):
        p = problem(client.get(path, headers=world.headers("developer")), 404)
        assert (p["kind"], p["key"]) == ("work", "w-missing")
        assert "w-missing" in p["detail"]
    r = client.get("/v1/decisions?work=w-missing&purpose=tdm", headers=world.headers("developer"))
    assert problem(r, 404)["key"] == "w-missing"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/parties/p-missing",
        "/v1/parties/p-missing/terms",
        "/v1/mandates/m-missing",
        "/v1/receipts/99999",
    ],
)
def test_unknown_things_are_404(client: ApiClient, world: World, path: str) -> None:
    p = problem(client.get(path, headers=world.headers("admin")), 404)
    assert str(p["key"]) in path


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
    ],
)
@pytest.mark.parametrize("route", ["/v1/works", "/v1/parties", "/v1/mandates"])
def test_bad_paging_names_the_parameter(
    client: ApiClient, world: World, route: str, query: str, field: str
) -> None:
    p = problem(client.get(f"{route}?{query}", headers=world.headers("admin")), 422)
    assert p["field"] == field
    assert p["errors"][0]["in"] == "query"
    assert p["value"] == query.split("=")[1]


def test_time_without_offset_is_refused(client: ApiClient, world: World) -> None:
    r = client.get(
        f"/v1/works/{world.work}/terms?at=2026-01-01T00:00:00", headers=world.headers("developer")
    )
    p = problem(r, 422)
    assert p["field"] == "at"
    assert "timezone" in p["expected"]
    r = client.post(
        "/v1/decisions",
        json={"work": world.work, "purpose": "tdm", "at": "yesterday"},
        headers=world.headers("developer"),
    )
    assert problem(r, 422)["field"] == "at"


def test_bad_purpose_in_a_decision(client: ApiClient, world: World) -> None:
    r = client.get(
        f"/v1/decisions?work={world.work}&purpose=training", headers=world.headers("developer")
    )
    p = problem(r, 422)
    assert (p["field"], p["value"]) == ("purpose", "training")


def test_bulk_lookup_over_the_limit_names_it(client: ApiClient, world: World) -> None:
    ids = ["isbn:9780007232833"] * (MAX_LOOKUP_IDS + 1)
    p = problem(
        client.post("/v1/lookup", json={"ids": ids}, headers=world.headers("developer")), 422
    )
    assert p["field"] == "ids"
    assert p["value"] == MAX_LOOKUP_IDS + 1
    assert p["limit"] == MAX_LOOKUP_IDS
    assert str(MAX_LOOKUP_IDS) in p["detail"]


def test_mandate_errors(client: ApiClient, world: World) -> None:
    base = {
        "organisation_id": world.org,
        "member_id": world.creator,
        "purposes": ["ai-train"],
        "evidence": "form",
    }
    admin = world.headers("admin")
    cases = [
        ({"purposes": ["ai-train", "mining"]}, "purposes[1]"),
        ({"purposes": []}, "purposes"),
        ({"territories": ["Britain"]}, "territories[0]"),
        ({"evidence": " "}, "evidence"),
        (
            {"valid_from": "2026-03-01T00:00:00Z", "valid_until": "2026-02-01T00:00:00Z"},
            "valid_until",
        ),
        ({"organisation_id": world.creator, "member_id": world.other_creator}, "organisation_id"),
    ]
    for change, field in cases:
        p = problem(client.post("/v1/mandates", json={**base, **change}, headers=admin), 422)
        assert p["field"] == field, (change, p)
    p = problem(client.post("/v1/mandates", json={**base, "member_id": "p-x"}, headers=admin), 404)
    assert p["key"] == "p-x"
    client.post(f"/v1/mandates/{world.mandate}/withdraw", headers=admin).raise_for_status()
    p = problem(client.post(f"/v1/mandates/{world.mandate}/withdraw", headers=admin), 409)
    assert "already withdrawn" in p["detail"]


def test_party_errors(client: ApiClient, world: World) -> None:
    admin = world.headers("admin")
    cases = [
        ({"name": "X", "kind": "robot"}, "kind", "robot"),
        ({"name": "X", "roles": ["creator", "boss"]}, "roles[1]", "boss"),
        ({"name": "X", "contacts": [{"kind": "fax", "value": "1"}]}, "contacts[0].kind", "fax"),
        (
            {"name": "X", "contacts": [{"kind": "email", "value": "nope"}]},
            "contacts[0].value",
            "nope",
        ),
        (
            {"name": "X", "identifiers": ["isni:0000000121479136"]},
            "identifiers[0]",
            "isni:0000000121479136",
        ),
        ({"name": ""}, "name", ""),
    ]
    for body, field, value in cases:
        p = problem(client.post("/v1/parties", json=body, headers=admin), 422)
        assert (p["field"], p["value"]) == (field, value), p


def test_bad_territory_and_role(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/parties/{world.creator}/terms",
        json={"terms": {"tdm": "reserved"}, "territory": "Europe"},
        headers=world.headers("admin"),
    )
    assert problem(r, 422)["field"] == "territory"
    r = client.post("/v1/keys", json={"role": "superuser"}, headers=world.headers("admin"))
    p = problem(r, 422)
    assert (p["field"], p["value"]) == ("role", "superuser")
    r = client.post("/v1/keys", json={"role": "creator"}, headers=world.headers("admin"))
    assert problem(r, 422)["field"] == "party_id"


def test_duplicate_identifier_is_409(client: ApiClient, world: World) -> None:
    body = work_body(world, identifiers=["978-0-00-723283-3"])  # Emma's ISBN, hyphenated
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 409)
    assert p["identifier"] == "isbn:9780007232833"
    assert p["work"] == world.work


def test_unknown_route_and_wrong_method_are_problems(client: ApiClient, world: World) -> None:
    p = problem(client.get("/v1/nothing-here", headers=world.headers("admin")), 404)
    assert "/v1/nothing-here" in p["detail"]
    p = problem(client.request("DELETE", "/v1/works", headers=world.headers("admin")), 405)
    assert "DELETE" in p["detail"]


def test_declaring_for_a_party_with_no_part_in_the_work(client: ApiClient, world: World) -> None:
    r = client.post(
        f"/v1/works/{world.work}/terms",
        json={"party_id": world.developer, "terms": {"tdm": "allowed"}},
        headers=world.headers("admin"),
    )
    p = problem(r, 422)
    assert (p["field"], p["value"]) == ("party_id", world.developer)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_size_cap_is_413(registry: Registry, world: World, chunked: bool) -> None:
    client = ApiClient(registry, max_body_bytes=1000)
    try:
        payload = json.dumps({"ids": ["isbn:9780007232833"] * 100}).encode()
        assert len(payload) > 1000
        if chunked:

            async def stream() -> AsyncIterator[bytes]:
                for n in range(0, len(payload), 300):
                    yield payload[n : n + 300]

            content: Any = stream()
        else:
            content = payload
        r = client.post(
            "/v1/lookup",
            content=content,
            headers={**world.headers("developer"), "content-type": "application/json"},
        )
        p = problem(r, 413)
        assert (p["field"], p["limit"]) == ("body", 1000)
        assert "more than 1000 bytes" in p["detail"]
        small = client.post(
            "/v1/lookup", json={"ids": ["isbn:9780007232833"]}, headers=world.headers("developer")
        )
        assert small.status_code == 200
    finally:
        client.close()
