"""The accounting API: a usage report as the request body (CSV or JSON), record-numbered
errors, the same report twice, and distributions closed once (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.api.conftest import EMMA_ISBN, ApiClient, World

CSV = (
    "licensee,model,purpose,period,identifier,units,unit\n"
    f"Acme AI,m,ai-train,2026-Q1,{EMMA_ISBN},300,tokens\n"
    "Acme AI,m,ai-train,2026-Q1,isbn:9789999999991,100,tokens\n"
)


def test_usage_and_distribution_over_http(world: World, client: ApiClient) -> None:
    admin = {**world.headers("admin"), "content-type": "text/csv"}
    bad = CSV + f"Acme AI,m,ai-train,2026-Q1,{EMMA_ISBN},-3,tokens\n"
    r = client.request("POST", "/v1/usage", content=bad.encode(), headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["rejects"] == [
        {
            "record": 3,
            "reason": "units: units '-3' is negative, expected a non-negative number "
            "with at most 3 decimals, such as 1200 or 2.5",
        }
    ]
    r = client.request("POST", "/v1/usage", content=CSV.encode(), headers=admin)
    assert r.status_code == 201 and r.json()["imported"] == 2
    r = client.request("POST", "/v1/usage", content=CSV.encode(), headers=admin)
    assert r.status_code == 200 and r.json()["already_imported"] is True

    body = {"period": "2026-Q1", "pool": "100", "currency": "GBP"}
    r = client.request("POST", "/v1/distributions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    summary = r.json()
    assert summary["pool"] == "100.00" and summary["unidentified"] == "25.00"
    again = client.request("POST", "/v1/distributions", json=body, headers=world.headers("admin"))
    assert again.status_code == 200 and again.json() == summary
    other = {**body, "pool": "101"}
    r = client.request("POST", "/v1/distributions", json=other, headers=world.headers("admin"))
    assert r.status_code == 409 and "not distributed again differently" in r.json()["detail"]
