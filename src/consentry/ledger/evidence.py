"""Evidence bundles: a zip of files with a manifest signed by the registry, checkable offline.

A bundle (format ``consentry-evidence/1``) is a zip holding the evidence files under their
relative paths, and three members of its own:

* ``manifest.json``: canonical JSON (RFC 8785, ``chain.canonical_json``)::

      {"version": "consentry-evidence/1", "created_at": "...Z", "registry": ...,
       "metadata": {...}, "files": [{"path": ..., "sha256": ..., "size": ...}, ...],
       "key_id": ...}

  listing every evidence file, in the order added, with the SHA-256 and size of its bytes;
* ``manifest.sig``: the unpadded base64url Ed25519 signature, by the registry's key, over
  the exact bytes of ``manifest.json``;
* ``public-key.pem``: the public half of the key that signed (a convenience only, see below).

Verifying (:func:`verify_bundle`) checks the signature over the manifest's bytes, then every
file's bytes against the manifest, and reports the first file that does not match
(``manifest.json`` itself when the signature fails), a file the manifest lists that the zip
lacks, and a file the zip holds that the manifest does not list.

Which key is trusted: a bundle carrying its own key proves only that it is intact (anyone
can make a key, sign a manifest and put the key beside it). It proves *who* made it only
when checked with a key obtained apart from the bundle: the registry's published key
(``GET /.well-known/consentry-public-key.pem``, ``GET /v1/registry/public-key``, or
``registry-public-key.pem`` in its data folder). :func:`verify_bundle` takes that key; when
given none it uses the bundle's key and says so (``key_source == "bundle"``), and the
report carries the key's fingerprint to compare with the published one.

Pure: bytes in, bytes (or a report) out; the caller supplies the time and the key. The zip
is deterministic: the same files, metadata, time and key give the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.chain import canonical_json
from consentry.ledger.receipts import key_id, load_public_key_pem, public_key_pem

EVIDENCE_VERSION = "consentry-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.pem"
RESERVED = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY})
MAX_PATH = 255
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same content gives the same zip
_CHUNK = 1 << 20

__all__ = [
    "EVIDENCE_VERSION",
    "BundleFile",
    "BundleReport",
    "EvidenceBundleBuilder",
    "fingerprint",
    "verify_bundle",
]


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """``SHA256:`` and the hex SHA-256 of the raw 32-byte public key (its first 16 hex
    digits are the ``key_id`` receipts and manifests carry)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def check_path(path: str) -> str:
    """A bundle path: relative, ``/``-separated, no empty, ``.`` or ``..`` part, not one of
    the bundle's own members; raises :class:`ValidationError` naming it otherwise."""

    def bad(why: str) -> ValidationError:
        return ValidationError(
            f"evidence path {path!r} {why}",
            field="path",
            value=path,
            expected="a relative path like notices/n1/notice.eml",
        )

    if not isinstance(path, str) or not path:
        raise bad("is empty")
    if len(path) > MAX_PATH:
        raise bad(f"is longer than {MAX_PATH} characters")
    if "\\" in path or "\x00" in path or path.startswith("/"):
        raise bad("is not a relative /-separated path")
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise bad("has an empty, '.' or '..' part")
    if path in RESERVED:
        raise bad(f"is reserved for the bundle itself ({', '.join(sorted(RESERVED))})")
    return path


@dataclass(frozen=True, slots=True)
class BundleFile:
    path: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


def _utc(created_at: datetime) -> str:
    if created_at.tzinfo is None:
        raise ValidationError(
            f"created_at {created_at.isoformat()} has no time zone",
            field="created_at",
            value=created_at.isoformat(),
            expected="an aware time",
        )
    return created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EvidenceBundleBuilder:
    """Collects files, then writes the signed bundle::

    b = EvidenceBundleBuilder(created_at=now, registry="https://registry.example",
                              metadata={"campaign_id": "c1"})
    b.add_file("notices/n1/notice.eml", eml_bytes)
    b.add_json("mandates.json", [...])
    data = b.build(signing_key)   # bytes of the zip
    """

    def __init__(
        self,
        *,
        created_at: datetime,
        registry: str = "consentry",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.created_at = _utc(created_at)
        self.registry = registry
        # checked now: metadata must be canonical JSON (no floats, string keys)
        self.metadata: dict[str, Any] = json.loads(canonical_json(dict(metadata or {})))
        self._files: dict[str, bytes] = {}

    def add_file(self, path: str, data: bytes) -> str:
        """Add ``data`` as ``path``; returns its SHA-256 (hex). A path is added once."""
        check_path(path)
        if path in self._files:
            raise ValidationError(
                f"evidence path {path!r} was added already",
                field="path",
                value=path,
                expected="each path once",
            )
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValidationError(
                f"evidence {path!r} is a {type(data).__name__}, not bytes",
                field="data",
                value=type(data).__name__,
                expected="bytes",
            )
        self._files[path] = bytes(data)
        return hashlib.sha256(self._files[path]).hexdigest()

    def add_json(self, path: str, value: Any) -> str:
        """Add ``value`` as canonical JSON (UTF-8) at ``path``."""
        return self.add_file(path, canonical_json(value))

    @property
    def files(self) -> list[BundleFile]:
        return [
            BundleFile(p, hashlib.sha256(d).hexdigest(), len(d)) for p, d in self._files.items()
        ]

    def manifest(self, public_key: Ed25519PublicKey) -> bytes:
        return canonical_json(
            {
                "version": EVIDENCE_VERSION,
                "created_at": self.created_at,
                "registry": self.registry,
                "metadata": self.metadata,
                "files": [f.to_json() for f in self.files],
                "key_id": key_id(public_key),
            }
        )

    def build(self, signer: Ed25519PrivateKey) -> bytes:
        """The zip: the files, ``manifest.json``, ``manifest.sig``, ``public-key.pem``."""
        manifest = self.manifest(signer.public_key())
        signature = base64.urlsafe_b64encode(signer.sign(manifest)).rstrip(b"=")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for path, data in self._files.items():
                _write(zf, path, data)
            _write(zf, MANIFEST, manifest)
            _write(zf, SIGNATURE, signature + b"\n")
            _write(zf, PUBLIC_KEY, public_key_pem(signer).encode("ascii"))
        return out.getvalue()


def _write(zf: zipfile.ZipFile, path: str, data: bytes) -> None:
    info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What :func:`verify_bundle` found. ``ok`` when the signature and every file verify;
    else ``bad_path`` names the first member that does not, and ``reason`` why."""

    ok: bool
    key_source: str  # "given" (a key obtained apart from the bundle) or "bundle"
    key_id: str
    fingerprint: str
    files: list[BundleFile] = field(default_factory=list)
    created_at: str = ""
    registry: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    bad_path: str | None = None
    reason: str = ""
    bundle_key_id: str | None = None  # the key the bundle carries, when it carries one

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_source": self.key_source,
            "key_id": self.key_id,
            "fingerprint": self.fingerprint,
            "bundle_key_id": self.bundle_key_id,
            "created_at": self.created_at,
            "registry": self.registry,
            "metadata": self.metadata,
            "files": len(self.files),
            "bytes": sum(f.size for f in self.files),
            "bad_path": self.bad_path,
            "reason": self.reason,
        }


def _fail(message: str, **payload: Any) -> LedgerError:
    return LedgerError(f"evidence bundle cannot be read: {message}", **payload)


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise _fail(f"it has no {name}", missing=name) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _fail(f"{name} is damaged ({exc})", path=name) from None


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int] | str:
    """SHA-256 and size of a member, streamed; a text saying why when it cannot be read."""
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        return f"its bytes do not match the zip's checksum ({exc})"
    return digest.hexdigest(), size


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(f"{MANIFEST} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("version") != EVIDENCE_VERSION:
        raise _fail(f"{MANIFEST} is not a {EVIDENCE_VERSION} manifest")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("path"), str)
        and isinstance(f.get("sha256"), str)
        and type(f.get("size")) is int
        for f in files
    ):
        raise _fail(f"{MANIFEST} has no list of files with path, sha256 and size")
    return manifest


def _choose_key(
    zf: zipfile.ZipFile, trusted: Ed25519PublicKey | None
) -> tuple[Ed25519PublicKey, str, str | None]:
    """The key to check with, where it came from, and the bundle's own key id (if any)."""
    carried: Ed25519PublicKey | None = None
    if PUBLIC_KEY in zf.namelist():
        try:
            carried = load_public_key_pem(_member(zf, PUBLIC_KEY))
        except ValidationError:
            carried = None
    carried_id = key_id(carried) if carried is not None else None
    if trusted is not None:
        return trusted, "given", carried_id
    if carried is None:
        raise _fail(
            f"it carries no readable {PUBLIC_KEY} and no key was given; "
            "give the registry's public key"
        )
    return carried, "bundle", carried_id


def verify_bundle(data: bytes, public_key: Ed25519PublicKey | None = None) -> BundleReport:
    """Check a bundle offline: the manifest's signature, then each file's bytes.

    ``public_key``: the registry's key, obtained apart from the bundle (trusted); ``None``
    uses the key the bundle carries, which proves integrity only. Returns a report (``ok``
    or the first member that does not match); raises :class:`LedgerError` when the data is
    not a bundle at all (not a zip, no manifest, no signature).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _fail(f"it is not a zip ({exc})") from None
    with zf:
        key, source, carried_id = _choose_key(zf, public_key)
        report = BundleReport(
            ok=False,
            key_source=source,
            key_id=key_id(key),
            fingerprint=fingerprint(key),
            bundle_key_id=carried_id,
        )
        manifest_bytes = _member(zf, MANIFEST)
        problem = _check_signature(zf, manifest_bytes, key)
        if problem:
            return _bad(report, MANIFEST, problem)
        manifest = _parse_manifest(manifest_bytes)
        report = replace(
            report,
            created_at=str(manifest.get("created_at", "")),
            registry=str(manifest.get("registry", "")),
            metadata=manifest.get("metadata") or {},
            files=[BundleFile(f["path"], f["sha256"], f["size"]) for f in manifest["files"]],
        )
        return _check_files(zf, report)


def _check_signature(zf: zipfile.ZipFile, manifest: bytes, key: Ed25519PublicKey) -> str:
    sig_text = _member(zf, SIGNATURE).strip()
    try:
        key.verify(base64.urlsafe_b64decode(sig_text + b"=="), manifest)
    except (InvalidSignature, binascii.Error, ValueError):
        return (
            f"its bytes do not match the signature in {SIGNATURE} by key {key_id(key)}: "
            "the manifest or its signature was altered, or another key signed it"
        )
    return ""


def _check_files(zf: zipfile.ZipFile, report: BundleReport) -> BundleReport:
    names = zf.namelist()
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        return _bad(report, duplicated[0], "the zip holds it more than once")
    listed = set()
    for f in report.files:
        listed.add(f.path)
        if f.path not in names:
            return _bad(report, f.path, "the manifest lists it but the zip lacks it")
        got = _hash_member(zf, f.path)
        if isinstance(got, str):
            return _bad(report, f.path, got)
        if got[0] != f.sha256 or got[1] != f.size:
            return _bad(
                report,
                f.path,
                f"its bytes do not match the manifest (SHA-256 {got[0]}, {got[1]} bytes; "
                f"the manifest says {f.sha256}, {f.size} bytes)",
            )
    extra = [n for n in names if n not in listed and n not in RESERVED]
    if extra:
        return _bad(report, extra[0], "the zip holds it but the signed manifest does not list it")
    return replace(report, ok=True)


def _bad(report: BundleReport, path: str, reason: str) -> BundleReport:
    return replace(report, ok=False, bad_path=path, reason=reason)
