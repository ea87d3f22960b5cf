"""Every carrier written from terms and read back with the readers gives the same decisions.

For every combination of statuses over the five purposes (3**5 = 243), each carrier is
written, read back with its reader, resolved, and compared with what that carrier *can* say.
Where a carrier cannot express a purpose or a status the expectation says so explicitly:

* TDMRep (tdmrep.json, headers, HTML, EPUB, PDF, XMP) is one bit for tdm, ai-train,
  ai-input and ai-index, and says nothing about search. 0 only when all four are allowed;
  otherwise 1, which reads "licence" only with the ODRL policy document (tdmrep.json round
  trip is given the policy), else "disallowed".
* yes/no vocabularies (Content-Usage, Content-Signal, X-Robots-Tag, ai.txt) have no
  "licence": licence reads "disallowed" (the offer is linked, not stated).
* robots.txt cannot split one crawler's purposes: a catalogue agent is blocked when any
  purpose it serves is not allowed; for ``*`` only search (crawl), ai-train and ai-input
  (usage lines) are expressed unless nothing at all is allowed.
* RSL has no token for tdm alone: tdm is expressed only when all five statuses agree.
* C2PA (CAWG training-mining, signed into JPEG and PNG, read through c2pa-python): tdm,
  ai-train and ai-input; "licence" is written ``constrained``, which CAWG reads as
  ``notAllowed`` absent other information; ai-index and search are not expressed.
* Safety, for every carrier: a decision read back is never more permissive than the terms.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
import zlib

import pytest
from pypdf import PdfWriter

from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import PurposeTerms, TermsSet
from consentry.signals import aitxt, epub, headers, html, iptc, pdf, robots, rsl, tdmrep
from consentry.signals.agents import load_catalogue
from consentry.signals.model import RESTRICTIVENESS, ParsedSignal, SignalStatus
from consentry.signals.purposes import IPTC_DMI, TDMREP_PURPOSES, most_restrictive
from consentry.signals.resolve import resolve
from consentry.signals.write import FORMATS, WriteOptions, write
from consentry.signals.write.iptc import dmi_code

A, L, D, U = (
    SignalStatus.ALLOWED,
    SignalStatus.LICENCE,
    SignalStatus.DISALLOWED,
    SignalStatus.UNKNOWN,
)
P = Purpose
SIG = {Status.RESERVED: D, Status.LICENCE: L, Status.ALLOWED: A}
OPTS = WriteOptions(site_url="https://example.org", contact="rights@example.org")
ALL_TERMS = [
    TermsSet.from_statuses(
        dict(zip(ALL_PURPOSES, combo, strict=True)),
        attribution_required=True,
        licence_url="https://example.org/licensing",
    )
    for combo in itertools.product(tuple(Status), repeat=len(ALL_PURPOSES))
]


def ids(t: TermsSet) -> str:
    return ";".join(f"{p.value}={t.status(p).value}" for p in ALL_PURPOSES)


def decisions(signal: ParsedSignal, agent: str = "*") -> dict[Purpose, SignalStatus]:
    return resolve([signal], agent=agent).purposes


def tdm_bit(t: TermsSet, *, policy_read: bool) -> SignalStatus:
    statuses = [t.status(p) for p in TDMREP_PURPOSES]
    if all(s is Status.ALLOWED for s in statuses):
        return A
    if not any(s is Status.RESERVED for s in statuses) and policy_read:
        return L
    return D


def yn(t: TermsSet, p: Purpose) -> SignalStatus:
    return A if t.status(p) is Status.ALLOWED else D


def assert_safe(t: TermsSet, got: dict[Purpose, SignalStatus], carrier: str) -> None:
    for p in ALL_PURPOSES:
        if got[p] is U:
            continue
        assert RESTRICTIVENESS.index(got[p]) <= RESTRICTIVENESS.index(SIG[t.status(p)]), (
            f"{carrier}: {p.value} read {got[p].value}, more permissive than {ids(t)}"
        )


def check(
    t: TermsSet, got: dict[Purpose, SignalStatus], want: dict[Purpose, SignalStatus], carrier: str
) -> None:
    assert got == want, f"{carrier} for {ids(t)}"
    assert_safe(t, got, carrier)


# --- expectations per carrier --------------------------------------------------------------


def want_tdmrep(t: TermsSet) -> dict[Purpose, SignalStatus]:
    bit = tdm_bit(t, policy_read=True)
    return {p: bit if p in TDMREP_PURPOSES else U for p in ALL_PURPOSES}


def want_headers(t: TermsSet) -> dict[Purpose, SignalStatus]:
    bit = tdm_bit(t, policy_read=False)  # the header reader does not fetch tdm-policy
    return {
        P.TDM: bit,
        P.AI_TRAIN: most_restrictive(bit, yn(t, P.AI_TRAIN)),  # Content-Usage + Content-Signal
        P.AI_INPUT: most_restrictive(bit, yn(t, P.AI_INPUT)),  # Content-Signal
        P.AI_INDEX: bit,  # only TDMRep (and X-Robots-Tag noai) speak for it
        P.SEARCH: yn(t, P.SEARCH),
    }


def want_html(t: TermsSet) -> dict[Purpose, SignalStatus]:
    bit = tdm_bit(t, policy_read=False)
    out = {p: bit for p in TDMREP_PURPOSES}
    # meta robots noindex says "no" to search; HTML has no way to say "yes" to it
    out[P.SEARCH] = D if t.status(P.SEARCH) is Status.RESERVED else U
    return out


def want_epub(t: TermsSet) -> dict[Purpose, SignalStatus]:
    bit = tdm_bit(t, policy_read=False)
    return {p: bit if p in TDMREP_PURPOSES else U for p in ALL_PURPOSES}


def want_xmp(t: TermsSet) -> dict[Purpose, SignalStatus]:
    """TDMRep bit and the PLUS DMI code, combined most restrictively."""
    bit = tdm_bit(t, policy_read=False)
    dmi = IPTC_DMI[dmi_code(t)]
    return {
        p: most_restrictive(
            *(s for s in (bit if p in TDMREP_PURPOSES else U, dmi.get(p, U)) if s is not U)
        )
        for p in ALL_PURPOSES
    }


def want_rsl(t: TermsSet) -> dict[Purpose, SignalStatus]:
    uniform = len({t.status(p) for p in ALL_PURPOSES}) == 1
    out = {p: SIG[t.status(p)] for p in ALL_PURPOSES}
    if not uniform:
        nothing_offered = all(
            t.status(p) is Status.RESERVED for p in ALL_PURPOSES if p is not P.TDM
        )
        out[P.TDM] = D if nothing_offered else U  # RSL has no token for tdm alone
    return out


def want_aitxt(t: TermsSet) -> dict[Purpose, SignalStatus]:
    both = A if t.status(P.TDM) is Status.ALLOWED and t.status(P.AI_TRAIN) is Status.ALLOWED else D
    return {p: both if p in (P.TDM, P.AI_TRAIN) else U for p in ALL_PURPOSES}


def want_robots(t: TermsSet, agent: str) -> dict[Purpose, SignalStatus]:
    cat = load_catalogue()
    found = cat.get(agent) if agent != "*" else None
    out: dict[Purpose, SignalStatus] = dict.fromkeys(ALL_PURPOSES, U)
    usage = {
        P.AI_TRAIN: yn(t, P.AI_TRAIN),
        P.AI_INPUT: yn(t, P.AI_INPUT),
        P.SEARCH: yn(t, P.SEARCH),
    }
    if found is not None:
        if all(t.status(p) is Status.ALLOWED for p in found.purposes):
            out.update(dict.fromkeys(found.purposes, A))
            for p, s in usage.items():
                out[p] = most_restrictive(*(x for x in (out[p], s) if x is not U))
        else:  # blocked group: Disallow only, no usage lines
            out.update(dict.fromkeys(found.purposes, D))
        return out
    if not any(t.status(p) is Status.ALLOWED for p in ALL_PURPOSES):
        return dict.fromkeys(ALL_PURPOSES, D)
    out[P.SEARCH] = A  # crawl allowed by the * group
    for p, s in usage.items():
        out[p] = most_restrictive(*(x for x in (out[p], s) if x is not U))
    return out


# --- round trips ---------------------------------------------------------------------------


def test_every_format_is_covered_by_a_round_trip() -> None:
    covered = {
        "robots",
        "tdmrep",
        "tdmrep-policy",
        "headers",
        "nginx",
        "apache",
        "caddy",
        "cloudflare",
        "html",
        "rsl",
        "xmp",
        "aitxt",
        "epub",
        "pdf",
        "image",
        "c2pa",
    }
    assert set(FORMATS) == covered


def test_tdmrep_file_and_policy_round_trip() -> None:
    for t in ALL_TERMS:
        body = write(t, "tdmrep", options=OPTS)
        value, _ = (1, None) if tdm_bit(t, policy_read=False) is D else (0, None)
        policy = None
        if tdm_bit(t, policy_read=True) is L:
            policy = write(t, "tdmrep-policy", options=OPTS)
        got = decisions(tdmrep.parse(body, source="tdmrep.json", path="/a/page", policy=policy))
        check(t, got, want_tdmrep(t), "tdmrep")
        assert value in (0, 1)


@pytest.mark.parametrize("fmt", ["headers", "nginx", "apache", "caddy", "cloudflare"])
def test_header_snippets_round_trip(fmt: str) -> None:
    for t in ALL_TERMS:
        text = write(t, fmt, options=OPTS).decode()
        pairs = snippet_pairs(fmt, text)
        assert pairs == headers_pairs(t)
        got = decisions(headers.from_pairs(pairs, source=fmt))
        check(t, got, want_headers(t), fmt)
        if fmt == "headers":
            assert decisions(headers.parse(text.encode())) == got


def headers_pairs(t: TermsSet) -> list[tuple[str, str]]:
    from consentry.signals.write.headers import pairs

    return pairs(t, OPTS)


def snippet_pairs(fmt: str, text: str) -> list[tuple[str, str]]:
    """Read the header name/value pairs back out of a server snippet."""
    patterns = {
        "headers": r"^([\w-]+): (.*?)\r?$",
        "nginx": r'^add_header ([\w-]+) "(.*)" always;$',
        "apache": r'^\s+Header always set ([\w-]+) "(.*)"$',
        "caddy": r'^\s+([\w-]+) "(.*)"$',
        "cloudflare": r"^\s+([\w-]+): (.*)$",
    }
    out = [(m.group(1), m.group(2)) for m in re.finditer(patterns[fmt], text, re.MULTILINE)]
    if fmt in ("nginx", "apache", "caddy"):
        out = [(n, v.replace('\\"', '"').replace("\\\\", "\\")) for n, v in out]
    return out


def test_html_meta_round_trip() -> None:
    for t in ALL_TERMS:
        page = b"<html><head>" + write(t, "html", options=OPTS) + b"</head><body></body></html>"
        check(t, decisions(html.parse(page, url="https://example.org/a")), want_html(t), "html")


def test_rsl_round_trip() -> None:
    for t in ALL_TERMS:
        doc = write(t, "rsl", options=OPTS)
        got = decisions(rsl.parse(doc, url="https://example.org/a/page"))
        check(t, got, want_rsl(t), "rsl")


def test_aitxt_round_trip() -> None:
    for t in ALL_TERMS:
        got = decisions(aitxt.parse(write(t, "aitxt", options=OPTS), path="/images/x.jpg"))
        check(t, got, want_aitxt(t), "aitxt")


@pytest.mark.parametrize(
    "agent", ["*", "GPTBot", "OAI-SearchBot", "ChatGPT-User", "Googlebot", "Google-Extended"]
)
def test_robots_round_trip(agent: str) -> None:
    for t in ALL_TERMS:
        body = write(t, "robots", options=OPTS)
        got = decisions(robots.parse(body, agent=agent, path="/articles/1"), agent)
        check(t, got, want_robots(t, agent), f"robots for {agent}")


def test_robots_unknown_agent_reads_like_star() -> None:
    for t in ALL_TERMS[::7]:
        body = write(t, "robots", options=OPTS)
        got = decisions(robots.parse(body, agent="SomeNewBot/2.0", path="/"))
        assert got == want_robots(t, "*")


def test_robots_licence_line_applies_to_every_group() -> None:
    t = TermsSet.from_statuses({P.AI_TRAIN: Status.LICENCE, P.SEARCH: Status.ALLOWED})
    body = write(t, "robots", options=OPTS)
    text = body.decode()
    assert text.index("License: https://example.org/license.xml") < text.index("User-agent:")
    for agent in ("*", "GPTBot", "Googlebot"):
        sig = robots.parse(body, agent=agent)
        assert sig.licence_urls == ("https://example.org/license.xml",), agent
    rf = robots.parse_robots(text)
    assert not any("License" in d or "licence" in d.lower() for d in rf.diagnostics)


def test_robots_without_licence_has_no_licence_line() -> None:
    t = TermsSet.from_statuses({P.SEARCH: Status.ALLOWED})
    assert b"License:" not in write(t, "robots", options=OPTS)


def test_xmp_packet_round_trip() -> None:
    for t in ALL_TERMS:
        check(t, decisions(iptc.parse(write(t, "xmp", options=OPTS))), want_xmp(t), "xmp")


# --- files written into --------------------------------------------------------------------


def make_epub(version: str) -> bytes:
    opf_meta = (
        '<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>'
        if version.startswith("3")
        else '<meta name="cover" content="c"/>'
    )
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{version}" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">urn:isbn:9780000000002</dc:identifier><dc:title>T</dc:title>'
        f'{opf_meta}<meta name="tdm:reservation" content="0"/></metadata>'
        '<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="c"/></spine></package>'
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", container, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/c.xhtml", "<html><body><p>text</p></body></html>")
    return buf.getvalue()


@pytest.mark.parametrize("version", ["2.0", "3.0"])
def test_epub_round_trip(version: str) -> None:
    book = make_epub(version)
    for t in ALL_TERMS:
        out = write(t, "epub", options=OPTS, data=book)
        check(t, decisions(epub.parse(out)), want_epub(t), f"epub {version}")
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("OEBPS/c.xhtml") == b"<html><body><p>text</p></body></html>"
        opf = z.read("OEBPS/content.opf").decode()
    assert opf.count("tdm:reservation") == 1  # the old value was replaced, not added to
    if version.startswith("3"):
        assert "tdm: http://www.w3.org/ns/tdmrep#" in opf and 'property="tdm:reservation"' in opf
    else:
        assert 'name="tdm:reservation"' in opf


def make_pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    w.add_metadata({"/Title": "A report"})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_pdf_round_trip_and_rewrite_keeps_other_xmp() -> None:
    doc = make_pdf()
    for t in ALL_TERMS[::3]:
        out = write(t, "pdf", options=OPTS, data=doc)
        check(t, decisions(pdf.parse(out)), want_xmp(t), "pdf")
    # writing again replaces our properties and keeps the packet's others
    t1 = TermsSet.from_statuses(dict.fromkeys(ALL_PURPOSES, Status.ALLOWED))
    t2 = TermsSet.from_statuses({})
    once = write(t1, "pdf", options=OPTS, data=doc)
    twice = write(t2, "pdf", options=OPTS, data=once)
    stream, _ = pdf.metadata_stream(twice)
    assert stream is not None and stream.count(b"reservation>") == 2  # one element, open+close
    assert decisions(pdf.parse(twice)) == dict.fromkeys(ALL_PURPOSES, D)


def make_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    """Structurally valid JPEG segments (SOI, APP0 JFIF, COM, SOS, scan bytes, EOI)."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    com = b"made by a test"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xfe"
        + struct.pack(">H", len(com) + 2)
        + com
        + b"\xff\xda"
        + struct.pack(">H", len(sos) + 2)
        + sos
        + b"\x12\x34\x56"
        + b"\xff\xd9"
    )


@pytest.mark.parametrize("maker", [make_png, make_jpeg])
def test_image_round_trip(maker: object) -> None:
    assert callable(maker)
    image: bytes = maker()
    for t in ALL_TERMS[::2]:
        out = write(t, "image", options=OPTS, data=image)
        check(t, decisions(iptc.parse(out)), want_xmp(t), "image")
    again = write(ALL_TERMS[0], "image", options=OPTS, data=out)
    assert again.count(b"<x:xmpmeta") == 1  # the old packet was replaced
    if image.startswith(b"\xff\xd8"):
        assert again.endswith(b"\x12\x34\x56\xff\xd9") and b"made by a test" in again
        assert again[2:4] == b"\xff\xe0"  # APP0 stays first
    else:
        assert again.index(b"iTXt") < again.index(b"IDAT")
        # every chunk CRC is right
        pos = 8
        while pos < len(again):
            (n,) = struct.unpack(">I", again[pos : pos + 4])
            kind_body = again[pos + 4 : pos + 8 + n]
            (crc,) = struct.unpack(">I", again[pos + 8 + n : pos + 12 + n])
            assert zlib.crc32(kind_body) == crc
            pos += 12 + n


def test_attribution_and_licence_terms_reach_rsl() -> None:
    t = TermsSet(
        {
            P.SEARCH: PurposeTerms(Status.ALLOWED, attribution_required=True),
            P.AI_TRAIN: PurposeTerms(Status.LICENCE, licence_url="https://example.org/train"),
            P.AI_INPUT: PurposeTerms(Status.LICENCE, licence_url="https://example.org/rag"),
        }
    )
    doc = write(t, "rsl", options=OPTS).decode()
    assert '<payment type="attribution"' in doc
    assert '<payment type="training">' in doc and "https://example.org/train" in doc
    assert '<payment type="use">' in doc and "https://example.org/rag" in doc
    sig = rsl.parse(doc, url="https://example.org/")
    assert set(sig.licence_urls) == {"https://example.org/train", "https://example.org/rag"}
    assert any("attribution" in d for d in sig.diagnostics)


def test_protego_agrees_on_every_written_robots_txt() -> None:
    """Crawl answers for the files consentry writes: our reader and protego agree."""
    from protego import Protego

    agents = ["*", "SomeBot", *(a.token for a in load_catalogue().agents if " " not in a.token)]
    for t in ALL_TERMS[::5]:
        text = write(t, "robots", options=OPTS).decode()
        theirs = Protego.parse(text)
        ours = robots.parse_robots(text)
        for agent in agents:
            for path in ("/", "/a/b.html", "/robots.txt"):
                url = "https://example.org" + path
                assert theirs.can_fetch(url, agent) == ours.can_fetch(agent, url), (agent, path)


@pytest.mark.parametrize("wrapped", [True, False])
def test_xmp_merge_keeps_other_properties(wrapped: bool) -> None:
    rdf = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b' xmlns:tdm="http://www.w3.org/ns/tdmrep/">'
        b"<dc:creator>Ann Author</dc:creator><tdm:reservation>0</tdm:reservation>"
        b"</rdf:Description></rdf:RDF>"
    )
    old = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + rdf + b"</x:xmpmeta>" if wrapped else rdf
    t = TermsSet.from_statuses({})
    from consentry.signals.write.iptc import packet

    merged = packet(t, OPTS, existing=old)
    assert b"Ann Author" in merged and merged.count(b"reservation>") == 2
    assert decisions(iptc.parse(merged)) == dict.fromkeys(ALL_PURPOSES, D)


def want_c2pa(t: TermsSet) -> dict[Purpose, SignalStatus]:
    cawg = {Status.ALLOWED: A, Status.RESERVED: D, Status.LICENCE: D}  # constrained = notAllowed
    out = dict.fromkeys(ALL_PURPOSES, U)
    for p in (P.TDM, P.AI_TRAIN, P.AI_INPUT):
        out[p] = cawg[t.status(p)]
    return out


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_c2pa_round_trip(fmt: str) -> None:
    """Signed with a certificate the registry's key issued, read back through c2pa-python
    (validated, trusted with the registry's CA as anchor) by consentry's reader."""
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from PIL import Image

    from consentry.signals.c2pa_media import assertion_states, read_media
    from consentry.signals.c2pa_signing import issue_signing_credentials

    creds = issue_signing_credentials(
        Ed25519PrivateKey.generate(),
        Ed25519PrivateKey.generate(),
        now=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
    )
    opts = WriteOptions(site_url="https://example.org", contact="rights@example.org", c2pa=creds)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (9, 9, 9)).save(buf, fmt)
    for t in ALL_TERMS:
        out = write(t, "c2pa", options=opts, data=buf.getvalue())
        assert [s.state for s in assertion_states(out, trust_anchors=creds.trust_anchor_pem)] == [
            "trusted"
        ]
        got = decisions(read_media(out, trust_anchors=creds.trust_anchor_pem))
        check(t, got, want_c2pa(t), f"c2pa {fmt}")
