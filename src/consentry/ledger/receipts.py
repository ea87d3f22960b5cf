"""Signed receipts: what was declared, by whom, at which ledger position and time.

A receipt is a JSON object::

    {"version": "consentry-receipt/1", "registry": ..., "declared_by": ...,
     "declaration": {...}, "ledger": {"seq": ..., "hash": ...}, "recorded_at": ...,
     "key_id": ..., "signature": ...}

``signature`` is the unpadded base64url Ed25519 signature by the registry's key over the
canonical JSON (RFC 8785, see ``chain.canonical_json``) of the receipt without its
``signature`` member; every other member, including any unknown one, is covered.
``key_id`` is the first 16 hex digits of SHA-256 over the raw 32-byte public key.

Pure: keys are passed in; reading key files is ``keys.py``'s job. docs/ledger.md shows a
worked example that third parties can check with any Ed25519 library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.chain import LedgerEntry, canonical_json

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
_KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")
_SIG_RE = re.compile(r"[A-Za-z0-9_-]{86}")  # 64 bytes, base64url without padding


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo); a private key gives its public half."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(text: str | bytes) -> Ed25519PublicKey:
    """Parse an Ed25519 public key from PEM; ValidationError when it is anything else."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    expected = "an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)"
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValidationError(
            f"public key is not a PEM public key ({exc})",
            field="public_key",
            value=data[:40].decode("ascii", "replace"),
            expected=expected,
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(
            f"public key is a {type(key).__name__}, not an Ed25519 key",
            field="public_key",
            value=type(key).__name__,
            expected=expected,
        )
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _invalid(field: str, value: object, expected: str) -> ValidationError:
    return ValidationError(
        f"{field} {value!r} is not {expected}", field=field, value=value, expected=expected
    )


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
    """A signed receipt. The declaration is copied as plain JSON values (what is signed)."""
    if not isinstance(declaration, Mapping):
        raise _invalid("declaration", type(declaration).__name__, "a mapping")
    for name, value in (("declared_by", declared_by), ("registry", registry)):
        if not isinstance(value, str) or not value.strip():
            raise _invalid(name, value, "a non-empty string")
    if type(ledger_seq) is not int or ledger_seq < 1:
        raise _invalid("ledger_seq", ledger_seq, "a positive integer")
    if not isinstance(ledger_hash, str) or not _HASH_RE.fullmatch(ledger_hash):
        raise _invalid("ledger_hash", ledger_hash, "64 lower-case hex digits")
    if not isinstance(recorded_at, str) or not _TIME_RE.fullmatch(recorded_at):
        raise _invalid("recorded_at", recorded_at, "an ISO-8601 UTC time ending in Z")
    body: dict[str, Any] = {
        "version": RECEIPT_VERSION,
        "registry": registry,
        "declared_by": declared_by,
        # Round trip through canonical JSON: the receipt holds exactly what is signed,
        # as plain dicts/lists, so json.dump of it verifies after json.load.
        "declaration": json.loads(canonical_json(declaration)),
        "ledger": {"seq": ledger_seq, "hash": ledger_hash},
        "recorded_at": recorded_at,
        "key_id": key_id(signing_key.public_key()),
    }
    body["signature"] = _b64(signing_key.sign(canonical_json(body)))
    return body


def _fail(reason: str, **payload: Any) -> LedgerError:
    return LedgerError(f"receipt does not verify: {reason}", **payload)


def _check_shape(receipt: Mapping[str, Any]) -> None:
    missing = [f for f in FIELDS if f not in receipt]
    if missing:
        raise _fail(f"it lacks {', '.join(missing)}", missing=missing)
    version = receipt["version"]
    if version != RECEIPT_VERSION:
        raise _fail(f"version {version!r} is not {RECEIPT_VERSION!r}")
    for name in ("registry", "declared_by"):
        value = receipt[name]
        if not isinstance(value, str) or not value:
            raise _fail(f"{name} {value!r} is not a non-empty string")
    if not isinstance(receipt["declaration"], Mapping):
        raise _fail(f"declaration is a {type(receipt['declaration']).__name__}, not an object")
    ledger = receipt["ledger"]
    if not isinstance(ledger, Mapping):
        raise _fail(f"ledger is a {type(ledger).__name__}, not an object")
    seq, h = ledger.get("seq"), ledger.get("hash")
    if type(seq) is not int or seq < 1:
        raise _fail(f"ledger.seq {seq!r} is not a positive integer")
    if not isinstance(h, str) or not _HASH_RE.fullmatch(h):
        raise _fail(f"ledger.hash {h!r} is not 64 lower-case hex digits")
    at = receipt["recorded_at"]
    if not isinstance(at, str) or not _TIME_RE.fullmatch(at):
        raise _fail(f"recorded_at {at!r} is not an ISO-8601 UTC time")
    kid = receipt["key_id"]
    if not isinstance(kid, str) or not _KEY_ID_RE.fullmatch(kid):
        raise _fail(f"key_id {kid!r} is not 16 lower-case hex digits")
    sig = receipt["signature"]
    if not isinstance(sig, str) or not _SIG_RE.fullmatch(sig):
        shown = repr(sig) if len(repr(sig)) <= 40 else repr(sig)[:37] + "..."
        raise _fail(f"signature {shown} is not 86 base64url characters (64 bytes)")


def verify_receipt(receipt: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    """Return when ``receipt`` was signed by ``public_key`` and is unchanged; else LedgerError.

    The error's message says why: a missing or malformed member, the wrong version, a
    receipt signed by another key (key_id), or a signature that does not match the content
    (the receipt was altered).
    """
    if not isinstance(receipt, Mapping):
        raise _fail(f"it is a {type(receipt).__name__}, not a JSON object")
    _check_shape(receipt)
    expected_id = key_id(public_key)
    if receipt["key_id"] != expected_id:
        raise _fail(
            f"it was signed by key {receipt['key_id']}, not by this key {expected_id}",
            key_id=receipt["key_id"],
            expected_key_id=expected_id,
        )
    body = {k: v for k, v in receipt.items() if k != "signature"}
    try:
        message = canonical_json(body)
    except ValidationError as exc:
        raise _fail(f"its content is not canonical JSON ({exc})") from None
    try:
        signature = base64.urlsafe_b64decode(str(receipt["signature"]) + "==")
        public_key.verify(signature, message)
    except (InvalidSignature, binascii.Error, ValueError):
        raise _fail(
            "the signature does not match its content: the receipt was altered "
            "after signing, or signed by another key with the same key_id",
            seq=receipt["ledger"]["seq"],
        ) from None


def check_receipt_against_entry(receipt: Mapping[str, Any], entry: LedgerEntry) -> None:
    """Tie a (verified) receipt to the ledger: LedgerError unless ``entry`` is what it names.

    The entry must sit at the receipt's ``ledger.seq``, carry its ``ledger.hash`` and
    ``recorded_at``, and its payload must be the receipt's declaration (as canonical JSON).
    """
    ledger = receipt.get("ledger")
    if not isinstance(ledger, Mapping):
        raise _fail("ledger is missing or not an object")
    seq = ledger.get("seq")
    problems = []
    if entry.seq != seq:
        problems.append(f"it names entry {seq!r}, not entry {entry.seq}")
    if entry.hash != ledger.get("hash"):
        problems.append(f"entry {entry.seq} has hash {str(entry.hash)[:12]}…, not the receipt's")
    if entry.recorded_at != receipt.get("recorded_at"):
        problems.append(
            f"entry {entry.seq} was recorded at {entry.recorded_at}, "
            f"not {receipt.get('recorded_at')!r}"
        )
    try:
        same = canonical_json(entry.payload) == canonical_json(receipt.get("declaration"))
    except ValidationError as exc:
        problems.append(f"payload or declaration is not canonical JSON ({exc})")
    else:
        if not same:
            problems.append(f"entry {entry.seq}'s payload differs from the receipt's declaration")
    if problems:
        raise LedgerError(
            "receipt does not match the ledger: " + "; ".join(problems),
            seq=entry.seq,
            problems=problems,
        )
