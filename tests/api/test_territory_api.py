"""Territory through the HTTP API: declared, signed, and asked of decisions, lookups and terms
(SQLite and PostgreSQL); and the mandate's period at the effective time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consentry.registry.territories import ISO_3166_1_ALPHA_2
from tests.api.conftest import EMMA_ISBN, ApiClient, World
from tests.api.test_errors import problem


def _declare_world_allowed_fr_reserved(client: ApiClient, world: World) -> dict[str, Any]:
    url = f"/v1/works/{world.work}/terms"
    body = {"party_id": world.creator, "terms": {"ai-train": "allowed"}}
    r = client.post(url, json=body, headers=world.headers("creator"))
    assert r.status_code == 201, r.text
    r = client.post(
        url,
        json={**body, "terms": {"ai-train": "reserved"}, "territory": "FR"},
        headers=world.headers("creator"),
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_declared_territory_is_in_the_answer_the_receipt_and_the_history(
    client: ApiClient, world: World
) -> None:
    out = _declare_world_allowed_fr_reserved(client, world)
    assert [d["territory"] for d in out["declarations"]] == ["FR"]
    assert out["receipt"]["declaration"]["territory"] == "FR"
    history = client.get(
        f"/v1/works/{world.work}/terms/history", headers=world.headers("developer")
    ).json()["declarations"]
    assert [d["territory"] for d in history if d["purpose"] == "ai-train"] == ["WORLD", "FR"]
    receipt = client.get(f"/v1/receipts/{out['ledger_seq']}", headers=world.headers("creator"))
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["declaration"]["territory"] == "FR"  # the re-issued receipt too


def test_decisions_answer_for_the_territory_asked(client: ApiClient, world: World) -> None:
    _declare_world_allowed_fr_reserved(client, world)
    dev = world.headers("developer")

    def get(**params: str) -> dict[str, Any]:
        r = client.get(
            "/v1/decisions",
            params={"work": world.work, "purpose": "ai-train", **params},
            headers=dev,
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    gb, fr, everywhere, world_ = (
        get(territory="GB"),
        get(territory="FR"),
        get(),
        get(territory="WORLD"),
    )
    assert (gb["outcome"], gb["territory"]) == ("allow", "GB")
    assert [e["territory"] for e in gb["evidence"]] == ["WORLD"]
    assert (fr["outcome"], fr["territory"]) == ("deny", "FR")
    assert [e["territory"] for e in fr["evidence"]] == ["FR"]
    # no territory: must hold everywhere, so FR's reservation denies
    assert (everywhere["outcome"], everywhere["territory"]) == ("deny", None)
    assert world_["outcome"] == "deny"
    posted = client.post(
        "/v1/decisions",
        json={"work": world.work, "purpose": "ai-train", "territory": "GB"},
        headers=dev,
    ).json()
    assert (posted["outcome"], posted["territory"]) == ("allow", "GB")


def test_lookups_and_terms_answer_for_the_territory_asked(client: ApiClient, world: World) -> None:
    _declare_world_allowed_fr_reserved(client, world)
    dev = world.headers("developer")

    def one(**params: str) -> str:
        r = client.get(f"/v1/lookup/{EMMA_ISBN}", params=params, headers=dev)
        assert r.status_code == 200, r.text
        return str(r.json()["works"][0]["terms"]["ai-train"])

    assert (one(territory="GB"), one(territory="FR"), one()) == ("allowed", "reserved", "reserved")
    bulk = client.post(
        "/v1/lookup", json={"ids": [EMMA_ISBN], "territory": "GB"}, headers=dev
    ).json()
    assert bulk["results"][0]["works"][0]["terms"]["ai-train"] == "allowed"
    terms = client.get(
        f"/v1/works/{world.work}/terms", params={"territory": "GB"}, headers=dev
    ).json()
    assert (terms["territory"], terms["terms"]["ai-train"]["status"]) == ("GB", "allowed")
    terms = client.get(f"/v1/works/{world.work}/terms", headers=dev).json()
    assert (terms["territory"], terms["terms"]["ai-train"]["status"]) == (None, "reserved")


def test_bad_territories_are_422_naming_the_value(client: ApiClient, world: World) -> None:
    dev = world.headers("developer")
    for value in ("XX", "UK", "Europe", "gb"):
        r = client.get(
            "/v1/decisions",
            params={"work": world.work, "purpose": "ai-train", "territory": value},
            headers=dev,
        )
        body = problem(r, 422)
        assert body["field"] == "territory"
        assert value in body["detail"] or body.get("value") == value
    r = client.post("/v1/lookup", json={"ids": [EMMA_ISBN], "territory": "XX"}, headers=dev)
    assert problem(r, 422)["field"] == "territory"
    r = client.post(
        f"/v1/works/{world.work}/terms",
        json={"party_id": world.creator, "terms": {"tdm": "allowed"}, "territory": "EU"},
        headers=world.headers("creator"),
    )
    body = problem(r, 422)
    assert body["field"] == "territory" and "'EU'" in body["detail"]


def test_terms_under_a_mandate_outside_its_period_are_403_naming_it(
    client: ApiClient, world: World
) -> None:
    # The world's mandate began a day before the clock's now and has no end.
    before = (world.registry.service.clock() - timedelta(days=2)).isoformat()
    r = client.post(
        f"/v1/parties/{world.creator}/terms",
        json={"terms": {"ai-train": "reserved"}, "effective_from": before},
        headers=world.headers("organisation"),
    )
    body = problem(r, 403)
    assert "fall outside the period" in body["detail"]
    assert f"mandate {world.mandate} from" in body["detail"]


def test_openapi_lists_exactly_the_accepted_territories(client: ApiClient, world: World) -> None:
    """The schema's enum is what is accepted: a pattern like [A-Z]{2} let schema-valid
    values (XX, UK) be refused with 422."""
    spec = client.get("/openapi.json").json()
    (param,) = [
        p for p in spec["paths"]["/v1/decisions"]["get"]["parameters"] if p["name"] == "territory"
    ]
    (schema,) = [s for s in param["schema"]["anyOf"] if s.get("type") == "string"]
    assert schema["enum"][0] == "WORLD"
    assert set(schema["enum"]) == {"WORLD"} | ISO_3166_1_ALPHA_2
    assert "XX" not in schema["enum"] and "UK" not in schema["enum"]
    for code in ("AX", "ZW", "WORLD"):  # first, last and WORLD: accepted
        r = client.get(
            "/v1/decisions",
            params={"work": world.work, "purpose": "tdm", "territory": code},
            headers=world.headers("developer"),
        )
        assert r.status_code == 200, r.text
