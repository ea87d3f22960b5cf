"""Receipts verify offline with the registry's public key; any tampering is caught."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consentry.errors import LedgerError
from consentry.ledger.keys import PRIVATE, PUBLIC, load_or_create_signing_key, verify_receipt_file
from consentry.ledger.receipts import make_receipt, verify_receipt


def receipt(key: Ed25519PrivateKey) -> dict[str, object]:
    return make_receipt(
        declaration={"party_id": "p1", "work_id": "w1", "terms": {"ai-train": "reserved"}},
        declared_by="p1",
        ledger_seq=42,
        ledger_hash="ab" * 32,
        recorded_at="2026-01-01T00:00:00.000000Z",
        registry="consentry-test",
        signing_key=key,
    )


def test_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    verify_receipt(receipt(key), key.public_key())


@pytest.mark.parametrize(
    "path,value",
    [
        (("declaration", "terms", "ai-train"), "allowed"),
        (("declared_by",), "p2"),
        (("ledger", "seq"), 43),
        (("recorded_at",), "2027-01-01T00:00:00.000000Z"),
        (("registry",), "other"),
    ],
)
def test_tampering_is_caught(path: tuple[str, ...], value: object) -> None:
    key = Ed25519PrivateKey.generate()
    r = copy.deepcopy(receipt(key))
    target: dict[str, object] = r
    for p in path[:-1]:
        target = target[p]  # type: ignore[assignment]
    target[path[-1]] = value
    with pytest.raises(LedgerError, match="does not verify"):
        verify_receipt(r, key.public_key())


def test_wrong_key_and_missing_fields() -> None:
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    with pytest.raises(LedgerError, match="signed by key"):
        verify_receipt(receipt(key), other.public_key())
    r = receipt(key)
    del r["signature"]
    with pytest.raises(LedgerError, match="lacks signature"):
        verify_receipt(r, key.public_key())


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    k1 = load_or_create_signing_key(tmp_path)
    k2 = load_or_create_signing_key(tmp_path)
    assert k1.private_bytes_raw() == k2.private_bytes_raw()
    assert stat.S_IMODE((tmp_path / PRIVATE).stat().st_mode) == 0o600
    f = tmp_path / "r.json"
    f.write_text(json.dumps(receipt(k1)))
    verify_receipt_file(f, tmp_path / PUBLIC, None)
    verify_receipt_file(f, None, tmp_path)
