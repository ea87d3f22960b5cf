"""Evidence bundles verify offline; one changed byte anywhere is found and named (issue 11:
"exit 1 naming the first file whose bytes do not match")."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consentry.errors import LedgerError, ValidationError
from consentry.ledger.evidence import (
    EvidenceBundleBuilder,
    fingerprint,
    verify_bundle,
)
from consentry.ledger.receipts import key_id

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
EML = b"Message-ID: <n1@registry.example>\r\nSubject: Notice\r\n\r\n" + b"Dear developer.\r\n" * 50


def bundle() -> bytes:
    b = EvidenceBundleBuilder(
        created_at=NOW, registry="https://registry.example", metadata={"campaign_id": "c1"}
    )
    b.add_file("notices/n1/notice.eml", EML)
    b.add_file("notices/n1/notice.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4)
    b.add_json("mandates.json", [{"mandate_id": "m1", "evidence": "form 1"}])
    return b.build(KEY)


def rezip(
    data: bytes, change: dict[str, bytes] | None = None, drop: str = "", add: str = ""
) -> bytes:
    """The bundle rewritten member by member: some replaced, one dropped, one added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name != drop:
                dst.writestr(name, (change or {}).get(name, src.read(name)))
        if add:
            dst.writestr(add, b"unlisted")
    return out.getvalue()


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_bundle_verifies_with_its_own_key_and_with_the_registry_key() -> None:
    data = bundle()
    assert data == bundle()  # deterministic
    own = verify_bundle(data)
    assert own.ok and own.bad_path is None
    assert own.key_source == "bundle"  # integrity only: anyone can sign and enclose a key
    assert own.key_id == key_id(KEY.public_key())
    assert own.fingerprint == fingerprint(KEY.public_key())
    assert own.fingerprint.startswith("SHA256:") and own.fingerprint[7:23] == own.key_id
    assert [f.path for f in own.files] == [
        "notices/n1/notice.eml",
        "notices/n1/notice.pdf",
        "mandates.json",
    ]
    assert own.metadata == {"campaign_id": "c1"} and own.created_at == "2026-12-06T02:00:00.000000Z"
    given = verify_bundle(data, KEY.public_key())
    assert given.ok and given.key_source == "given"


def test_one_changed_byte_in_one_file_is_named() -> None:
    data = bundle()
    bad = rezip(
        data,
        {
            "notices/n1/notice.pdf": flip(
                zipfile.ZipFile(io.BytesIO(data)).read("notices/n1/notice.pdf"), 100
            )
        },
    )
    report = verify_bundle(bad, KEY.public_key())
    assert not report.ok
    assert report.bad_path == "notices/n1/notice.pdf"
    assert "do not match the manifest" in report.reason


def test_a_byte_flipped_in_the_archive_itself_is_named() -> None:
    data = bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("notices/n1/notice.eml")
    # the member's data starts after its local header (30 bytes, name, extra)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    report = verify_bundle(flip(data, start + 5), KEY.public_key())
    assert not report.ok and report.bad_path == "notices/n1/notice.eml"


def test_a_changed_manifest_or_signature_fails_on_the_manifest() -> None:
    data = bundle()
    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest = zf.read("manifest.json")
    edited = manifest.replace(b'"c1"', b'"c2"')
    assert edited != manifest
    for bad in (
        rezip(data, {"manifest.json": edited}),
        rezip(data, {"manifest.sig": flip(zf.read("manifest.sig"), 10)}),
    ):
        report = verify_bundle(bad, KEY.public_key())
        assert not report.ok and report.bad_path == "manifest.json", report
        assert "signature" in report.reason


def test_a_bundle_signed_by_another_key_fails_against_the_registry_key() -> None:
    b = EvidenceBundleBuilder(created_at=NOW)
    b.add_file("a.txt", b"a")
    forged = b.build(OTHER)
    assert verify_bundle(forged).ok  # intact, and signed by the key it carries ...
    report = verify_bundle(forged, KEY.public_key())  # ... but not by the registry
    assert not report.ok and report.bad_path == "manifest.json"
    assert report.bundle_key_id == key_id(OTHER.public_key())
    assert report.key_id == key_id(KEY.public_key())


def test_missing_and_unlisted_files_are_named() -> None:
    data = bundle()
    missing = verify_bundle(rezip(data, drop="mandates.json"), KEY.public_key())
    assert missing.bad_path == "mandates.json" and "lacks it" in missing.reason
    extra = verify_bundle(rezip(data, add="notices/n2/extra.eml"), KEY.public_key())
    assert extra.bad_path == "notices/n2/extra.eml" and "does not list it" in extra.reason


def test_what_is_not_a_bundle_and_bad_paths_are_refused() -> None:
    with pytest.raises(LedgerError, match="not a zip"):
        verify_bundle(b"PK not really")
    with pytest.raises(LedgerError, match=r"no manifest\.json"):
        verify_bundle(rezip(bundle(), drop="manifest.json"), KEY.public_key())
    with pytest.raises(LedgerError, match=r"no readable public-key\.pem"):
        verify_bundle(rezip(bundle(), drop="public-key.pem"))
    b = EvidenceBundleBuilder(created_at=NOW)
    for path in ("", "/etc/passwd", "a/../b", "a//b", "manifest.json", "a\\b"):
        with pytest.raises(ValidationError, match="evidence path"):
            b.add_file(path, b"x")
    b.add_file("a", b"x")
    with pytest.raises(ValidationError, match="added already"):
        b.add_file("a", b"y")
    with pytest.raises(ValidationError, match="no time zone"):
        EvidenceBundleBuilder(created_at=datetime(2026, 1, 1))


def test_the_command_verifies_offline_and_names_the_bad_file(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from typer.testing import CliRunner

    from consentry.cli.app import build_app

    runner = CliRunner()
    good, bad, pem, other = (tmp_path / n for n in ("good.zip", "bad.zip", "k.pem", "o.pem"))
    data = bundle()
    good.write_bytes(data)
    inner = zipfile.ZipFile(io.BytesIO(data)).read("notices/n1/notice.eml")
    bad.write_bytes(rezip(data, {"notices/n1/notice.eml": flip(inner, 40)}))
    for key, path in ((KEY, pem), (OTHER, other)):
        path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    r = runner.invoke(build_app(), ["evidence", "verify", str(good), "--public-key", str(pem)])
    assert r.exit_code == 0, r.stderr
    assert "evidence OK: 3 files" in r.stdout
    assert f"fingerprint {fingerprint(KEY.public_key())}" in r.stdout
    assert "the registry key given with --public-key" in r.stdout
    r = runner.invoke(build_app(), ["evidence", "verify", str(good)])
    assert r.exit_code == 0 and "proves the bundle is intact, not who made it" in r.stdout
    r = runner.invoke(build_app(), ["evidence", "verify", str(bad), "--public-key", str(pem)])
    assert r.exit_code == 1
    assert "evidence BROKEN: notices/n1/notice.eml: its bytes do not match" in r.stderr
    r = runner.invoke(build_app(), ["evidence", "verify", str(good), "--public-key", str(other)])
    assert r.exit_code == 1 and "evidence BROKEN: manifest.json" in r.stderr
    assert f"the bundle carries key {key_id(KEY.public_key())}" in r.stderr
    r = runner.invoke(build_app(), ["evidence", "verify", str(bad), "--json"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["bad_path"] == "notices/n1/notice.eml"
    r = runner.invoke(build_app(), ["evidence", "verify", str(pem)])
    assert r.exit_code == 1 and "not a zip" in r.stderr
