"""GET /v1/decisions answered by the fast path (api/fast_decisions.py) is byte for byte what
the FastAPI route answers: every status, body and content type, for valid requests and for
every kind of refusal; the decision runs in the dedicated worker threads, never on the loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from consentry.api import fast_decisions
from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM, Role
from tests.api.conftest import ApiClient, World


@pytest.fixture
def slow(registry: Registry) -> Iterator[ApiClient]:
    c = ApiClient(registry, fast_decisions_path=False)
    try:
        yield c
    finally:
        c.close()


def _cases(world: World) -> list[tuple[str, dict[str, str]]]:
    dev = world.headers("developer")
    w = world.work
    queries = [
        f"work={w}&purpose=ai-train",
        f"work={w}&purpose=search&territory=GB",
        f"work={w}&purpose=tdm&territory=WORLD",
        f"work={w}&purpose=tdm&territory=gb",
        f"work={w}&purpose=tdm&territory=XX",
        f"work={w}&purpose=tdm&territory=UK",
        f"work={w}&purpose=tdm&territory=FR",
        f"work={w}&purpose=tdm&territory=GB%0A",
        f"work={w}&purpose=ai-index&at=2026-06-01T00:00:00Z",
        f"work={w}&purpose=ai-index&at=2026-06-01T02:00:00%2B02:00",
        f"work={w}&purpose=ai-index&at=2026-06-01",
        f"work={w}&purpose=ai-index&at=9999-12-31T23:59:59-01:00",
        f"work={w}&purpose=ai-index&at=",
        f"work={w}&purpose=ai-input&developer={world.developer}",
        f"work={w}&purpose=ai-input&developer={world.org}",
        f"work={w}&purpose=ai-input&developer=",
        f"work={w}&purpose=ai-input&developer={'d' * 3000}",
        f"work={w}&purpose=bogus",
        f"work={w}&purpose=",
        f"work={w}",
        "purpose=tdm",
        "work=nope&purpose=tdm",
        "work=&purpose=tdm",
        f"work={'w' * 3000}&purpose=tdm",
        f"work={w}%00&purpose=tdm",
        f"work={w}&purpose=tdm&other=a%00b",
        f"work={w}&purpose=tdm&purpose=search",
        f"work={w}&work=nope&purpose=tdm",
        f"work={w}&purpose=tdm&unknown=1",
        "work=%FF%FE&purpose=tdm",
    ]
    header_sets: list[dict[str, str]] = [
        dev,
        world.headers("admin"),
        world.headers("creator"),
        world.headers("org_developer"),
        {"X-API-Key": world.tokens["developer"]},
        {"Authorization": "Basic abc", "X-API-Key": world.tokens["developer"]},
        {"Authorization": f"bearer  {world.tokens['developer']} "},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer cst_nope_nope"},
        {"X-API-Key": ""},
        {},
    ]
    cases = [(q, dev) for q in queries]
    cases += [(queries[0], h) for h in header_sets]
    cases += [(queries[1], h) for h in header_sets]
    return cases


def _answer(client: ApiClient, query: str, headers: dict[str, str]) -> tuple[Any, ...]:
    r = client.get(f"/v1/decisions?{query}", headers=headers)
    return (
        r.status_code,
        r.headers.get("content-type"),
        r.headers.get("www-authenticate"),
        r.content,
    )


def test_the_fast_path_answers_exactly_as_the_route(
    world: World, client: ApiClient, slow: ApiClient
) -> None:
    for query, headers in _cases(world):
        expected = _answer(slow, query, headers)  # also verifies the key: the next hit is fast
        assert _answer(client, query, headers) == expected, (query, headers)
        assert _answer(client, query, headers) == expected, (query, headers)


def test_a_decision_runs_in_the_decision_threads(world: World, client: ApiClient) -> None:
    h = world.headers("developer")
    q = f"/v1/decisions?work={world.work}&purpose=ai-train"
    assert client.get(q, headers=h).status_code == 200  # verifies the key
    assert client.get(q, headers=h).status_code == 200  # from the cached key: the fast path
    names = [t.name for t in threading.enumerate()]
    assert any(n.startswith(fast_decisions.THREAD_PREFIX) for n in names), names


def test_a_revoked_key_is_refused_on_the_fast_path(world: World, client: ApiClient) -> None:
    svc = world.registry.service
    key_id, token = svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=world.developer)
    h = {"Authorization": f"Bearer {token}"}
    q = f"/v1/decisions?work={world.work}&purpose=ai-train"
    assert client.get(q, headers=h).status_code == 200
    assert client.get(q, headers=h).status_code == 200  # the key is now cached
    svc.revoke_api_key(SYSTEM, key_id)
    r = client.get(q, headers=h)
    assert r.status_code == 401, r.text
