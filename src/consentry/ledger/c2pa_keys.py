"""The C2PA signing key and certificate files in the data folder (adapter).

``home/c2pa-signing-key.pem``: the Ed25519 key that signs C2PA manifests (PKCS8 PEM, mode
0600, created once like the registry key); ``home/c2pa-ca.pem``: the registry's CA
certificate (self-signed by the registry's key), the trust anchor to hand to verifiers.
The signing certificate is issued by the registry's key each time credentials are loaded
(:func:`consentry.signals.c2pa_signing.issue_signing_credentials`). A user's own chain and
key are read by :func:`user_credentials`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consentry.errors import SignalError
from consentry.ledger.keys import load_or_create_signing_key
from consentry.signals.c2pa_signing import (
    SigningCredentials,
    credentials_from_pem,
    issue_signing_credentials,
)

SIGNING_KEY = "c2pa-signing-key.pem"
CA_CERT = "c2pa-ca.pem"


def _signing_key(home: Path) -> Ed25519PrivateKey:
    path = home / SIGNING_KEY
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            with path.open("xb") as f:  # never clobbers a key another process just wrote
                path.chmod(0o600)
                f.write(pem)
        except FileExistsError:
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignalError(
            f"C2PA signing key {path} is a {type(key).__name__}, expected an Ed25519 key",
            field="c2pa-key",
            value=str(path),
            expected="an Ed25519 PKCS8 PEM key",
        )
    return key


def registry_credentials(home: Path, *, now: dt.datetime) -> SigningCredentials:
    """Credentials whose certificate the registry's key issued; writes ``c2pa-ca.pem``."""
    registry_key = load_or_create_signing_key(home)
    creds = issue_signing_credentials(registry_key, _signing_key(home), now=now)
    ca = home / CA_CERT
    if creds.trust_anchor_pem is not None and not ca.exists():
        ca.write_bytes(creds.trust_anchor_pem)
    return creds


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SignalError(
            f"cannot read {what} {path}: {exc.strerror or exc}",
            field=what,
            value=str(path),
            expected="a readable PEM file",
        ) from None


def user_credentials(cert: Path, key: Path, *, trust: Path | None = None) -> SigningCredentials:
    """A user's own certificate chain (signing certificate first) and private key."""
    return credentials_from_pem(
        _read(cert, "c2pa-cert"),
        _read(key, "c2pa-key"),
        trust_anchor_pem=_read(trust, "c2pa-trust") if trust is not None else None,
    )


def read_trust(path: Path | None) -> bytes | None:
    return _read(path, "trust") if path is not None else None
