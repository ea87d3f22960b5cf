"""Identifier disputes (issue 8): an identifier claimed by a second, unrelated registrant is a
visible dispute (both works stored, lookups flag it, decisions name it) that an admin
resolves; a related registrant still gets 409. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from consentry.bootstrap import build
from consentry.config import Settings
from tests.api.conftest import EMMA_ISBN, ApiClient, World
from tests.conftest import FakeClock, SequentialIds

URL = "url:https://example.org/books/emma"


def own_work(party: str, *identifiers: str, title: str = "Emma (my edition)") -> dict[str, Any]:
    return {
        "kind": "book",
        "title": title,
        "identifiers": list(identifiers),
        "contributors": [{"party_id": party, "role": "author"}],
        "holders": [{"party_id": party, "role": "creator", "share": 100}],
    }


def ledger_kinds(world: World) -> list[str]:
    with world.registry.uow() as uow:
        return [e.kind for e in uow.ledger.entries() if not isinstance(e, str)]


def claim(client: ApiClient, world: World, who: str, party: str, *idents: str) -> str:
    r = client.post("/v1/works", json=own_work(party, *idents), headers=world.headers(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_an_unrelated_second_registrant_opens_a_visible_dispute(
    client: ApiClient, world: World
) -> None:
    dev = world.headers("developer")
    # Sam never had anything to do with Emma, and registers its ISBN for a work of his own
    hijack = claim(client, world, "other_creator", world.other_creator, EMMA_ISBN)
    found = client.get(f"/v1/lookup/{EMMA_ISBN}", headers=dev).json()
    assert [w["work_id"] for w in found["works"]] == [world.work, hijack]
    assert found["disputed"] is True
    dispute_id = found["dispute_id"]
    assert dispute_id
    # each work keeps its own terms; the combined answer is the most restrictive of both
    assert found["works"][0]["terms"]["search"] == "allowed"
    assert found["works"][1]["terms"]["search"] == "reserved"
    assert found["combined_terms"]["search"] == "reserved"
    assert set(found["combined_terms"].values()) == {"reserved"}
    # the bulk lookup says the same
    bulk = client.post("/v1/lookup", json={"ids": [EMMA_ISBN]}, headers=dev).json()
    assert bulk["results"][0] == found
    # decisions on either work name the dispute; the outcome is the work's own
    for work_id, outcome in ((world.work, "allow"), (hijack, "deny")):
        d = client.get(f"/v1/decisions?work={work_id}&purpose=search", headers=dev).json()
        assert d["outcome"] == outcome
        assert any(dispute_id in r and EMMA_ISBN in r for r in d["reasons"]), d["reasons"]
    # the dispute is listed for every key and is in the ledger
    listed = client.get("/v1/disputes?open=true", headers=dev).json()["items"]
    assert [(d["id"], d["identifier"], d["work_ids"]) for d in listed] == [
        (dispute_id, EMMA_ISBN, [world.work, hijack])
    ]
    one = client.get(f"/v1/disputes/{dispute_id}", headers=dev).json()
    assert one["open"] is True
    assert one["opened_by"] == f"creator:party:{world.other_creator}"
    assert ledger_kinds(world)[-2:] == ["work.created", "dispute.opened"]


def test_a_related_registrant_still_gets_a_conflict(client: ApiClient, world: World) -> None:
    # the creator of Emma registering its ISBN again: shares the party
    r = client.post(
        "/v1/works", json=own_work(world.creator, EMMA_ISBN), headers=world.headers("creator")
    )
    assert r.status_code == 409, r.text
    assert world.work in r.json()["detail"] and world.creator in r.json()["detail"]
    # the organisation Emma's creator mandated, registering it as its own: linked by mandate
    r = client.post(
        "/v1/works", json=own_work(world.org, EMMA_ISBN), headers=world.headers("organisation")
    )
    assert r.status_code == 409, r.text
    assert world.mandate in r.json()["detail"]
    found = client.get(f"/v1/lookup/{EMMA_ISBN}", headers=world.headers("developer")).json()
    assert [w["work_id"] for w in found["works"]] == [world.work]
    assert found["disputed"] is False
    assert found["dispute_id"] is None
    assert found["combined_terms"] is None


def test_url_identifiers_follow_the_same_rule(client: ApiClient, world: World) -> None:
    first = claim(client, world, "creator", world.creator, URL)
    # the same registrant again: a duplicate (it used to be stored silently)
    again = client.post(
        "/v1/works", json=own_work(world.creator, URL), headers=world.headers("creator")
    )
    assert again.status_code == 409, again.text
    # an unrelated one: a dispute (it used to be stored silently, and lookups showed no flag)
    second = claim(client, world, "other_creator", world.other_creator, URL)
    found = client.get(f"/v1/lookup/{URL}", headers=world.headers("developer")).json()
    assert [w["work_id"] for w in found["works"]] == [first, second]
    assert found["disputed"] is True
    assert found["dispute_id"]


def test_an_admin_resolves_a_dispute_and_the_ledger_records_it(
    client: ApiClient, world: World
) -> None:
    admin = world.headers("admin")
    dev = world.headers("developer")
    hijack = claim(client, world, "other_creator", world.other_creator, EMMA_ISBN)
    dispute_id = client.get(f"/v1/lookup/{EMMA_ISBN}", headers=dev).json()["dispute_id"]
    url = f"/v1/disputes/{dispute_id}/resolve"
    body = {"winner_work_id": world.work, "note": "Jane's contract with the publisher"}
    # no other role may resolve
    for who in ("organisation", "creator", "other_creator", "developer"):
        r = client.post(url, json=body, headers=world.headers(who))
        assert r.status_code == 403, (who, r.text)
    # the winner must be one of the dispute's works
    r = client.post(url, json={"winner_work_id": world.other_work}, headers=admin)
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "winner_work_id"
    r = client.post(url, json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["open"] is False
    assert r.json()["winner_work_id"] == world.work
    assert r.json()["resolved_by"] == "admin:registry"
    # the identifier stays with Emma; the other work is still registered, without it
    found = client.get(f"/v1/lookup/{EMMA_ISBN}", headers=dev).json()
    assert [w["work_id"] for w in found["works"]] == [world.work]
    assert found["disputed"] is False
    assert found["dispute_id"] is None
    assert client.get(f"/v1/works/{hijack}", headers=dev).json()["identifiers"] == []
    d = client.get(f"/v1/decisions?work={world.work}&purpose=search", headers=dev).json()
    assert not any("disputed" in r for r in d["reasons"])
    with world.registry.uow() as uow:
        last = [e for e in uow.ledger.entries() if not isinstance(e, str)][-1]
    assert last.kind == "dispute.resolved"
    assert last.payload["winner_work_id"] == world.work
    assert last.payload["loser_work_ids"] == [hijack]
    assert world.registry.service.verify_ledger().ok
    # resolving twice is a conflict; the dispute stays listed as resolved
    again = client.post(url, json=body, headers=admin)
    assert again.status_code == 409
    assert client.get("/v1/disputes?open=true", headers=dev).json()["items"] == []
    assert client.get("/v1/disputes", headers=dev).json()["items"][0]["id"] == dispute_id


def test_a_third_unrelated_registrant_joins_the_open_dispute(
    client: ApiClient, world: World
) -> None:
    admin = world.headers("admin")
    second = claim(client, world, "other_creator", world.other_creator, EMMA_ISBN)
    stranger = client.post(
        "/v1/parties", json={"name": "Third Party", "kind": "person"}, headers=admin
    ).json()["id"]
    third = claim(client, world, "admin", stranger, EMMA_ISBN)
    found = client.get(f"/v1/lookup/{EMMA_ISBN}", headers=admin).json()
    assert [w["work_id"] for w in found["works"]] == [world.work, second, third]
    disputes = client.get("/v1/disputes", headers=admin).json()["items"]
    assert len(disputes) == 1
    assert disputes[0]["work_ids"] == [world.work, second, third]
    assert ledger_kinds(world)[-1] == "dispute.joined"


def test_another_server_process_names_the_dispute_within_a_second(
    client: ApiClient, world: World, settings: Settings, clock: FakeClock
) -> None:
    worker = build(settings, clock=clock, ids=SequentialIds(), run_migrations=False)
    other = ApiClient(worker)
    try:
        dev = world.headers("developer")
        decision = f"/v1/decisions?work={world.work}&purpose=search"
        assert other.get(decision, headers=dev).status_code == 200  # reads the dispute set
        claim(client, world, "other_creator", world.other_creator, EMMA_ISBN)
        clock.advance(seconds=1)
        reasons = other.get(decision, headers=dev).json()["reasons"]
        assert any(EMMA_ISBN in r and "disputed" in r for r in reasons), reasons
        # lookups read the dispute at once, in every process
        assert other.get(f"/v1/lookup/{EMMA_ISBN}", headers=dev).json()["disputed"] is True
    finally:
        other.close()
        worker.close()
