"""Who may register a work: an organisation only for parties that mandated it (issue 8), and
no ``assert`` stands between a key and an authorisation decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from consentry.errors import PermissionDenied
from consentry.registry.access import Actor, Role
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.api.conftest import ApiClient, World


def work(
    holders: list[tuple[str, str, int]], contributors: list[str], isbn: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "book",
        "title": "Somebody Else's Book",
        "contributors": [{"party_id": p, "role": "author"} for p in contributors],
        "holders": [{"party_id": p, "role": r, "share": s} for p, r, s in holders],
    }
    if isbn is not None:
        body["identifiers"] = [isbn]
    return body


def test_organisation_cannot_register_non_members_work_by_listing_itself(
    client: ApiClient, world: World
) -> None:
    org = world.headers("organisation")
    # the organisation names itself as a 1% holder beside a creator that never mandated it
    body = work(
        [(world.org, "rightsholder", 1), (world.other_creator, "creator", 99)],
        [world.other_creator],
        isbn="isbn:9780306406157",
    )
    r = client.post("/v1/works", json=body, headers=org)
    assert r.status_code == 403, r.text
    assert r.json()["title"] == "forbidden"
    assert world.other_creator in r.json()["detail"]
    assert world.org in r.json()["detail"]
    # nothing was stored: the ISBN is still free
    found = client.get("/v1/lookup/isbn:9780306406157", headers=org).json()
    assert found["works"] == []


def test_organisation_needs_a_mandate_from_every_party_on_the_work(
    client: ApiClient, world: World
) -> None:
    org = world.headers("organisation")
    # one mandated creator does not carry an unmandated co-author
    mixed = work(
        [(world.creator, "creator", 50), (world.other_creator, "creator", 50)],
        [world.creator, world.other_creator],
    )
    r = client.post("/v1/works", json=mixed, headers=org)
    assert r.status_code == 403, r.text
    assert world.other_creator in r.json()["detail"]
    assert world.creator not in r.json()["detail"].split("named")[0]
    # a non-creative contributor (an editor) counts too
    edited = work([(world.creator, "creator", 100)], [world.creator])
    edited["contributors"].append({"party_id": world.other_creator, "role": "editor"})
    assert client.post("/v1/works", json=edited, headers=org).status_code == 403
    # the mandated member alone, with or without the organisation beside it: allowed
    for body in (
        work([(world.creator, "creator", 100)], [world.creator]),
        work([(world.creator, "creator", 90), (world.org, "rightsholder", 10)], [world.creator]),
    ):
        ok = client.post("/v1/works", json=body, headers=org)
        assert ok.status_code == 201, ok.text
    # once the member withdraws its mandate, no longer
    client.post(
        f"/v1/mandates/{world.mandate}/withdraw", headers=world.headers("creator")
    ).raise_for_status()
    r = client.post(
        "/v1/works", json=work([(world.creator, "creator", 100)], [world.creator]), headers=org
    )
    assert r.status_code == 403
    assert world.creator in r.json()["detail"]


def test_a_new_party_named_by_an_organisation_is_refused(client: ApiClient, world: World) -> None:
    # a name the registry does not know would become a new party that mandated nobody
    body = {
        "kind": "book",
        "title": "A Stranger's Book",
        "contributors": [{"name": "Nobody Yet", "role": "author"}],
        "holders": [{"party_id": world.org, "role": "rightsholder", "share": 100}],
    }
    r = client.post("/v1/works", json=body, headers=world.headers("organisation"))
    assert r.status_code == 403, r.text
    names = [
        p["name"]
        for p in client.get("/v1/parties?limit=1000", headers=world.headers("admin")).json()[
            "items"
        ]
    ]
    assert "Nobody Yet" not in names


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CREATOR])
def test_party_roles_without_a_party_are_refused_explicitly(world: World, role: Role) -> None:
    # keys are always created with a party; an Actor built without one must be refused with
    # PermissionDenied (the old code asserted, which python -O removes)
    svc = world.registry.service
    actor = Actor(role, None, "k")
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title="Orphan",
        identifiers=(),
        contributors=((PartyRef(party_id=world.creator), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=world.creator), "creator", Decimal(100), "all"),),
    )
    with pytest.raises(PermissionDenied):
        svc.create_work(actor, draft)
    with pytest.raises(PermissionDenied):
        svc.declare_terms(actor, party_id=world.creator, statuses={Purpose.TDM: Status.ALLOWED})
    with pytest.raises(PermissionDenied):
        svc.list_mandates(actor, offset=0, limit=10)
