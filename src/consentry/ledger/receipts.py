"""Signed receipts: what was declared, by whom, at which ledger position and time.

A receipt is JSON; its ``signature`` is the base64url (unpadded) Ed25519 signature by the
registry's key over the canonical JSON of the receipt without the ``signature`` field.
``key_id`` is the first 16 hex digits of SHA-256 over the raw 32-byte public key.
Pure: keys are passed in; reading key files is ``keys.py``'s job.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import LedgerError
from consentry.ledger.chain import canonical_json

RECEIPT_VERSION = "consentry-receipt/1"
FIELDS = (
    "version",
    "registry",
    "declared_by",
    "declaration",
    "ledger",
    "recorded_at",
    "key_id",
    "signature",
)


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(text: str | bytes) -> Ed25519PublicKey:
    data = text.encode("ascii") if isinstance(text, str) else text
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise LedgerError(f"public key is not a PEM key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LedgerError(f"public key is {type(key).__name__}, expected Ed25519")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_receipt(
    *,
    declaration: Mapping[str, Any],
    declared_by: str,
    ledger_seq: int,
    ledger_hash: str,
    recorded_at: str,
    registry: str,
    signing_key: Ed25519PrivateKey,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": RECEIPT_VERSION,
        "registry": registry,
        "declared_by": declared_by,
        "declaration": dict(declaration),
        "ledger": {"seq": ledger_seq, "hash": ledger_hash},
        "recorded_at": recorded_at,
        "key_id": key_id(signing_key.public_key()),
    }
    body["signature"] = _b64(signing_key.sign(canonical_json(body)))
    return body


def verify_receipt(receipt: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    missing = [f for f in FIELDS if f not in receipt]
    if missing:
        raise LedgerError(f"receipt lacks {', '.join(missing)}", missing=missing)
    if receipt["version"] != RECEIPT_VERSION:
        raise LedgerError(f"receipt version {receipt['version']!r} is not {RECEIPT_VERSION}")
    expected_id = key_id(public_key)
    if receipt["key_id"] != expected_id:
        raise LedgerError(
            f"receipt was signed by key {receipt['key_id']}, "
            f"not by this registry's key {expected_id}"
        )
    body = {k: v for k, v in receipt.items() if k != "signature"}
    try:
        signature = _unb64(str(receipt["signature"]))
        public_key.verify(signature, canonical_json(body))
    except (InvalidSignature, ValueError):
        raise LedgerError(
            "receipt signature does not verify: the receipt was altered or "
            "not signed by this registry"
        ) from None
    ledger = receipt["ledger"]
    if not isinstance(ledger, Mapping) or "seq" not in ledger:
        raise LedgerError("receipt ledger position is malformed")
