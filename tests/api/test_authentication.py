"""Authentication: every /v1 route refuses a missing or bad key with 401; the public key,
OpenAPI, docs and a model's public credits page (KEYLESS) need none.

SQLite only: how a key is read from the request does not depend on the backend, and the
role table in test_permissions.py (which runs on both) authenticates every call through the
database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consentry.config import Settings
from tests.api.conftest import ApiClient, World
from tests.api.test_permissions import CASES, KEYLESS, PUBLIC, Case, call


@pytest.fixture(params=["sqlite"])
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


BAD_KEYS = {
    "no key": {},
    "unknown key": {"Authorization": "Bearer cst_000000000000_not-a-real-secret"},
    "malformed key": {"Authorization": "Bearer nonsense"},
    "basic auth": {"Authorization": "Basic dXNlcjpwYXNz"},
    "unknown X-API-Key": {"X-API-Key": "cst_ffffffffffff_wrong"},
}


@pytest.mark.parametrize(
    "case", [c for c in CASES if (c.method, c.route) not in KEYLESS], ids=lambda c: c.id
)
def test_route_without_a_valid_key_is_401(client: ApiClient, world: World, case: Case) -> None:
    got = {}
    for name, headers in BAD_KEYS.items():
        status, body = call(client, case, world, headers)
        got[name] = (status, body["title"], body.get("field"))
    assert got == dict.fromkeys(BAD_KEYS, (401, "unauthenticated", "Authorization"))


@pytest.mark.parametrize(
    "case", [c for c in CASES if (c.method, c.route) in KEYLESS], ids=lambda c: c.id
)
def test_keyless_routes_answer_without_a_key_and_ignore_a_bad_one(
    client: ApiClient, world: World, case: Case
) -> None:
    # a public page reads nothing of the caller: no key, or a key that is not one, is the same
    got = {name: call(client, case, world, headers)[0] for name, headers in BAD_KEYS.items()}
    assert got == dict.fromkeys(BAD_KEYS, 200)


def test_a_real_key_with_a_wrong_secret_is_401(client: ApiClient, world: World) -> None:
    token = world.tokens["admin"]
    forged = token[: token.rindex("_") + 1] + "x" * 32
    r = client.get("/v1/works", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_x_api_key_header_is_accepted(client: ApiClient, world: World) -> None:
    r = client.get("/v1/works", headers={"X-API-Key": world.tokens["developer"]})
    assert r.status_code == 200
    assert [w["id"] for w in r.json()["items"]] == [world.work, world.other_work]


@pytest.mark.parametrize("path", sorted(p for m, p in PUBLIC if p.startswith(("/v1", "/.w"))))
def test_public_key_routes_need_no_key(client: ApiClient, world: World, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert r.text == world.registry.public_key_pem


def test_openapi_and_docs_need_no_key(client: ApiClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert "/v1/lookup" in spec.json()["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
