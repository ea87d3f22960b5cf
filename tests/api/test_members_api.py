"""Members and developers through the API (issue 11): parties with contact points (opt-out
forms and policy pages too), an organisation's mandates, the AI-developer directory
(SQLite and PostgreSQL)."""

from __future__ import annotations

from consentry.registry.access import SYSTEM
from consentry.registry.developers import seed_records, seed_sha256
from consentry.registry.service_members import ImportSource, import_developers
from tests.api.conftest import ApiClient, World


def seed(world: World) -> None:
    svc = world.registry.service
    with world.registry.uow(write=True) as uow:
        import_developers(
            uow,
            seed_records(),
            source=ImportSource("developers-v1.json", seed_sha256(), "developers-seed"),
            ids=svc.ids,
            now=uow.ledger.locked_now(svc.clock),
            actor=SYSTEM.label,
            skip_invalid=False,
        )
        uow.commit()


def test_the_directory_lists_developers_with_contacts_and_tokens(
    client: ApiClient, world: World
) -> None:
    seed(world)
    r = client.get("/v1/developers", headers=world.headers("other_creator"))
    assert r.status_code == 200
    items = {d["name"]: d for d in r.json()["items"]}
    assert items["AI Lab"]["party_id"] == world.developer and items["AI Lab"]["tokens"] == []
    anthropic = items["Anthropic"]
    assert "ClaudeBot" in anthropic["tokens"] and anthropic["emails"] == []
    assert anthropic["optout_urls"] == ["https://support.claude.com/en/articles/8896518"]
    one = client.get(f"/v1/developers/{anthropic['party_id']}", headers=world.headers("developer"))
    assert one.status_code == 200 and one.json() == anthropic
    # a party that is not a developer, and one that does not exist
    r = client.get(f"/v1/developers/{world.creator}", headers=world.headers("admin"))
    assert r.status_code == 422 and "not an AI developer" in r.json()["detail"]
    r = client.get("/v1/developers/p_nobody", headers=world.headers("admin"))
    assert r.status_code == 404


def test_parties_carry_optout_forms_and_policy_pages(client: ApiClient, world: World) -> None:
    body = {
        "name": "Model Maker",
        "kind": "organisation",
        "roles": ["ai-developer"],
        "contacts": [
            {"kind": "email", "value": "copyright@maker.example"},
            {"kind": "form", "value": "https://maker.example/optout"},
            {"kind": "policy", "value": "https://maker.example/crawler"},
            {"kind": "postal", "value": "1 Model Way, Leeds"},
        ],
    }
    r = client.post("/v1/parties", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    listed = client.get("/v1/developers", headers=world.headers("creator")).json()["items"]
    maker = next(d for d in listed if d["name"] == "Model Maker")
    assert maker["emails"] == ["copyright@maker.example"]
    assert maker["optout_urls"] == ["https://maker.example/optout"]
    assert maker["policy_urls"] == ["https://maker.example/crawler"]
    assert maker["postal_addresses"] == ["1 Model Way, Leeds"]
    bad = {**body, "contacts": [{"kind": "form", "value": "maker.example/optout"}]}
    r = client.post("/v1/parties", json=bad, headers=world.headers("admin"))
    assert r.status_code == 422
    assert r.json()["field"] == "contacts[0].value" and "http(s) URL" in r.json()["detail"]


def test_mandates_of_one_organisation(client: ApiClient, world: World) -> None:
    admin = client.get(f"/v1/mandates?organisation={world.org}", headers=world.headers("admin"))
    assert admin.status_code == 200
    assert [m["id"] for m in admin.json()["items"]] == [world.mandate]
    # another organisation's mandates: none are the caller's to see
    other = client.get(
        f"/v1/mandates?organisation={world.other_creator}",
        headers=world.headers("organisation"),
    )
    assert other.status_code == 200 and other.json()["items"] == []
    mine = client.get(
        f"/v1/mandates?organisation={world.org}", headers=world.headers("organisation")
    )
    assert [m["id"] for m in mine.json()["items"]] == [world.mandate]
