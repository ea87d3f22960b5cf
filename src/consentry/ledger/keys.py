"""The registry's signing key on disk (adapter): created once, mode 0600, reused after."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.receipts import load_public_key_pem, public_key_pem, verify_receipt

PRIVATE = "registry-signing-key.pem"
PUBLIC = "registry-public-key.pem"


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_or_create_signing_key(home: Path) -> Ed25519PrivateKey:
    home.mkdir(parents=True, exist_ok=True)
    path = home / PRIVATE
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except ValueError as exc:
            raise LedgerError(f"signing key {path} cannot be read: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise LedgerError(f"signing key {path} is not an Ed25519 key")
    else:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_atomic(path, pem, 0o600)
    pub = home / PUBLIC
    text = public_key_pem(key.public_key()).encode("ascii")
    if not pub.exists() or pub.read_bytes() != text:
        _write_atomic(pub, text, 0o644)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    if not path.is_file():
        raise ValidationError(
            f"public key file {path} does not exist",
            field="--public-key",
            value=str(path),
            expected="a PEM file",
        )
    return load_public_key_pem(path.read_bytes())


def verify_receipt_file(path: Path, public_key_path: Path | None, home: Path | None) -> None:
    if not path.is_file():
        raise ValidationError(
            f"receipt file {path} does not exist",
            field="FILE",
            value=str(path),
            expected="a receipt JSON file",
        )
    try:
        receipt = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"receipt file {path} is not JSON: {exc}",
            field="FILE",
            value=str(path),
            expected="a receipt JSON file",
        ) from None
    if not isinstance(receipt, dict):
        raise ValidationError(
            f"receipt file {path} holds no JSON object",
            field="FILE",
            value=str(path),
            expected="a JSON object",
        )
    key_path = public_key_path or (home / PUBLIC if home else None)
    if key_path is None:
        raise ValidationError(
            "no public key given",
            field="--public-key",
            value=None,
            expected="--public-key PEM or a data folder",
        )
    verify_receipt(receipt, load_public_key(key_path))
