"""Receipts of ledger entries past 32 bits are served; any larger number is a clean 404.

``ledger.seq`` is 64-bit since migration 0004, but the receipts route still refused numbers
above 2**31 - 1 (422) and the service answered them NotFound. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.api.conftest import ApiClient, World

PAST_32_BITS = 2**31 + 4


def _jump_ledger(world: World, seq: int) -> None:
    """Move the chain head to ``seq`` (as a registry that old would have it)."""
    with world.registry.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_head SET seq = :s WHERE id = 1"), {"s": seq})


def test_a_receipt_past_32_bits_is_served(client: ApiClient, world: World) -> None:
    _jump_ledger(world, PAST_32_BITS)
    r = client.post(
        f"/v1/parties/{world.creator}/terms",
        json={"terms": {"ai-index": "licence"}},
        headers=world.headers("creator"),
    )
    assert r.status_code == 201, r.text
    declared = r.json()
    assert declared["ledger_seq"] == PAST_32_BITS + 1
    again = client.get(f"/v1/receipts/{PAST_32_BITS + 1}", headers=world.headers("admin"))
    assert again.status_code == 200, again.text
    assert again.json() == declared["receipt"]


@pytest.mark.parametrize("seq", [2**31, 2**63 - 1, 2**63, 2**64 + 1, 10**40])
def test_a_receipt_beyond_the_ledger_is_not_found(
    client: ApiClient, world: World, seq: int
) -> None:
    r = client.get(f"/v1/receipts/{seq}", headers=world.headers("admin"))
    assert r.status_code == 404, r.text
    assert r.json()["kind"] == "receipt"


@pytest.mark.parametrize("seq", ["0", "-1", "x"])
def test_a_receipt_number_that_is_not_positive_is_refused(
    client: ApiClient, world: World, seq: str
) -> None:
    assert client.get(f"/v1/receipts/{seq}", headers=world.headers("admin")).status_code == 422
