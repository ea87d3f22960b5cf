"""Written carriers say what the terms say, in each specification's own words (issue 9).

Each test quotes the clause it checks. Independent readers: pikepdf (PDF XMP), exiftool
(Debian ``libimage-exiftool-perl``, installed by scripts/test), protego (robots.txt).
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from consentry.errors import SignalError
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import PurposeTerms, TermsSet
from consentry.signals import headers, html, iptc, pdf, robots, rsl
from consentry.signals.model import SignalStatus
from consentry.signals.purposes import IPTC_DMI, PLUS_VOCAB
from consentry.signals.resolve import resolve
from consentry.signals.write import WriteOptions, write
from consentry.signals.write.iptc import dmi_code

P = Purpose
R, L, A = Status.RESERVED, Status.LICENCE, Status.ALLOWED
PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
RSL_NS = "https://rslstandard.org/rsl"
EVERY_TERMS = [
    TermsSet.from_statuses(dict(zip(ALL_PURPOSES, combo, strict=True)))
    for combo in itertools.product(tuple(Status), repeat=len(ALL_PURPOSES))
]


def blank_pdf() -> bytes:
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(200, 200))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def blank_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


# --- IPTC / PLUS DataMining -------------------------------------------------------------------


def test_dmi_never_prohibits_search_indexing_when_search_is_allowed() -> None:
    """PLUS Data Mining vocabulary: ``DMI-PROHIBITED`` is "Prohibited" (all data mining,
    search-engine indexing included); ``DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING`` is
    "Prohibited except for search engine indexing". Terms that allow search must not be
    written as plain DMI-PROHIBITED (63 of the 243 combinations were)."""
    for t in EVERY_TERMS:
        if t.status(P.SEARCH) is not A:
            continue
        code = dmi_code(t)
        assert code != "DMI-PROHIBITED", t.as_dict()
        assert IPTC_DMI[code].get(P.SEARCH, SignalStatus.ALLOWED) is SignalStatus.ALLOWED, code
        if any(t.status(p) is not A for p in ALL_PURPOSES):
            # a restriction is never left unsaid
            assert code != "DMI-UNSPECIFIED" and code != "DMI-ALLOWED", t.as_dict()
    only_train = TermsSet.from_statuses({**dict.fromkeys(ALL_PURPOSES, A), P.AI_TRAIN: R})
    assert dmi_code(only_train) == "DMI-PROHIBITED-AIMLTRAINING"  # the exact value
    mixed = TermsSet.from_statuses({P.TDM: R, P.AI_TRAIN: L, P.SEARCH: A})
    assert dmi_code(mixed) == "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
    assert dmi_code(TermsSet.from_statuses({})) == "DMI-PROHIBITED"


def test_dmi_is_written_as_text_and_as_resource_and_pikepdf_reads_it() -> None:
    """IPTC Photo Metadata: Data Mining is a URI from the PLUS vocabulary. pikepdf reads
    only the text form of a property, RDF readers the ``rdf:resource`` form: both carry the
    one value, and pikepdf (an independent reader) sees it in the PDF we write."""
    t = TermsSet.from_statuses({P.TDM: R, P.AI_TRAIN: R, P.AI_INPUT: R, P.AI_INDEX: R, P.SEARCH: A})
    want = PLUS_VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
    packet = write(t, "xmp")
    root = etree.fromstring(packet[packet.index(b"<x:xmpmeta") : packet.rindex(b">") + 1])
    found = root.findall(f".//{{{PLUS_NS}}}DataMining")
    texts = [el.text for el in found if el.text]
    resources = [el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource") for el in found]
    assert texts == [want] and [r for r in resources if r] == [want]
    out = write(t, "pdf", data=blank_pdf())
    with pikepdf.open(io.BytesIO(out)) as doc:
        meta = doc.open_metadata()
        assert meta[f"{{{PLUS_NS}}}DataMining"] == want
    got = resolve([pdf.parse(out)]).purposes
    assert got[P.SEARCH] is SignalStatus.ALLOWED and got[P.AI_TRAIN] is SignalStatus.DISALLOWED
    # writing again leaves one value of each form (no empty descriptions pile up)
    again = write(t, "pdf", data=out)
    stream, _ = pdf.metadata_stream(again)
    assert stream is not None and stream.count(b"DataMining") == 3  # text open+close, resource
    assert stream.count(b"<rdf:Description") == 2


def test_exiftool_reads_the_written_image_value() -> None:
    """An independent reader (ExifTool) reads the DataMining value we write into a JPEG."""
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.fail("exiftool missing: apt-get install libimage-exiftool-perl (scripts/test does)")
    t = TermsSet.from_statuses({**dict.fromkeys(ALL_PURPOSES, A), P.AI_TRAIN: R})
    out = write(t, "image", data=blank_jpeg())
    proc = subprocess.run(
        [exiftool, "-j", "-XMP:all", "-"], input=out, capture_output=True, check=True
    )
    [tags] = json.loads(proc.stdout)
    values = tags["DataMining"]
    values = values if isinstance(values, list) else [values]
    assert set(values) == {PLUS_VOCAB + "DMI-PROHIBITED-AIMLTRAINING"}
    assert resolve([iptc.parse(out)]).purposes[P.AI_TRAIN] is SignalStatus.DISALLOWED


# --- RSL licence links ------------------------------------------------------------------------


def test_a_written_licence_file_is_linked_from_robots_headers_and_html() -> None:
    """RSL robots.txt guide: "License: <absolute-URI>" points crawlers to the licence; RSL
    HTTP guide: ``Link: <...>; rel="license"; type="application/rsl+xml"``. A licence file
    that says only "prohibited" or "free" is still the licence, so its URL is linked."""
    t = TermsSet.from_statuses({P.SEARCH: A})  # nothing is "licence"
    opts = WriteOptions(licence_url="https://example.org/license.xml")
    url = "https://example.org/license.xml"
    text = write(t, "robots", options=opts).decode()
    assert f"License: {url}" in text
    assert text.index("License:") < text.index("User-agent:")
    assert robots.parse(text.encode(), agent="GPTBot").licence_urls == (url,)
    sig = headers.parse(write(t, "headers", options=opts))
    assert sig.licence_urls == (url,)
    page = b"<html><head>" + write(t, "html", options=opts) + b"</head></html>"
    assert html.parse(page, url="https://example.org/a").licence_urls == (url,)
    # no URL given and nothing to license: no link to a file that was never written
    assert b"License:" not in write(t, "robots", options=WriteOptions(site_url="https://e.org"))


# --- TDMRep policy ----------------------------------------------------------------------------


def test_tdmrep_policy_always_has_its_assigner() -> None:
    """TDMRep s7.1.4: "A Policy MUST contain one assigner property" (ODRL: an Offer "MUST
    have one assigner property value"). With only a licence URL the old writer left it out
    when no contact was given; it is now the contact and the declaring party's name, and a
    policy with neither is refused."""
    t = TermsSet(
        {
            P.TDM: PurposeTerms(L, licence_url="https://example.org/licensing"),
            P.AI_TRAIN: PurposeTerms(L),
            P.AI_INPUT: PurposeTerms(L),
            P.AI_INDEX: PurposeTerms(L),
            P.SEARCH: PurposeTerms(A),
        }
    )
    with pytest.raises(SignalError, match="assigner"):
        write(t, "tdmrep-policy", options=WriteOptions(site_url="https://example.org"))
    opts = WriteOptions(
        site_url="https://example.org", contact="rights@example.org", assigner_name="Ann Author"
    )
    doc = json.loads(write(t, "tdmrep-policy", options=opts))
    assert doc["assigner"] == {
        "vcard:fn": "Ann Author",
        "vcard:hasEmail": "mailto:rights@example.org",
        "vcard:hasURL": "https://example.org/licensing",
    }
    by_url = json.loads(
        write(t, "tdmrep-policy", options=WriteOptions(contact="https://example.org/ask"))
    )
    assert by_url["assigner"]["vcard:hasURL"] == "https://example.org/ask"


# --- RSL <custom> -----------------------------------------------------------------------------


def test_rsl_custom_holds_a_url_and_an_email_becomes_mailto() -> None:
    """RSL 1.0 ``<payment>``: "``<custom>``: a URL of a bespoke licensing process"."""
    t = TermsSet.from_statuses({P.AI_TRAIN: L, P.SEARCH: A})
    doc = write(t, "rsl", options=WriteOptions(contact="rights@example.org"))
    customs = etree.fromstring(doc).findall(f".//{{{RSL_NS}}}custom")
    assert [c.text for c in customs] == ["mailto:rights@example.org"]
    assert rsl.parse(doc, url="https://example.org/").licence_urls == ("mailto:rights@example.org",)
    doc = write(t, "rsl", options=WriteOptions(contact="https://example.org/licensing"))
    assert [c.text for c in etree.fromstring(doc).findall(f".//{{{RSL_NS}}}custom")] == [
        "https://example.org/licensing"
    ]
    with pytest.raises(SignalError, match="neither an e-mail address nor"):
        WriteOptions(contact="call Ann")


# --- X-Robots-Tag noai / noimageai ------------------------------------------------------------


def test_noai_is_written_whenever_training_is_reserved() -> None:
    """img2dataset (README, "Opt-out directives") skips responses whose X-Robots-Tag holds
    ``noai`` or ``noimageai``; datadiligence treats both as "do not train". Terms that reserve
    ai-train (or offer it only under licence) write them, whatever the other purposes say."""
    for t in EVERY_TERMS:
        pairs = dict(headers_pairs(t))
        tag = pairs.get("X-Robots-Tag", "")
        meta = write(t, "html").decode()
        if t.status(P.AI_TRAIN) is A:
            assert "noai" not in tag and "noai" not in meta, t.as_dict()
        else:
            assert tag.startswith("noai, noimageai"), t.as_dict()
            assert 'content="noai, noimageai' in meta, t.as_dict()
            got = resolve([headers.from_pairs(list(pairs.items()))]).purposes
            assert got[P.AI_TRAIN] is SignalStatus.DISALLOWED


def headers_pairs(t: TermsSet) -> list[tuple[str, str]]:
    from consentry.signals.write.headers import pairs

    return pairs(t, WriteOptions())


def test_docs_state_what_each_directive_claims() -> None:
    text = (Path(__file__).parents[2] / "docs" / "signals.md").read_text(encoding="utf-8")
    for needle in ("`noai`", "`noimageai`", "EXCEPTSEARCHENGINEINDEXING", "assigner"):
        assert needle in text, needle


# --- robots.txt: generic tokens and dual-use crawlers -----------------------------------------


def test_generic_tokens_never_block_search_engines_when_search_is_allowed() -> None:
    """RFC 9309 s2.2.1: crawlers "MUST use case-insensitive matching to find the group that
    matches the product token" -- but readers in use match substrings: Python's
    urllib.robotparser applies a group when ``agent in useragent``. ``User-agent: Spider``
    (spider.cloud) then also stops Baiduspider, YisouSpider, 360Spider. With search allowed,
    no search engine and no crawler whose every purpose is allowed may be blocked."""
    from urllib.robotparser import RobotFileParser

    from consentry.signals.agents import load_catalogue

    cat = load_catalogue()
    assert "Baiduspider" in cat.search_engines
    for t in EVERY_TERMS[::3]:
        if t.status(P.SEARCH) is not A:
            continue
        text = write(t, "robots").decode()
        assert "User-agent: Spider\n" not in text
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        free = [a.token for a in cat.agents if all(t.status(p) is A for p in a.purposes)]
        for ua in [*cat.search_engines, *free]:
            agent = cat.get(ua)
            if agent is not None and not all(t.status(p) is A for p in agent.purposes):
                continue  # a dual-use crawler blocked by name (next test)
            assert parser.can_fetch(f"{ua}/1.0", "https://example.org/a"), (ua, t.as_dict())
    text = write(TermsSet.from_statuses({P.SEARCH: A}), "robots").decode()
    assert "# Spider not named: generic, it would also block Baiduspider" in text


@pytest.mark.parametrize(
    "token", ["Bravebot", "PetalBot", "Amazonbot", "OAI-SearchBot", "PerplexityBot"]
)
def test_dual_use_crawlers_are_written_by_what_the_catalogue_says(token: str) -> None:
    """A crawler serving search and AI is one robots.txt token: it is blocked exactly when
    a purpose the catalogue says it serves is not allowed, and the file says why."""
    from protego import Protego

    from consentry.signals.agents import load_catalogue

    agent = load_catalogue().get(token)
    assert agent is not None and P.SEARCH in agent.purposes
    for t in EVERY_TERMS[::2]:
        text = write(t, "robots").decode()
        blocked = any(t.status(p) is not A for p in agent.purposes)
        assert Protego.parse(text).can_fetch("https://example.org/a", token) is not blocked
        note = f"# {token} serves "
        assert (note in text) is (blocked and t.status(P.SEARCH) is A), t.as_dict()


def test_lint_flags_generic_tokens_and_not_the_written_file() -> None:
    """The old writer's file for "search allowed, AI reserved" named ``Spider``; lint says
    what it costs under substring matching, and the file written now has no such line."""
    from consentry.signals.lint import SiteCarriers, lint

    old = b"User-agent: GPTBot\nUser-agent: Spider\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    found = [f for f in lint(SiteCarriers("https://example.org/", robots_txt=old))]
    [generic] = [f for f in found if f.code == "generic-token"]
    assert "Baiduspider" in generic.message and "Spider" in generic.fix
    t = TermsSet.from_statuses({P.SEARCH: A})
    now = write(t, "robots")
    site = SiteCarriers("https://example.org/", robots_txt=now)
    assert not [f for f in lint(site) if f.code == "generic-token"]
