"""Key files on disk: created once (0600), reused, never clobbered; receipt files offline."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.keys import (
    PRIVATE,
    PUBLIC,
    load_or_create_signing_key,
    load_public_key,
    verify_receipt_file,
)
from consentry.ledger.receipts import key_id, make_receipt, public_key_pem


def _receipt(key: Ed25519PrivateKey) -> dict[str, object]:
    return make_receipt(
        declaration={"party_id": "p1", "terms": {"ai-train": "reserved"}},
        declared_by="p1",
        ledger_seq=7,
        ledger_hash="0f" * 32,
        recorded_at="2026-11-29T03:00:00.123456Z",
        registry="consentry-test",
        signing_key=key,
    )


def test_key_is_created_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    home = tmp_path / "data"
    k1 = load_or_create_signing_key(home)
    private, public = home / PRIVATE, home / PUBLIC
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text() == public_key_pem(k1.public_key())
    before = private.read_bytes()
    k2 = load_or_create_signing_key(home)
    assert k1.private_bytes_raw() == k2.private_bytes_raw()
    assert private.read_bytes() == before
    assert sorted(p.name for p in home.iterdir()) == sorted([PRIVATE, PUBLIC])  # no temp files


def test_public_key_file_is_restored_from_the_private_key(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path)
    (tmp_path / PUBLIC).write_text("stale")
    load_or_create_signing_key(tmp_path)
    assert key_id(load_public_key(tmp_path / PUBLIC)) == key_id(key.public_key())
    (tmp_path / PUBLIC).unlink()
    load_or_create_signing_key(tmp_path)
    assert (tmp_path / PUBLIC).exists()


def test_concurrent_first_use_ends_with_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    start = threading.Barrier(8)

    def first_use() -> None:
        start.wait()
        keys.append(load_or_create_signing_key(tmp_path).private_bytes_raw())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert load_or_create_signing_key(tmp_path).private_bytes_raw() == keys[0]


def test_an_unreadable_signing_key_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / PRIVATE).write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n")
    with pytest.raises(LedgerError, match=PRIVATE):
        load_or_create_signing_key(tmp_path)
    assert "garbage" in (tmp_path / PRIVATE).read_text()  # never replaced


def test_verify_receipt_file_with_explicit_key_or_data_folder(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path)
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_receipt(key), indent=2, ensure_ascii=False), encoding="utf-8")
    assert verify_receipt_file(f, tmp_path / PUBLIC, None)["ledger"]["seq"] == 7
    assert verify_receipt_file(f, None, tmp_path)["declared_by"] == "p1"
    with pytest.raises(ValidationError, match="no public key"):
        verify_receipt_file(f, None, None)


def test_a_tampered_receipt_file_fails(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path)
    r = _receipt(key)
    r["declaration"]["terms"]["ai-train"] = "allowed"  # type: ignore[index]
    f = tmp_path / "r.json"
    f.write_text(json.dumps(r))
    with pytest.raises(LedgerError, match="does not verify"):
        verify_receipt_file(f, None, tmp_path)


def test_a_receipt_checked_against_another_registry_key_fails(tmp_path: Path) -> None:
    ours = load_or_create_signing_key(tmp_path / "ours")
    load_or_create_signing_key(tmp_path / "theirs")
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_receipt(ours)))
    with pytest.raises(LedgerError, match="signed by key"):
        verify_receipt_file(f, tmp_path / "theirs" / PUBLIC, None)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "is not JSON"),
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "holds a JSON list"),
        (b"\xff\xfe{}", "is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_receipt_files_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    load_or_create_signing_key(tmp_path)
    f = tmp_path / "r.json"
    f.write_bytes(content)
    with pytest.raises(ValidationError, match=message) as err:
        verify_receipt_file(f, None, tmp_path)
    assert err.value.value == str(f)


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be read") as err:
        verify_receipt_file(tmp_path / "absent.json", None, tmp_path)
    assert err.value.value == str(tmp_path / "absent.json")
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_receipt(Ed25519PrivateKey.generate())))
    with pytest.raises(ValidationError, match="public key file") as err:
        verify_receipt_file(f, tmp_path / "nokey.pem", None)
    assert err.value.field == "public_key"
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ValidationError, match="not a PEM public key"):
        verify_receipt_file(f, tmp_path / "bad.pem", None)
