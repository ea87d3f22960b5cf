"""Readers for headers, HTML, EPUB, PDF, image XMP, CAWG, ai.txt, TDM-AI and read_file."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from consentry.errors import SignalError
from consentry.registry.purposes import Purpose
from consentry.signals import aipref, aitxt, c2pa, epub, headers, html, iptc, pdf
from consentry.signals.model import Carrier, SignalStatus
from consentry.signals.read import carrier_of, read_file, read_signal

P = Purpose
D, L, A, U = (
    SignalStatus.DISALLOWED,
    SignalStatus.LICENCE,
    SignalStatus.ALLOWED,
    SignalStatus.UNKNOWN,
)
AI = (P.AI_TRAIN, P.AI_INPUT, P.AI_INDEX)

XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:tdm="{ns}" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">
{body}
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


# --- headers -------------------------------------------------------------------------------


def test_headers_scoped_x_robots_tag_applies_only_to_its_agent() -> None:
    dump = "X-Robots-Tag: GPTBot: noai\nX-Robots-Tag: unavailable_after: 2030-01-01\n"
    assert headers.parse(dump, agent="GPTBot").purposes[P.AI_TRAIN] is D
    assert headers.parse(dump, agent="*").purposes[P.AI_TRAIN] is U
    assert headers.parse(dump, agent="CCBot").purposes[P.AI_TRAIN] is U


def test_headers_mixed_case_repeated_and_body_ignored() -> None:
    dump = (
        "HTTP/2 200\r\nx-robots-tag: noindex\r\nTDM-Reservation: 0\r\nTdm-Reservation: 1\r\n"
        'Link: </rsl.xml>; rel="license"; type="application/rsl+xml", </a>; rel="next"\r\n'
        "\r\nX-Robots-Tag: noai\r\n"
    )
    s = headers.parse(dump)
    assert s.purposes[P.SEARCH] is D
    assert s.tdm_reservation == 1
    assert s.purposes[P.TDM] is D
    assert s.purposes[P.AI_TRAIN] is D  # from tdm-reservation, not the body's X-Robots-Tag
    assert s.licence_urls == ("/rsl.xml",)
    assert any("different values" in d for d in s.diagnostics)


def test_headers_tdm_reservation_protocol_errors_leave_it_unset() -> None:
    for bad in ("2", "true", "yes", ""):
        s = headers.parse(f"tdm-reservation: {bad}\n")
        assert s.tdm_reservation is None, bad
        assert s.purposes[P.TDM] is U
    s = headers.parse("tdm-reservation: 2\n")
    assert any("protocol error" in d for d in s.diagnostics)


def test_headers_content_usage_and_signal_combine_restrictively() -> None:
    s = headers.from_pairs([("Content-Usage", "train-ai=y"), ("content-signal", "ai-train=no")])
    assert s.purposes[P.AI_TRAIN] is D
    bad = headers.from_pairs([("Content-Usage", "Train-AI=n")])
    assert bad.purposes[P.AI_TRAIN] is U
    assert any("not a structured-field dictionary" in d for d in bad.diagnostics)


def test_aipref_vocab_history() -> None:
    got, _ = aipref.parse_content_usage("train-genai=y, search=n")
    assert got == {P.SEARCH: D}  # a narrower 'y' grants nothing
    got, _ = aipref.parse_content_usage("train-genai=n")
    assert got == {P.AI_TRAIN: D}
    got, _ = aipref.parse_content_usage("all=n, search=y")
    assert got[P.TDM] is D and got[P.SEARCH] is D  # most restrictive within one value
    got, _ = aipref.parse_content_usage("train-ai=n, train-ai=y")
    assert got == {P.AI_TRAIN: A}  # RFC 9651: the last duplicate wins


# --- HTML ----------------------------------------------------------------------------------


def test_html_per_agent_meta_link_and_inline_rsl() -> None:
    page = """<html><head>
    <meta name="GPTBot" content="noai">
    <meta name="tdm-reservation" content=" 1 ">
    <meta name="tdm-policy" content="https://x/policy.json">
    <link rel="license" type="application/rsl+xml" href="https://x/license.xml">
    <script type="application/rsl+xml"><rsl xmlns="https://rslstandard.org/rsl">
      <content url="/"><license><permits type="usage">search</permits></license></content></rsl>
    </script></head><body>text</body></html>"""
    gpt = html.parse(page, agent="GPTBot", url="https://x/")
    assert gpt.purposes[P.AI_INPUT] is D
    assert gpt.purposes[P.SEARCH] is A  # inline RSL: search free
    assert gpt.tdm_reservation == 1 and gpt.policy_url == "https://x/policy.json"
    assert gpt.licence_urls == ("https://x/license.xml",)
    star = html.parse(page, agent="*")
    assert star.other_purposes == {P.SEARCH: A}
    assert any("another crawler" in d for d in star.diagnostics)


def test_html_empty_and_garbage() -> None:
    assert html.parse("").diagnostics
    assert html.parse(b"\x00\xff<<<").purposes[P.TDM] is U


# --- EPUB ----------------------------------------------------------------------------------


def _epub(opf: str, *, container: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        if container:
            z.writestr(
                "META-INF/container.xml",
                '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
                '<rootfiles><rootfile full-path="OEBPS/content.opf" '
                'media-type="application/oebps-package+xml"/></rootfiles></container>',
            )
        z.writestr("OEBPS/content.opf", opf)
    return buf.getvalue()


EPUB2 = """<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title>
<meta name="tdm:reservation" content="1"/><meta name="tdm:policy" content="https://p/x.json"/>
</metadata></package>"""
EPUB3 = """<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"
 prefix="rep: http://www.w3.org/ns/tdmrep#"><metadata><meta property="rep:reservation">0</meta>
</metadata></package>"""


def test_epub2_and_epub3() -> None:
    two = epub.parse(_epub(EPUB2))
    assert two.tdm_reservation == 1 and two.policy_url == "https://p/x.json"
    assert two.purposes[P.AI_TRAIN] is D and two.purposes[P.SEARCH] is U
    three = epub.parse(_epub(EPUB3, container=False))
    assert three.tdm_reservation == 0 and three.purposes[P.TDM] is A
    assert any("first .opf" in d for d in three.diagnostics)


def test_epub_without_tdm_and_not_a_zip() -> None:
    none = epub.parse(_epub(EPUB2.replace("tdm:", "x:")))
    assert none.tdm_reservation is None
    assert any("no tdm:reservation" in d for d in none.diagnostics)
    assert any("not an EPUB" in d for d in epub.parse(b"hello").diagnostics)


# --- PDF and image XMP ---------------------------------------------------------------------


def _pdf_with_xmp(xmp: str) -> bytes:
    w = PdfWriter()
    w.add_blank_page(72, 72)
    stream = DecodedStreamObject()
    stream.set_data(xmp.encode("utf-8"))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    w._root_object[NameObject("/Metadata")] = w._add_object(stream)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_pdf_xmp_tdmrep() -> None:
    xmp = XMP.format(
        ns="http://www.w3.org/ns/tdmrep/",
        body="<tdm:reservation>1</tdm:reservation><tdm:policy>https://p/pol.json</tdm:policy>",
    )
    s = pdf.parse(_pdf_with_xmp(xmp))
    assert s.carrier is Carrier.PDF
    assert s.tdm_reservation == 1 and s.policy_url == "https://p/pol.json"
    assert [s.purposes[p] for p in AI] == [D, D, D]


def test_pdf_without_metadata_and_broken_pdf() -> None:
    w = PdfWriter()
    w.add_blank_page(72, 72)
    out = io.BytesIO()
    w.write(out)
    assert any("no /Metadata" in d for d in pdf.parse(out.getvalue()).diagnostics)
    broken = pdf.parse(b"%PDF-1.7 garbage " + XMP.format(ns="x", body="").encode())
    assert any("scanned raw bytes" in d for d in broken.diagnostics)


def test_image_xmp_dmi_values_as_uri_bare_code_and_attribute() -> None:
    jpeg_head = b"\xff\xd8\xff\xe1\x10\x00http://ns.adobe.com/xap/1.0/\x00"
    uri = XMP.format(
        ns="http://www.w3.org/ns/tdmrep#",
        body='<plus:DataMining rdf:resource="http://ns.useplus.org/ldf/vocab/'
        'DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"/>',
    )
    s = iptc.parse(jpeg_head + uri.encode() + b"\xff\xd9")
    assert s.carrier is Carrier.IPTC
    assert s.purposes[P.SEARCH] is A and s.purposes[P.AI_TRAIN] is D and s.purposes[P.TDM] is D
    bare = XMP.format(ns="x", body="<plus:DataMining>DMI-PROHIBITED-AIMLTRAINING</plus:DataMining>")
    assert iptc.parse(bare.encode()).purposes[P.AI_TRAIN] is D
    attr = XMP.format(ns="x", body="").replace(
        'rdf:about=""', 'rdf:about="" plus:DataMining="DMI-PROHIBITED-SEECONSTRAINT"'
    )
    assert iptc.parse(attr.encode()).purposes[P.TDM] is L
    odd = XMP.format(ns="x", body="<plus:DataMining>DMI-MAYBE</plus:DataMining>")
    assert any("not a PLUS DMI value" in d for d in iptc.parse(odd.encode()).diagnostics)
    assert any("no XMP packet" in d for d in iptc.parse(b"\x89PNG....").diagnostics)


# --- CAWG / C2PA ---------------------------------------------------------------------------


def test_cawg_assertion_forms() -> None:
    assertion = {
        "label": "cawg.training-mining",
        "data": {
            "entries": {
                "cawg.ai_inference": {"use": "notAllowed"},
                "cawg.ai_generative_training": {"use": "allowed"},
                "cawg.ai_training": {"use": "allowed"},
                "cawg.data_mining": {"use": "allowed"},
                "com.example.custom": {"use": "notAllowed"},
            }
        },
    }
    s = c2pa.parse(json.dumps(assertion))
    assert s.purposes[P.AI_INPUT] is D
    assert s.purposes[P.AI_TRAIN] is A and s.purposes[P.TDM] is A
    assert any("not a CAWG entry" in d for d in s.diagnostics)
    store = {
        "active_manifest": "m2",
        "manifests": {
            "m1": {
                "assertions": [
                    {
                        "label": "c2pa.training-mining",
                        "data": {"entries": {"c2pa.ai_generative_training": {"use": "notAllowed"}}},
                    }
                ]
            },
            "m2": {"assertions": [{"label": "c2pa.actions", "data": {}}]},
        },
    }
    old = c2pa.parse(json.dumps(store))
    assert old.purposes[P.AI_TRAIN] is D
    assert any("C2PA 1.x" in d for d in old.diagnostics)
    bare = c2pa.parse('{"cawg.ai_training": {"use": "allowed"}}')
    assert bare.purposes[P.AI_TRAIN] is U  # only one of the two training parts
    none = c2pa.parse('{"label": "c2pa.actions"}')
    assert any("no cawg.training-mining" in d for d in none.diagnostics)


def test_cbor_diagnostic_notation_subset() -> None:
    text = """/ a comment / {"entries": {"cawg.ai_inference": {"use": "constrained",
      "constraint_info": "ask"}, "x": h'00ff', "n": 24(1),}}"""
    s = c2pa.parse(text)
    assert s.purposes[P.AI_INPUT] is D
    assert c2pa.parse_diagnostic("[1, -2.5e3, true, null, undefined]") == [
        1,
        -2500.0,
        True,
        None,
        None,
    ]
    with pytest.raises(ValueError):
        c2pa.parse_diagnostic("{1 2}")


# --- ai.txt and TDM-AI ---------------------------------------------------------------------


def test_aitxt() -> None:
    text = "# Spawning AI\nUser-Agent: *\nDisallow: *.jpg\nDisallow: /art/\nAllow: /blog/\n"
    assert aitxt.parse(text, path="/a/b.jpg").purposes[P.AI_TRAIN] is D
    assert aitxt.parse(text, path="/blog/post").purposes[P.AI_TRAIN] is A
    assert aitxt.parse(text, path="/other").purposes[P.AI_TRAIN] is U
    md = aitxt.parse("# About this site\nWe like AI.\n")
    assert any("not a Spawning ai.txt" in d for d in md.diagnostics)


def test_tdmai_declaration_values() -> None:
    s = aipref.parse_tdmai('{"all": "true", "train-genai": "false", "search": "maybe"}')
    assert s.purposes[P.TDM] is A and s.purposes[P.AI_TRAIN] is D
    assert any("'maybe'" in d for d in s.diagnostics)


# --- read_file -----------------------------------------------------------------------------


def test_read_file_resolves_and_names_bad_requests(tmp_path: Path) -> None:
    f = tmp_path / "robots.txt"
    f.write_text("User-agent: GPTBot\nDisallow: /\n")
    r = read_file(f, "robots", agent="GPTBot", url="https://x.org/page")
    assert r.purposes[P.AI_TRAIN] is D and r.agent == "GPTBot"
    assert read_signal(f, Carrier.ROBOTS).source == str(f)
    assert carrier_of("ROBOTS.TXT") is Carrier.ROBOTS
    with pytest.raises(SignalError, match=r"carrier .fax.*expected one of"):
        read_file(f, "fax")
    with pytest.raises(SignalError, match="carrier 'registry'"):
        carrier_of("registry")
    with pytest.raises(SignalError, match=r"cannot read .*missing\.txt"):
        read_file(tmp_path / "missing.txt", "robots")
