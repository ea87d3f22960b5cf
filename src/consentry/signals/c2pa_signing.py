"""C2PA signing credentials: an X.509 chain issued by the registry's own key.

C2PA signers need an X.509 certificate chain and a supported algorithm; c2pa-rs accepts
Ed25519 (``ed25519``), the algorithm of the registry's key (``consentry.ledger.keys``). The
chain consentry makes, documented in docs/signals.md ("C2PA"):

* a CA certificate ``CN=consentry registry <key id>``, self-signed by the **registry's key**
  (``basicConstraints CA:TRUE, pathlen 0``; ``keyUsage keyCertSign, cRLSign``): the trust
  anchor a verifier adds to trust what this registry signed;
* a signing (end-entity) certificate ``CN=consentry C2PA signer``, **issued by the registry's
  key**, for a separate Ed25519 signing key (``CA:FALSE``; ``keyUsage digitalSignature``;
  ``extendedKeyUsage emailProtection``, one of the EKUs the C2PA certificate profile accepts).

A user may bring their own chain instead (:func:`credentials_from_pem`). Pure: keys and
``now`` in, PEM out (no clock, no files).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from consentry.errors import SignalError

VALIDITY = dt.timedelta(days=3650)
ALGORITHMS = ("ed25519", "es256", "es384", "es512", "ps256", "ps384", "ps512")


@dataclass(frozen=True, slots=True)
class SigningCredentials:
    """What signs a C2PA manifest: the chain (signing cert first, PEM), its private key (PKCS8
    PEM), the algorithm name c2pa-rs takes, and the anchor that makes the chain trusted."""

    chain_pem: bytes
    key_pem: bytes
    alg: str = "ed25519"
    trust_anchor_pem: bytes | None = None

    def __post_init__(self) -> None:
        if self.alg not in ALGORITHMS:
            raise SignalError(
                f"C2PA signing algorithm {self.alg!r} is not supported",
                field="alg",
                value=self.alg,
                expected=", ".join(ALGORITHMS),
            )
        if b"BEGIN CERTIFICATE" not in self.chain_pem:
            raise SignalError(
                "C2PA certificate chain holds no PEM certificate",
                field="cert",
                expected="a PEM certificate chain, signing certificate first",
            )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_id(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def registry_ca(registry_key: Ed25519PrivateKey, *, now: dt.datetime) -> x509.Certificate:
    """The registry's CA certificate, self-signed by its key (stable for one key and day)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"consentry registry {key_id(registry_key)}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "consentry"),
        ]
    )
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(registry_key.public_key())
        .serial_number(int(key_id(registry_key), 16) | 1)
        .not_valid_before(start)
        .not_valid_after(start + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(registry_key.public_key()), critical=False
        )
        .sign(registry_key, None)
    )


def issue_signing_credentials(
    registry_key: Ed25519PrivateKey, signing_key: Ed25519PrivateKey, *, now: dt.datetime
) -> SigningCredentials:
    """A signing certificate for ``signing_key`` issued by ``registry_key``, with its chain."""
    ca = registry_ca(registry_key, now=now)
    start = now.replace(microsecond=0) - dt.timedelta(minutes=5)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "consentry C2PA signer"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "consentry"),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(signing_key.public_key())
        .serial_number(int(key_id(signing_key), 16) | 1)
        .not_valid_before(start)
        .not_valid_after(start + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(signing_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(registry_key.public_key()),
            critical=False,
        )
        .sign(registry_key, None)
    )
    key_pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SigningCredentials(_pem(leaf) + _pem(ca), key_pem, "ed25519", _pem(ca))


def credentials_from_pem(
    chain_pem: bytes,
    key_pem: bytes,
    *,
    alg: str | None = None,
    trust_anchor_pem: bytes | None = None,
) -> SigningCredentials:
    """A user's own chain and key; the algorithm is taken from the key unless given."""
    if alg is None:
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise SignalError(
                f"C2PA signing key is not an unencrypted PEM private key ({exc})",
                field="key",
                expected="an unencrypted PKCS8 PEM key",
            ) from None
        alg = "ed25519" if isinstance(key, Ed25519PrivateKey) else _alg_of(key)
    return SigningCredentials(chain_pem, key_pem, alg, trust_anchor_pem)


def _alg_of(key: object) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(
            key.curve.name, key.curve.name
        )
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    raise SignalError(
        f"C2PA signing key is a {type(key).__name__}",
        field="key",
        value=type(key).__name__,
        expected="an Ed25519, ECDSA (P-256/384/521) or RSA key",
    )
