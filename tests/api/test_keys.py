"""Key routes: an admin lists keys (never their secrets) and revokes them; a revoked token is
refused at once by the server process that revoked it, and within one second by every other."""

from __future__ import annotations

import hashlib

from consentry.bootstrap import build
from consentry.config import Settings
from consentry.registry.access import SYSTEM
from tests.api.conftest import ApiClient, World
from tests.conftest import FakeClock, SequentialIds

# the World's key names that are not role names
ROLE_OF = {
    "other_creator": "creator",
    "member_developer": "developer",
    "org_developer": "developer",
}


def key_id(token: str) -> str:
    return token.split("_", 2)[1]


def test_admin_lists_every_key_without_secrets(client: ApiClient, world: World) -> None:
    r = client.get("/v1/keys", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items == [k.to_json() for k in world.registry.service.list_api_keys(SYSTEM)]
    assert len(items) == len(world.tokens)
    by_id = {k["key_id"]: k for k in items}
    for who, token in world.tokens.items():
        listed = by_id[key_id(token)]
        assert set(listed) == {"key_id", "role", "party_id", "created_at", "revoked_at"}
        assert listed["role"] == ROLE_OF.get(who, who)
        assert listed["revoked_at"] is None
        secret = token.split("_", 2)[2]
        assert secret not in r.text
        assert hashlib.sha256(secret.encode()).hexdigest() not in r.text
    assert by_id[key_id(world.tokens["developer"])]["party_id"] == world.developer
    assert by_id[key_id(world.tokens["admin"])]["party_id"] is None


def test_revoked_token_is_refused_at_once(client: ApiClient, world: World) -> None:
    dev = world.headers("developer")
    assert client.get("/v1/works", headers=dev).status_code == 200  # the key is now cached
    target = key_id(world.tokens["developer"])
    now = world.registry.service.clock().isoformat()
    r = client.delete(f"/v1/keys/{target}", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"key_id": target, "revoked_at": now}
    refused = client.get("/v1/works", headers=dev)
    assert refused.status_code == 401
    assert refused.json()["title"] == "unauthenticated"
    assert refused.json()["detail"] == f"API key {target} was revoked"
    listed = client.get("/v1/keys", headers=world.headers("admin")).json()["items"]
    assert [k["revoked_at"] for k in listed if k["key_id"] == target] == [now]
    # the other keys still work
    assert client.get("/v1/works", headers=world.headers("creator")).status_code == 200


def test_revoking_twice_or_an_unknown_key(client: ApiClient, world: World) -> None:
    admin = world.headers("admin")
    target = world.new_key()
    first = client.delete(f"/v1/keys/{target}", headers=admin).json()["revoked_at"]
    again = client.delete(f"/v1/keys/{target}", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["detail"] == f"API key {target} was already revoked at {first}"
    assert (again.json()["key_id"], again.json()["revoked_at"]) == (target, first)
    missing = client.delete("/v1/keys/0123456789ab", headers=admin)
    assert missing.status_code == 404
    assert (missing.json()["kind"], missing.json()["key"]) == ("API key", "0123456789ab")


def test_an_admin_revoking_its_own_key_is_locked_out(client: ApiClient, world: World) -> None:
    admin = world.headers("admin")
    mine = key_id(world.tokens["admin"])
    assert client.delete(f"/v1/keys/{mine}", headers=admin).status_code == 200
    assert client.get("/v1/keys", headers=admin).status_code == 401


def test_a_key_revoked_through_one_worker_is_refused_by_another_within_a_second(
    client: ApiClient, world: World, settings: Settings, clock: FakeClock
) -> None:
    """Two server workers (two apps over two registries on one database, as ``serve
    --workers 2`` runs them): revoking in one is honoured by the other one second later."""
    worker = build(settings, clock=clock, ids=SequentialIds(), run_migrations=False)
    other = ApiClient(worker)
    try:
        dev = world.headers("developer")
        assert other.get("/v1/ledger/head", headers=dev).status_code == 200  # cached there
        r = client.delete(
            f"/v1/keys/{key_id(world.tokens['developer'])}", headers=world.headers("admin")
        )
        assert r.status_code == 200
        assert client.get("/v1/ledger/head", headers=dev).status_code == 401  # at once here
        clock.advance(seconds=1)
        r = other.get("/v1/ledger/head", headers=dev)
        assert r.status_code == 401, r.text
        assert "revoked" in r.json()["detail"]
    finally:
        other.close()
        worker.close()
