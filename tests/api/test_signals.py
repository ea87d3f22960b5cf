"""Signals from the registry over HTTP: what `consentry signals write` writes, read back."""

from __future__ import annotations

import io
import zipfile

from consentry.bootstrap import Registry
from consentry.registry.purposes import Purpose
from consentry.signals import epub, tdmrep
from consentry.signals.model import SignalStatus
from tests.api.conftest import ApiClient, World


def _epub() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title>'
            "</metadata></package>",
        )
    return buf.getvalue()


def test_work_terms_as_tdmrep_read_back(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    terms = client.get(f"/v1/works/{world.work}/terms", headers=h).json()
    r = client.get(f"/v1/works/{world.work}/signals/tdmrep", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    parsed = tdmrep.parse(r.content, source="api")
    reserved = terms["terms"]["ai-train"] != "allowed"
    expected = SignalStatus.DISALLOWED if reserved else SignalStatus.ALLOWED
    assert parsed.purposes[Purpose.AI_TRAIN] in (expected, SignalStatus.LICENCE)


def test_robots_for_a_party_and_errors_name_the_value(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    r = client.get(
        f"/v1/parties/{world.creator}/signals/robots?site_url=https://example.org", headers=h
    )
    assert r.status_code == 200 and "User-agent:" in r.text
    bad = client.get(f"/v1/works/{world.work}/signals/robotz", headers=h)
    assert bad.status_code == 422
    assert bad.json()["value"] == "robotz" and "robots" in bad.json()["expected"]
    missing = client.get("/v1/works/nope/signals/robots", headers=h)
    assert missing.status_code == 404
    url = client.get(f"/v1/works/{world.work}/signals/robots?site_url=ftp://x", headers=h)
    assert url.status_code == 422 and url.json()["value"] == "ftp://x"


def test_terms_written_into_an_epub(client: ApiClient, world: World) -> None:
    h = world.headers("developer")
    r = client.post(f"/v1/works/{world.work}/signals/epub", content=_epub(), headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/epub+zip"
    parsed = epub.parse(r.content, source="book.epub")
    assert parsed.purposes[Purpose.TDM] in (SignalStatus.DISALLOWED, SignalStatus.LICENCE)
    broken = client.post(f"/v1/works/{world.work}/signals/epub", content=b"not a zip", headers=h)
    assert broken.status_code == 422


def test_terms_signed_into_an_image_as_c2pa(
    client: ApiClient, world: World, registry: Registry
) -> None:
    """POST .../signals/c2pa: a signed manifest with the work's training-mining assertion,
    signed with a certificate the registry's key issued; trusted with its c2pa-ca.pem."""
    from PIL import Image

    from consentry.ledger.c2pa_keys import CA_CERT
    from consentry.signals.c2pa_media import assertion_states

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    h = world.headers("developer")
    r = client.post(f"/v1/works/{world.work}/signals/c2pa", content=buf.getvalue(), headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    anchors = (registry.settings.home / CA_CERT).read_bytes()
    [state] = assertion_states(r.content, trust_anchors=anchors)
    assert state.state == "trusted" and state.label == "cawg.training-mining"
