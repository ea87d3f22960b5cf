"""C2PA for real (issue 9): signed manifests written into and read from JPEG, PNG and PDF.

The files are made in the tests (Pillow, pikepdf), never downloaded. The independent reader
is the C2PA reference library itself (``c2pa-python``, c2pa-rs): it must find our assertion,
our signer and report the state consentry reports. CAWG training-and-data-mining 1.x:
entries ``{"use": "allowed" | "notAllowed" | "constrained"}``; "In the absence of additional
information, constrained shall be treated as equivalent to notAllowed".
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import c2pa
import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.c2pa_media import assertion_states, read_media
from consentry.signals.c2pa_signing import issue_signing_credentials
from consentry.signals.model import SignalStatus
from consentry.signals.read import parse_bytes
from consentry.signals.resolve import resolve
from consentry.signals.write import WriteOptions, write
from consentry.signals.write.c2pa import assertion

P = Purpose
A, D, U = SignalStatus.ALLOWED, SignalStatus.DISALLOWED, SignalStatus.UNKNOWN
NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
REGISTRY_KEY = Ed25519PrivateKey.generate()
CREDS = issue_signing_credentials(REGISTRY_KEY, Ed25519PrivateKey.generate(), now=NOW)
OPTS = WriteOptions(contact="rights@example.org", c2pa=CREDS)
TERMS = TermsSet.from_statuses(
    {P.TDM: Status.ALLOWED, P.AI_TRAIN: Status.RESERVED, P.AI_INPUT: Status.LICENCE}
)


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (40, 90, 160)).save(buf, fmt)
    return buf.getvalue()


def blank_pdf() -> bytes:
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(200, 200))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def reference_reader(data: bytes, mime: str, anchors: bytes | None = None) -> c2pa.Reader:
    settings: dict[str, object] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors:
        settings["trust"] = {"trust_anchors": anchors.decode()}
    return c2pa.Reader(mime, io.BytesIO(data), context=c2pa.Context.from_dict(settings))


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_signed_manifest_round_trips_through_c2pa_python_and_consentry(fmt: str, mime: str) -> None:
    out = write(TERMS, "c2pa", options=OPTS, data=image(fmt))
    Image.open(io.BytesIO(out)).load()  # still a decodable image
    # the reference library reads our assertion, our signer, and validates the signature
    with reference_reader(out, mime) as r:
        store = json.loads(r.json())
        active = store["manifests"][store["active_manifest"]]
        [tm] = [a for a in active["assertions"] if a["label"] == "cawg.training-mining"]
        assert tm["data"] == assertion(TERMS, OPTS)["data"]
        assert tm["data"]["entries"]["cawg.ai_inference"] == {
            "use": "constrained",
            "constraint_info": "only under licence: mailto:rights@example.org",
        }
        assert active["signature_info"]["alg"] == "Ed25519"
        assert active["signature_info"]["common_name"] == "consentry C2PA signer"
        assert r.get_validation_state() == "Valid"  # signed; the signer is not trusted yet
    with reference_reader(out, mime, CREDS.trust_anchor_pem) as r:
        assert r.get_validation_state() == "Trusted"
    # consentry's reader: same states, decisions from the CAWG entries
    [st] = assertion_states(out)
    assert (st.label, st.state, st.active) == ("cawg.training-mining", "signed", True)
    [st] = assertion_states(out, trust_anchors=CREDS.trust_anchor_pem)
    assert st.state == "trusted"
    got = resolve([parse_bytes(out, "c2pa", trust_anchors=CREDS.trust_anchor_pem)]).purposes
    assert got == {P.TDM: A, P.AI_TRAIN: D, P.AI_INPUT: D, P.AI_INDEX: U, P.SEARCH: U}


def test_the_signing_certificate_is_issued_by_the_registry_key() -> None:
    """Documented choice: the registry's key is the CA (self-signed anchor) and issues the
    end-entity certificate; c2pa-rs accepts Ed25519 ("ed25519")."""
    leaf_pem, ca_pem = CREDS.chain_pem.split(b"-----END CERTIFICATE-----\n", 1)
    leaf = x509.load_pem_x509_certificate(leaf_pem + b"-----END CERTIFICATE-----\n")
    ca = x509.load_pem_x509_certificate(ca_pem)
    assert ca.public_key() == REGISTRY_KEY.public_key()
    leaf.verify_directly_issued_by(ca)  # signed by the registry's key
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert CREDS.trust_anchor_pem == ca_pem


def test_a_tampered_assertion_is_reported_and_grants_nothing() -> None:
    """C2PA validation: a changed assertion no longer matches its hashed URI in the claim
    (``assertion.hashedURI.mismatch``); a changed image no longer matches the data hash.
    Either way the assertion is "tampered": its restrictions still count, its grants do not."""
    allowed_all = TermsSet.from_statuses(dict.fromkeys(ALL_PURPOSES, Status.ALLOWED))
    signed = write(allowed_all, "c2pa", options=OPTS, data=image("JPEG"))
    at = signed.index(b"ai_inference")
    edited = signed[:at] + b"bi_inference" + signed[at + len(b"ai_inference") :]
    [st] = assertion_states(edited, trust_anchors=CREDS.trust_anchor_pem)
    assert st.state == "tampered"
    assert any("assertion.hashedURI.mismatch" in f for f in st.failures)
    got = resolve([read_media(edited, trust_anchors=CREDS.trust_anchor_pem)]).purposes
    assert all(s is not A for s in got.values())  # nothing granted by a tampered assertion
    with reference_reader(edited, "image/jpeg", CREDS.trust_anchor_pem) as r:
        assert r.get_validation_state() == "Invalid"
    # the pixels changed after signing
    reserved = write(TermsSet.from_statuses({}), "c2pa", options=OPTS, data=image("JPEG"))
    scan = reserved.rindex(b"\xff\xda")
    changed = bytearray(reserved)
    changed[scan + 20] ^= 0xFF
    [st] = assertion_states(bytes(changed))
    assert st.state == "tampered" and any("dataHash" in f for f in st.failures)
    got = resolve([read_media(bytes(changed))]).purposes
    assert got[P.AI_TRAIN] is D  # a reservation still counts


def test_pdf_manifest_is_read_and_an_unsigned_file_says_so() -> None:
    out = write(TERMS, "c2pa", options=OPTS, data=blank_pdf())
    with pikepdf.open(io.BytesIO(out)) as doc:  # still a PDF to an independent reader
        assert len(doc.pages) == 1
    with reference_reader(out, "application/pdf") as r:
        assert "cawg.training-mining" in r.json()
    [st] = assertion_states(out)
    assert st.state == "signed"
    assert resolve([parse_bytes(out, "c2pa")]).purposes[P.AI_TRAIN] is D
    plain = read_media(image("PNG"))
    assert plain.purposes == dict.fromkeys(ALL_PURPOSES, U)
    assert "no C2PA manifest" in plain.diagnostics[0]


def test_cli_signs_with_the_registry_key_and_reads_back_trusted(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from consentry.cli.app import build_app

    src, out, home = tmp_path / "in.jpg", tmp_path / "out.jpg", tmp_path / "home"
    src.write_bytes(image("JPEG"))
    runner, app = CliRunner(), build_app()
    res = runner.invoke(
        app,
        ["signals", "write", "--format", "c2pa", "--terms", "tdm=allowed;search=allowed",
         "--in", str(src), "--out", str(out), "--home", str(home)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (home / "c2pa-ca.pem").exists() and (home / "c2pa-signing-key.pem").exists()
    res = runner.invoke(
        app, ["signals", "read", str(out), "--carrier", "c2pa", "--home", str(home)]
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["purposes"]["ai-train"] == "disallowed" and body["purposes"]["tdm"] == "allowed"
    assert any(": trusted" in d for s in body["signals"] for d in s["diagnostics"])


@pytest.mark.parametrize(
    "data", [b"\xff\xd8\xff\xe0junk" * 3, b"\x89PNG\r\n\x1a\n" + b"x" * 20, b"%PDF-1.4 x", b"GIF89a"]
)
def test_unparseable_files_are_a_diagnostic_not_a_crash(data: bytes) -> None:
    sig = parse_bytes(data, "c2pa", source="bad")
    assert sig.purposes == dict.fromkeys(ALL_PURPOSES, U)
    assert sig.diagnostics and "tampered" not in sig.diagnostics[0]
