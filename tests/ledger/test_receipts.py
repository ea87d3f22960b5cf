"""Receipts verify offline with the registry's public key; any tampering is caught."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from types import MappingProxyType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.chain import canonical_json
from consentry.ledger.receipts import (
    FIELDS,
    RECEIPT_VERSION,
    key_id,
    load_public_key_pem,
    make_receipt,
    public_key_pem,
    verify_receipt,
)

# One key for the module: Ed25519 keys are cheap, but a fixed one keeps failures readable.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DECLARATION = {
    "party_id": "p1",
    "work_id": "w1",
    "terms": {"ai-train": "reserved", "tdm": "reserved"},
    "note": "réservé",
}


def receipt(key: Ed25519PrivateKey = KEY, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "declaration": DECLARATION,
        "declared_by": "p1",
        "ledger_seq": 42,
        "ledger_hash": "ab" * 32,
        "recorded_at": "2026-01-01T00:00:00.000000Z",
        "registry": "consentry-test",
        "signing_key": key,
    }
    args.update(changes)
    return make_receipt(**args)


def test_round_trip_and_shape() -> None:
    r = receipt()
    verify_receipt(r, KEY.public_key())
    assert list(r) == list(FIELDS)
    assert r["version"] == RECEIPT_VERSION
    assert r["ledger"] == {"seq": 42, "hash": "ab" * 32}
    assert r["declaration"] == DECLARATION
    raw = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert r["key_id"] == hashlib.sha256(raw).hexdigest()[:16] == key_id(KEY.public_key())


def test_signature_is_over_the_canonical_json_without_signature() -> None:
    # What a third party does with any Ed25519 library: no consentry code beyond JCS.
    r = json.loads(json.dumps(receipt(), indent=2))
    sig = base64.urlsafe_b64decode(r.pop("signature") + "==")
    KEY.public_key().verify(sig, canonical_json(r))  # raises if it does not verify


def test_receipt_survives_a_json_file_round_trip() -> None:
    r = receipt(declaration={"ratio": 1.0, "tags": ("a", "b"), "m": MappingProxyType({"k": 1})})
    assert r["declaration"] == {"m": {"k": 1}, "ratio": 1, "tags": ["a", "b"]}
    verify_receipt(json.loads(json.dumps(r)), KEY.public_key())


def _set(r: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = r
    for p in path[:-1]:
        target = target[p]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()


@pytest.mark.parametrize(
    "path,value",
    [
        (("declaration", "terms", "ai-train"), "allowed"),
        (("declaration", "terms", "search"), "allowed"),
        (("declaration", "terms", "tdm"), _DELETE),
        (("declaration", "note"), "reserve\u0301"),  # same text, other normalisation
        (("declaration", "work_id"), "w2"),
        (("declared_by",), "p2"),
        (("ledger", "seq"), 43),
        (("ledger", "hash"), "cd" * 32),
        (("recorded_at",), "2027-01-01T00:00:00.000000Z"),
        (("registry",), "other"),
        (("extra",), "added after signing"),
    ],
)
def test_tampering_with_any_field_is_caught(path: tuple[str, ...], value: Any) -> None:
    r = copy.deepcopy(receipt())
    _set(r, path, value)
    with pytest.raises(LedgerError, match="signature does not match its content"):
        verify_receipt(r, KEY.public_key())


def test_a_changed_signature_is_caught() -> None:
    r = receipt()
    sig = r["signature"]
    r["signature"] = ("B" if sig[0] == "A" else "A") + sig[1:]
    with pytest.raises(LedgerError, match="signature does not match"):
        verify_receipt(r, KEY.public_key())


def test_wrong_key_is_caught_by_key_id() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    with pytest.raises(LedgerError, match="signed by key") as err:
        verify_receipt(receipt(), other.public_key())
    assert err.value.payload["expected_key_id"] == key_id(other.public_key())


def test_a_foreign_key_claiming_our_key_id_is_caught() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    forged = receipt(other)
    forged["key_id"] = key_id(KEY.public_key())
    body = {k: v for k, v in forged.items() if k != "signature"}
    forged["signature"] = base64.urlsafe_b64encode(other.sign(canonical_json(body))).decode()
    forged["signature"] = forged["signature"].rstrip("=")
    with pytest.raises(LedgerError, match="signature does not match"):
        verify_receipt(forged, KEY.public_key())


@pytest.mark.parametrize("missing", FIELDS)
def test_each_missing_field_is_named(missing: str) -> None:
    r = receipt()
    del r[missing]
    with pytest.raises(LedgerError, match=f"lacks {missing}") as err:
        verify_receipt(r, KEY.public_key())
    assert err.value.payload["missing"] == [missing]


@pytest.mark.parametrize(
    "path,value,message",
    [
        (("version",), "consentry-receipt/2", "version 'consentry-receipt/2'"),
        (("registry",), "", "registry ''"),
        (("declared_by",), 7, "declared_by 7"),
        (("declaration",), ["a"], "declaration is a list"),
        (("ledger",), 42, "ledger is a int"),
        (("ledger", "seq"), "42", "ledger.seq '42'"),
        (("ledger", "seq"), 0, "ledger.seq 0"),
        (("ledger", "hash"), "AB" * 32, "ledger.hash"),
        (("recorded_at",), "1 Jan 2026", "recorded_at '1 Jan 2026'"),
        (("key_id",), "xyz", "key_id 'xyz'"),
        (("signature",), "not base64!", "signature 'not base64!'"),
        (("signature",), None, "signature None"),
        (("signature",), "A" * 88, "86 base64url"),
    ],
)
def test_malformed_fields_are_named(path: tuple[str, ...], value: Any, message: str) -> None:
    r = receipt()
    _set(r, path, value)
    with pytest.raises(LedgerError, match="does not verify") as err:
        verify_receipt(r, KEY.public_key())
    assert message in str(err.value)


def test_not_an_object_and_non_json_content() -> None:
    with pytest.raises(LedgerError, match="not a JSON object"):
        verify_receipt(["a"], KEY.public_key())  # type: ignore[arg-type]
    r = receipt()
    r["declaration"] = {"x": float("nan")}
    with pytest.raises(LedgerError, match="not canonical JSON"):
        verify_receipt(r, KEY.public_key())


@pytest.mark.parametrize(
    "change,field",
    [
        ({"ledger_seq": 0}, "ledger_seq"),
        ({"ledger_seq": "42"}, "ledger_seq"),
        ({"ledger_hash": "abc"}, "ledger_hash"),
        ({"recorded_at": "2026-01-01"}, "recorded_at"),
        ({"declared_by": " "}, "declared_by"),
        ({"registry": ""}, "registry"),
        ({"declaration": [("a", 1)]}, "declaration"),
        ({"declaration": {"when": object()}}, "$.when"),
    ],
)
def test_make_receipt_refuses_bad_values(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        receipt(**change)
    assert err.value.field == field


def test_public_key_pem_round_trip_and_refusals() -> None:
    pem = public_key_pem(KEY.public_key())
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(KEY) == pem  # the private key gives its public half
    assert key_id(load_public_key_pem(pem)) == key_id(KEY.public_key())
    assert key_id(load_public_key_pem(pem.encode())) == key_id(KEY.public_key())
    with pytest.raises(ValidationError, match="not a PEM public key"):
        load_public_key_pem("hello ✓")
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValidationError, match="not an Ed25519 key"):
        load_public_key_pem(rsa_pem)


declarations = st.dictionaries(
    st.text(max_size=6),
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    min_size=1,
    max_size=5,
)


@settings(max_examples=50)
@given(declarations, st.data())
def test_any_declaration_round_trips_and_any_value_edit_is_caught(
    decl: dict[str, Any], data: Any
) -> None:
    r = receipt(declaration=decl)
    verify_receipt(json.loads(json.dumps(r)), KEY.public_key())
    key = data.draw(st.sampled_from(sorted(decl)))
    new = data.draw(st.text(min_size=1, max_size=10) | st.integers())
    if canonical_json(new) == canonical_json(decl[key]):
        return
    tampered = copy.deepcopy(r)
    tampered["declaration"][key] = new
    with pytest.raises(LedgerError):
        verify_receipt(tampered, KEY.public_key())


def test_a_receipt_ties_to_its_ledger_entry() -> None:
    from consentry.ledger.chain import make_entry
    from consentry.ledger.receipts import check_receipt_against_entry

    first = make_entry(
        prev=None,
        kind="party.created",
        payload={"party_id": "p1"},
        recorded_at="2026-01-01T00:00:00.000000Z",
        actor="admin:registry",
    )
    entry = make_entry(
        prev=first,
        kind="terms.declared",
        payload=DECLARATION,
        recorded_at="2026-01-01T00:00:01.000000Z",
        actor="creator:p1",
    )
    r = receipt(ledger_seq=entry.seq, ledger_hash=entry.hash, recorded_at=entry.recorded_at)
    check_receipt_against_entry(r, entry)
    with pytest.raises(LedgerError, match="not entry 1") as err:
        check_receipt_against_entry(r, first)
    assert len(err.value.payload["problems"]) == 4
    other = receipt(
        declaration={**DECLARATION, "note": "x"},
        ledger_seq=entry.seq,
        ledger_hash=entry.hash,
        recorded_at=entry.recorded_at,
    )
    with pytest.raises(LedgerError, match="payload differs"):
        check_receipt_against_entry(other, entry)


untrusted = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=90),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200)
@given(st.sampled_from(FIELDS), untrusted)
def test_any_value_in_any_member_is_a_ledger_error_never_a_crash(field: str, value: Any) -> None:
    r = receipt()
    if canonical_json_or_none(value) == canonical_json_or_none(r[field]):
        return
    r[field] = value
    with pytest.raises(LedgerError):
        verify_receipt(r, KEY.public_key())


def canonical_json_or_none(value: Any) -> bytes | None:
    try:
        return canonical_json(value)
    except ValidationError:
        return None
