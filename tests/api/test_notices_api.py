"""The notices API: organisations act only for their own members and see only their own
campaigns; developers see only notices addressed to them; acknowledgement by the link's page
(no key) and by key; answers with files; sending through the server's SMTP URL."""

from __future__ import annotations

import base64
import json
import re

from consentry.config import Settings
from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from tests.api.conftest import ApiClient, World
from tests.api.notices_world import add_email, sent_notice
from tests.notices.smtp import smtp_server


def other_parties(w: World) -> tuple[str, str, dict[str, str]]:
    """A second organisation and a second developer, with keys."""
    svc = w.registry.service
    org = svc.create_party(
        SYSTEM,
        name="Other Union",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "u@union.example")],
    )
    dev = svc.create_party(
        SYSTEM,
        name="Other Lab",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.AI_DEVELOPER],
        contacts=[ContactPoint("email", "legal@otherlab.example")],
    )
    org_key = svc.create_api_key(SYSTEM, role=Role.ORGANISATION, party_id=org.id)[1]
    dev_key = svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=dev.id)[1]
    return org.id, dev.id, {"Authorization": f"Bearer {org_key}", "dev": dev_key}


def test_organisations_act_and_see_only_their_own(client: ApiClient, world: World) -> None:
    cid, notice = sent_notice(world)
    other_org, other_dev, keys = other_parties(world)
    org_h = world.headers("organisation")
    other_h = {"Authorization": keys["Authorization"]}
    body = {"organisation_id": world.org, "kind": "removal", "developers": [world.developer]}
    r = client.post("/v1/notices/campaigns", json=body, headers=other_h)
    assert r.status_code == 403, r.text
    mine = client.post("/v1/notices/campaigns", json=body, headers=org_h)
    assert mine.status_code == 201 and mine.json()["works"] == 1  # the creator's Emma
    # the other organisation has no mandates: a campaign for it names nobody
    theirs = client.post(
        "/v1/notices/campaigns",
        headers=other_h,
        json={
            "organisation_id": other_org,
            "kind": "reservation",
            "developers": "all",
            "members": [world.creator],
        },
    ).json()
    assert theirs["works"] == 0
    assert [e["reason"] for e in theirs["excluded"]] == ["no mandate"]
    listed = {
        c["campaign_id"] for c in client.get("/v1/notices/campaigns", headers=org_h).json()["items"]
    }
    assert cid in listed and theirs["campaign_id"] not in listed
    assert client.get(f"/v1/notices/campaigns/{cid}", headers=other_h).status_code == 403
    assert client.get(f"/v1/notices/{notice}", headers=other_h).status_code == 403
    bad = client.post("/v1/notices/campaigns", headers=org_h, json={**body, "territory": "XX"})
    assert bad.status_code == 422 and bad.json()["field"] == "territory"


def test_developers_see_only_notices_addressed_to_them(client: ApiClient, world: World) -> None:
    _, notice = sent_notice(world)
    _, _, keys = other_parties(world)
    other = {"Authorization": f"Bearer {keys['dev']}"}
    dev = world.headers("developer")
    assert [n["notice_id"] for n in client.get("/v1/notices", headers=dev).json()["items"]] == [
        notice
    ]
    assert client.get("/v1/notices", headers=other).json()["items"] == []
    assert client.get(f"/v1/notices/{notice}", headers=other).status_code == 403
    assert client.post(f"/v1/notices/{notice}/acknowledge", headers=other).status_code == 403
    r = client.post(f"/v1/notices/{notice}/answer", headers=other, json={"text": "x"})
    assert r.status_code == 403
    files = [
        {
            "name": "removal-manifest.json",
            "content_base64": base64.b64encode(b'{"works": 1}').decode(),
        }
    ]
    r = client.post(
        f"/v1/notices/{notice}/answer",
        headers=dev,
        json={"text": "Removed from our index.", "files": files},
    )
    assert r.status_code == 201, r.text
    assert r.json()["files"][0]["size"] == 12
    got = client.get(f"/v1/notices/{notice}", headers=dev).json()
    assert got["state"] == "answered" and got["answers"][0]["text"] == "Removed from our index."
    bad = client.post(
        f"/v1/notices/{notice}/answer",
        headers=dev,
        json={"text": "x", "files": [{"name": "a", "content_base64": "%%%"}]},
    )
    assert bad.status_code == 422


def test_the_acknowledgement_page_records_on_the_button_not_on_opening(
    client: ApiClient, world: World
) -> None:
    _, notice = sent_notice(world)
    token = world.registry.notices().token(notice)
    page = client.get(f"/notices/ack/{token}")
    assert page.status_code == 200 and '<form method="post">' in page.text
    state = client.get(f"/v1/notices/{notice}", headers=world.headers("developer")).json()
    assert state["acknowledged_at"] is None  # a link scanner opening the URL records nothing
    done = client.post(f"/notices/ack/{token}")
    assert done.status_code == 200 and "acknowledged at" in done.text
    state = client.get(f"/v1/notices/{notice}", headers=world.headers("developer")).json()
    assert state["state"] == "acknowledged" and state["acknowledged_at"]
    assert "Receipt was acknowledged" in client.get(f"/notices/ack/{token}").text
    forged = client.get(f"/notices/ack/{token[:-4]}AAAA")
    assert forged.status_code == 422 and "not one this registry signed" in forged.text
    works = json.loads(client.get(f"/notices/works/{token}").content)
    assert [w["title"] for w in works["works"]] == ["Emma"]


def test_send_through_the_api(client: ApiClient, world: World, settings: Settings) -> None:
    add_email(world, world.org, "notices@society.example")
    add_email(world, world.developer, "copyright@ailab.example")
    org_h = world.headers("organisation")
    created = client.post(
        "/v1/notices/campaigns",
        headers=org_h,
        json={
            "organisation_id": world.org,
            "kind": "transparency",
            "developers": "all",
            "purposes": ["ai-train"],
            "deadline_days": 14,
        },
    ).json()
    with smtp_server() as box:
        world.registry.settings = Settings(
            home=settings.home,
            database_url=settings.database_url,
            smtp_url=box.url,
            public_url="https://registry.example",
        )
        r = client.post(f"/v1/notices/campaigns/{created['campaign_id']}/send", headers=org_h)
    assert r.status_code == 200, r.text
    assert r.json()["sent"] == 1
    assert box.arrived[0].recipients == ["copyright@ailab.example"]
    text = box.arrived[0].data.decode()
    assert re.search(r"transparency|which of the works", text, re.I)
    status = client.get(f"/v1/notices/campaigns/{created['campaign_id']}", headers=org_h).json()
    assert [n["state"] for n in status["notices"]] == ["sent"]
