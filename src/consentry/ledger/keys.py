"""The registry's signing key on disk (adapter), and offline checking of receipt files.

``home/registry-signing-key.pem`` holds the Ed25519 private key (PKCS8 PEM, unencrypted,
mode 0600); ``home/registry-public-key.pem`` its public half (SubjectPublicKeyInfo PEM),
the file to hand to anyone who verifies receipts. The private key is created once: the new
file is written to a temporary name and then linked into place, so two processes starting
at the same moment end up with one key between them, never a key on disk that differs
from the one a process signs with.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.receipts import load_public_key_pem, public_key_pem, verify_receipt

PRIVATE = "registry-signing-key.pem"
PUBLIC = "registry-public-key.pem"
MAX_RECEIPT_BYTES = 4 * 1024 * 1024


def _write_tmp(path: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # exact mode, whatever the umask left
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _replace_atomic(path: Path, data: bytes, mode: int) -> None:
    os.replace(_write_tmp(path, data, mode), path)


def _create_once(path: Path, data: bytes, mode: int) -> bool:
    """Put ``data`` at ``path`` unless a file is already there; True when we created it."""
    tmp = _write_tmp(path, data, mode)
    try:
        os.link(tmp, path)  # atomic, and fails when path exists: never clobbers a key
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if path.exists():
            return False
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _read_private(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise LedgerError(
            f"signing key {path} cannot be read ({exc}); expected an unencrypted "
            "PKCS8 PEM Ed25519 key",
            path=str(path),
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(
            f"signing key {path} is a {type(key).__name__}, expected an Ed25519 key",
            path=str(path),
        )
    return key


def load_or_create_signing_key(home: Path) -> Ed25519PrivateKey:
    """The registry's key from ``home``, created (mode 0600) on first use; public PEM beside."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / PRIVATE
    if not path.exists():
        new = Ed25519PrivateKey.generate()
        pem = new.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _create_once(path, pem, 0o600)
    key = _read_private(path)  # whoever won the race, this is the key on disk
    pub = home / PUBLIC
    text = public_key_pem(key.public_key()).encode("ascii")
    try:
        current = pub.read_bytes()
    except FileNotFoundError:
        current = None
    if current != text:
        _replace_atomic(pub, text, 0o644)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file; ValidationError naming the file otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"public key file {path} cannot be read ({exc.strerror or exc})",
            field="public_key",
            value=str(path),
            expected="a readable PEM file",
        ) from None
    try:
        return load_public_key_pem(data)
    except ValidationError as exc:
        raise ValidationError(
            f"public key file {path}: {exc}",
            field="public_key",
            value=str(path),
            expected=exc.expected,
        ) from None


def _read_receipt(path: Path) -> dict[str, Any]:
    def bad(why: str) -> ValidationError:
        return ValidationError(
            f"receipt file {path} {why}",
            field="FILE",
            value=str(path),
            expected="a consentry receipt (a JSON object)",
        )

    try:
        size = path.stat().st_size
        if size > MAX_RECEIPT_BYTES:
            raise bad(f"is {size} bytes, more than a receipt can be ({MAX_RECEIPT_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise bad(f"cannot be read ({exc.strerror or exc})") from None
    try:
        receipt = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise bad(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise bad(f"is not JSON ({exc})") from None
    except RecursionError:
        raise bad("is nested too deeply to be a receipt") from None
    if not isinstance(receipt, dict):
        raise bad(f"holds a JSON {type(receipt).__name__}, not an object")
    return receipt


def verify_receipt_file(
    path: Path, public_key_path: Path | None = None, home: Path | None = None
) -> dict[str, Any]:
    """Check a receipt file offline; returns the receipt when it verifies.

    The public key comes from ``public_key_path`` or else ``home/registry-public-key.pem``.
    Raises ValidationError for an unreadable file or key, LedgerError when the receipt does
    not verify.
    """
    receipt = _read_receipt(path)
    if public_key_path is None:
        if home is None:
            raise ValidationError(
                "no public key to verify the receipt with",
                field="public_key",
                value=None,
                expected="--public-key PEM, or a data folder holding " + PUBLIC,
            )
        public_key_path = home / PUBLIC
    verify_receipt(receipt, load_public_key(public_key_path))
    return receipt
