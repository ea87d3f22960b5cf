"""The hash chain: any edit, deletion or reordering is caught at exactly that entry."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import ValidationError
from consentry.ledger.chain import (
    GENESIS_HASH,
    LedgerEntry,
    canonical_json,
    make_entry,
    verify_chain,
)


def chain(n: int) -> list[LedgerEntry]:
    out: list[LedgerEntry] = []
    for i in range(n):
        out.append(
            make_entry(
                prev=out[-1] if out else None,
                kind="terms.declared",
                payload={"n": i, "name": f"Émile {i}", "terms": {"tdm": "reserved"}},
                recorded_at=f"2026-01-01T00:00:{i % 60:02d}.000000Z",
                actor="admin:registry",
            )
        )
    return out


def test_a_clean_chain_verifies() -> None:
    entries = chain(20)
    report = verify_chain(entries)
    assert report.ok and report.checked == 20 and report.head_seq == 20
    assert entries[0].prev_hash == GENESIS_HASH
    assert verify_chain([]).ok


@pytest.mark.parametrize(
    "field,value",
    [
        ("payload", {"n": 999}),
        ("kind", "terms.withdrawn"),
        ("recorded_at", "2020-01-01T00:00:00.000000Z"),
        ("actor", "someone:else"),
        ("hash", "f" * 64),
    ],
)
def test_editing_any_field_is_caught_at_that_entry(field: str, value: object) -> None:
    entries = chain(10)
    entries[6] = dataclasses.replace(entries[6], **{field: value})
    report = verify_chain(entries)
    assert not report.ok
    assert report.first_bad_seq == 7
    assert report.checked == 6


def test_prev_hash_edit_is_caught() -> None:
    entries = chain(5)
    entries[3] = dataclasses.replace(entries[3], prev_hash="a" * 64)
    report = verify_chain(entries)
    assert report.first_bad_seq == 4 and "prev_hash" in (report.reason or "")


def test_deleting_and_reordering_are_caught() -> None:
    entries = chain(8)
    report = verify_chain(entries[:3] + entries[4:])
    assert report.first_bad_seq == 4 and "gap" in (report.reason or "")
    swapped = [*entries[:2], entries[3], entries[2], *entries[4:]]
    assert verify_chain(swapped).first_bad_seq == 3


@given(st.integers(0, 14), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
def test_any_payload_edit_is_caught(pos: int, payload: dict[str, int]) -> None:
    entries = chain(15)
    if dict(entries[pos].payload) == payload:
        return
    entries[pos] = dataclasses.replace(entries[pos], payload=payload)
    assert verify_chain(entries).first_bad_seq == pos + 1


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == canonical_json({"a": "é", "b": 1})
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(ValidationError):
        canonical_json({"x": float("nan")})
    with pytest.raises(ValidationError):
        canonical_json({"x": object()})
