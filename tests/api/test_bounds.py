"""Bounded by design: every text field has the same limit on SQLite and PostgreSQL, checked
before the database (a 422 naming the field and the limit; PostgreSQL answered 500 and
SQLite stored a 30 MB title); identifiers over 2,048 characters are refused; a time whose
UTC conversion overflows is a 422, not a 500; ``at`` is an ISO-8601 time with offset only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from consentry.errors import IdentifierError, ValidationError
from consentry.limits import (
    MAX_CONTACT,
    MAX_EVIDENCE,
    MAX_EXTERNAL_ID,
    MAX_IDENTIFIER,
    MAX_NAME,
    MAX_RIGHT,
    MAX_TITLE,
    MAX_URL,
)
from consentry.registry.access import SYSTEM
from consentry.registry.identifiers import parse_identifier
from consentry.registry.parties import PartyKind
from consentry.registry.purposes import Purpose, Status
from tests.api.conftest import ApiClient, World


def problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text[:2000]
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


def over(limit: int) -> str:
    return "x" * (limit + 1)


def _bodies(world: World) -> list[tuple[str, str, dict[str, Any], str, int]]:
    work = {"kind": "book", "title": "T"}
    holder = {"party_id": world.creator, "role": "creator", "share": 100}
    return [
        ("/v1/works", "admin", {**work, "title": over(MAX_TITLE)}, "title", MAX_TITLE),
        (
            "/v1/works",
            "admin",
            {**work, "external_id": over(MAX_EXTERNAL_ID)},
            "external_id",
            MAX_EXTERNAL_ID,
        ),
        (
            "/v1/works",
            "admin",
            {**work, "holders": [{**holder, "right": over(MAX_RIGHT)}]},
            "holders[0].right",
            MAX_RIGHT,
        ),
        ("/v1/parties", "admin", {"name": over(MAX_NAME)}, "name", MAX_NAME),
        (
            "/v1/parties",
            "admin",
            {"name": "N", "contacts": [{"kind": "postal", "value": over(MAX_CONTACT)}]},
            "contacts[0].value",
            MAX_CONTACT,
        ),
        (
            f"/v1/works/{world.work}/terms",
            "admin",
            {
                "party_id": world.creator,
                "terms": {"ai-train": "licence"},
                "licence_url": "https://example.org/" + over(MAX_URL),
            },
            "licence_url",
            MAX_URL,
        ),
        (
            "/v1/mandates",
            "admin",
            {
                "organisation_id": world.org,
                "member_id": world.other_creator,
                "purposes": ["tdm"],
                "evidence": over(MAX_EVIDENCE),
            },
            "evidence",
            MAX_EVIDENCE,
        ),
    ]


def test_over_long_text_is_a_422_naming_the_field_and_the_limit(
    client: ApiClient, world: World
) -> None:
    for url, who, body, field, limit in _bodies(world):
        p = problem(client.post(url, json=body, headers=world.headers(who)), 422)
        assert p["field"] == field, (url, p)
        assert str(limit) in p["expected"], p


def test_a_30_mb_title_is_refused_not_stored(client: ApiClient, world: World) -> None:
    body = {"kind": "book", "title": "t" * (30 * 1000 * 1000)}
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"] == "title"
    assert len(client.get("/v1/works?limit=1000", headers=world.headers("admin")).text) < 10**6


def test_text_at_the_limit_is_stored_on_every_backend(client: ApiClient, world: World) -> None:
    """At the limit is accepted everywhere, including names whose casefolded key is longer
    ("ß" folds to "ss") and identifiers up to 2,048 characters (PostgreSQL columns were
    narrower: 500s)."""
    url = "https://example.org/" + "u" * (MAX_IDENTIFIER - len("url:https://example.org/"))
    assert len(str(parse_identifier(url))) == MAX_IDENTIFIER
    body = {
        "kind": "book",
        "title": "t" * MAX_TITLE,
        "identifiers": [url],
        "external_id": "e" * MAX_EXTERNAL_ID,
        "holders": [
            {"party_id": world.creator, "role": "creator", "share": 100, "right": "r" * MAX_RIGHT}
        ],
    }
    r = client.post("/v1/works", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text[:500]
    found = client.get(f"/v1/lookup/{url}", headers=world.headers("developer")).json()
    assert found["works"][0]["work_id"] == r.json()["id"]
    party = {
        "name": "ß" * MAX_NAME,
        "identifiers": ["https://example.org/p/" + "q" * 1500],
        "contacts": [{"kind": "postal", "value": "c" * MAX_CONTACT}],
    }
    r = client.post("/v1/parties", json=party, headers=world.headers("admin"))
    assert r.status_code == 201, r.text[:500]


def test_identifiers_over_2048_characters_are_refused(client: ApiClient, world: World) -> None:
    long = "https://example.org/" + "a" * MAX_IDENTIFIER
    with pytest.raises(IdentifierError) as e:
        parse_identifier(long)
    assert e.value.payload["limit"] == MAX_IDENTIFIER
    body = {"kind": "book", "title": "T", "identifiers": [long]}
    p = problem(client.post("/v1/works", json=body, headers=world.headers("admin")), 422)
    assert p["field"] == "identifiers[0]"
    r = client.post("/v1/lookup", json={"ids": [long]}, headers=world.headers("developer"))
    assert "2048" in r.json()["results"][0]["error"]


def test_the_core_refuses_over_long_text_for_the_cli_and_imports(world: World) -> None:
    svc = world.registry.service
    with pytest.raises(ValidationError) as e:
        svc.create_party(SYSTEM, name=over(MAX_NAME), kind=PartyKind.PERSON, roles=[])
    assert (e.value.payload["field"], e.value.payload["limit"]) == ("name", MAX_NAME)
    with pytest.raises(ValidationError) as e:
        svc.declare_terms(
            SYSTEM,
            party_id=world.creator,
            statuses={Purpose.AI_TRAIN: Status.LICENCE},
            licence_url=over(MAX_URL),
        )
    assert e.value.payload["field"] == "licence_url"


OVERFLOWS = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


def test_times_that_overflow_utc_are_a_422_everywhere(client: ApiClient, world: World) -> None:
    dev, admin = world.headers("developer"), world.headers("admin")
    for t in OVERFLOWS:
        q = {"at": t}
        gets = [
            ("/v1/decisions", {**q, "work": world.work, "purpose": "tdm"}),
            (f"/v1/lookup/{world.work}", q),
            (f"/v1/works/{world.work}/terms", q),
            (f"/v1/parties/{world.creator}/terms", q),
        ]
        for url, params in gets:
            p = problem(client.get(url, params=params, headers=dev), 422)
            assert p["field"] == "at", (url, p)
        posts = [
            ("/v1/decisions", {"work": world.work, "purpose": "tdm", "at": t}, "at"),
            ("/v1/lookup", {"ids": ["isbn:9780007232833"], "at": t}, "at"),
            (
                f"/v1/works/{world.work}/terms",
                {"party_id": world.creator, "terms": {"tdm": "reserved"}, "effective_from": t},
                "effective_from",
            ),
            (
                "/v1/mandates",
                {
                    "organisation_id": world.org,
                    "member_id": world.other_creator,
                    "purposes": ["tdm"],
                    "evidence": "form",
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_until": t,
                },
                "valid_until",
            ),
        ]
        for url, body, field in posts:
            p = problem(client.post(url, json=body, headers=admin), 422)
            assert p["field"] == field, (url, p)


def test_the_core_refuses_times_that_overflow_utc(world: World) -> None:
    svc = world.registry.service
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=1)))
    with pytest.raises(ValidationError) as e:
        svc.declare_terms(
            SYSTEM,
            party_id=world.creator,
            statuses={Purpose.TDM: Status.RESERVED},
            effective_from=early,
        )
    assert e.value.payload["field"] == "effective_from"
    for call in (
        lambda: svc.decide(work_id=world.work, purpose=Purpose.TDM, at=late),
        lambda: svc.lookup(["isbn:9780007232833"], at=late),
        lambda: svc.work_terms(world.work, at=early),
    ):
        with pytest.raises(ValidationError):
            call()
    assert svc.decide(
        work_id=world.work, purpose=Purpose.TDM, at=datetime(9999, 12, 31, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "at", ["1700000000", "0.5", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z"]
)
def test_at_is_strictly_an_iso_time_with_offset(client: ApiClient, world: World, at: str) -> None:
    params = {"work": world.work, "purpose": "tdm", "at": at}
    p = problem(client.get("/v1/decisions", params=params, headers=world.headers("developer")), 422)
    assert p["field"] == "at"
    number: Any = float(at) if at.replace(".", "").isdigit() else at
    body = {"ids": ["isbn:9780007232833"], "at": number}
    r = client.post("/v1/lookup", json=body, headers=world.headers("developer"))
    assert problem(r, 422)["field"] == "at"


def test_at_accepts_rfc3339_forms(client: ApiClient, world: World) -> None:
    for at in ("2026-01-01T00:00:00Z", "2026-01-01t00:00:00.1234567z", "2026-01-01T01:00:00+01:00"):
        params = {"work": world.work, "purpose": "tdm", "at": at}
        r = client.get("/v1/decisions", params=params, headers=world.headers("developer"))
        assert r.status_code == 200, (at, r.text)


def test_an_epub_zip_bomb_posted_to_the_api_is_a_422(client: ApiClient, world: World) -> None:
    from tests.signals.test_write_limits import MiB, with_entry

    bomb = with_entry("OEBPS/bomb.xhtml", 300 * MiB)
    r = client.post(
        f"/v1/works/{world.work}/signals/epub",
        content=bomb,
        headers={**world.headers("developer"), "content-type": "application/epub+zip"},
    )
    assert "over the 268435456-byte cap" in problem(r, 422)["detail"]


def test_times_before_the_year_1000_are_stored_readably(client: ApiClient, world: World) -> None:
    """Found by schemathesis: strftime wrote the year 320 as "320", which could not be read
    back, so every later read of the work was a 500."""
    body = {
        "party_id": world.creator,
        "terms": {"tdm": "allowed"},
        "effective_from": "0320-02-09T23:17:52Z",
    }
    admin = world.headers("admin")
    assert client.post(f"/v1/works/{world.work}/terms", json=body, headers=admin).status_code == 201
    r = client.get(f"/v1/works/{world.work}/terms/history", headers=admin)
    assert r.status_code == 200, r.text
    assert "0320-02-09T23:17:52+00:00" in {d["effective_from"] for d in r.json()["declarations"]}
    assert client.get(f"/v1/works/{world.work}", headers=admin).status_code == 200
