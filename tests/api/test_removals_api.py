"""Removal requests through the API (issue 11): the developer answers with evidence, the
campaign's organisation has consentry verify it (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json

from consentry.notices.kinds import NoticeKind
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM
from consentry.registry.parties import ContactPoint
from consentry.registry.purposes import Purpose
from tests.api.conftest import ApiClient, World


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_developer_confirms_and_organisation_verifies(client: ApiClient, world: World) -> None:
    with world.registry.uow(write=True) as uow:  # the organisation writes from an address
        uow.members.add_contacts([(world.org, ContactPoint("email", "office@soa.example"))])
        uow.commit()
    created = world.registry.notices().create_campaign(
        SYSTEM,
        CampaignRequest(
            organisation_id=world.org, kind=NoticeKind.REMOVAL, purposes=(Purpose.AI_TRAIN,)
        ),
    )
    cid = created["campaign_id"]
    r = client.get(f"/v1/removals?campaign={cid}", headers=world.headers("developer"))
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert item["work_id"] == world.work and item["developer_id"] == world.developer
    assert item["state"] == "requested"
    rid = item["removal_id"]
    # the organisation sees its campaign's; a developer key of another party sees none
    org = client.get("/v1/removals", headers=world.headers("organisation")).json()["items"]
    assert [i["removal_id"] for i in org] == [rid]
    assert client.get("/v1/removals", headers=world.headers("org_developer")).json() == {
        "items": []
    }
    assert client.get("/v1/removals", headers=world.headers("creator")).status_code == 403

    manifest = json.dumps({"doc": "d1", "work": world.work, "reason": "match: copy"}) + "\n"
    report = json.dumps(
        {"format": "consentry-scan-report/1", "corpus": {"documents": 5}, "works": []}
    )
    body = {
        "state": "confirmed",
        "evidence": [
            {"name": "_removals.jsonl", "content_base64": b64(manifest.encode())},
            {"name": "rescan.json", "content_base64": b64(report.encode())},
        ],
    }
    # the organisation cannot confirm for the developer; the developer can
    path = f"/v1/removals/{rid}/state"
    r = client.post(path, json=body, headers=world.headers("organisation"))
    assert (
        r.status_code == 403
        and "an organisation key may set a removal request to disputed or verified"
        in r.json()["detail"]
    )
    r = client.post(path, json=body, headers=world.headers("developer"))
    assert r.status_code == 200, r.text
    assert [e["kind"] for e in r.json()["evidence"]] == ["removal-manifest", "scan-report"]
    # the developer cannot verify its own evidence; the organisation has consentry check it
    r = client.post(path, json={"state": "verified"}, headers=world.headers("developer"))
    assert r.status_code == 403
    r = client.post(path, json={"state": "verified"}, headers=world.headers("organisation"))
    assert r.status_code == 200 and r.json()["state"] == "verified"
    r = client.post(path, json={"state": "confirmed"}, headers=world.headers("developer"))
    assert r.status_code == 409 and "it can become disputed" in r.json()["detail"]
    bad = {"state": "confirmed", "evidence": [{"name": "x", "content_base64": "%%%"}]}
    r = client.post(path, json=bad, headers=world.headers("developer"))
    assert r.status_code == 422 and r.json()["field"] == "evidence[0].content_base64"
