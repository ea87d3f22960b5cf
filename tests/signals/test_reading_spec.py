"""Reading: where consentry said allowed and the site did not (issue 9), each from the
spec's own words. RSL 1.0, W3C TDMRep, HTML meta, RFC 9309 robots.txt, RFC 9651 / aipref."""

from __future__ import annotations

import re

import pytest

from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.signals import rsl
from consentry.signals.model import SignalStatus

A = SignalStatus.ALLOWED
D = SignalStatus.DISALLOWED
U = SignalStatus.UNKNOWN


def _rsl(body: str) -> bytes:
    return f'<rsl xmlns="https://rslstandard.org/rsl">{body}</rsl>'.encode()


FREE_ALL_FOR_BLOG = _rsl(
    '<content url="https://example.org/blog/"><license>'
    '<permits type="usage">all</permits></license></content>'
)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/shop/item",  # same host, path no <content url> covers
        "https://other.example/blog/post",  # another host
        "http://example.org/blog/post",  # another scheme
        "https://example.org.evil.test/blog/x",  # a host the prefix would have matched
    ],
)
def test_rsl_url_no_content_covers_gets_no_licence(url: str) -> None:
    # RSL 1.0, <content url>: "Specifies the location of one or more licensable digital
    # assets. The value must be either a full URL, or a path on the server ... (RFC 9309)".
    # An asset outside every <content> is covered by no licence. Old code: "no <content url>
    # matches ...; read every <content>" -> all allowed.
    sig = rsl.parse(FREE_ALL_FOR_BLOG, url=url)
    assert set(sig.purposes.values()) == {U}
    assert any("no licence covers this URL" in d for d in sig.diagnostics)
    # the URL it does cover still gets the terms
    assert (
        rsl.parse(FREE_ALL_FOR_BLOG, url="https://example.org/blog/p").purposes[Purpose.AI_TRAIN]
        is A
    )


@pytest.mark.parametrize(
    "licence",
    [
        '<license><permits type="usage"></permits></license>',  # empty
        '<license><permits type="usage">  </permits></license>',  # blank
        '<license><permits type="usage"/></license>',  # self-closed
        '<license><permits type="usage"><!-- ai-train --></permits></license>',  # comment only
        "<license/>",  # a licence stating nothing at all (old: "all", free)
        "<license>  <!-- terms to follow --> </license>",
    ],
)
def test_rsl_empty_permits_is_unknown_not_all_allowed(licence: str) -> None:
    # RSL 1.0: "<permits> is a closed list for its type": an empty list permits nothing it
    # names. Old code read it as no <permits> at all, i.e. "all" -> every purpose allowed.
    sig = rsl.parse(_rsl(f'<content url="/">{licence}</content>'), url="/a")
    assert set(sig.purposes.values()) == {U}
    assert any("is empty" in d for d in sig.diagnostics)
    # a licence with a payment but no <permits> still covers "all" (existing decision)
    paid = rsl.parse(
        _rsl('<content url="/"><license><payment type="use"/></license></content>'), url="/a"
    )
    assert set(paid.purposes.values()) == {SignalStatus.LICENCE}


@pytest.mark.parametrize(
    "doc",
    [
        # truncated inside <permits>: lxml's recovering parser keeps "ai-train search"
        b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
        b'<permits type="usage">ai-train search',
        # truncated after it: the closing tags are missing
        b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
        b'<permits type="usage">all</permits><payment type="free"/>',
        # malformed: a broken element in the middle of the licence
        _rsl(
            '<content url="/"><license><permits type="usage">all</permits><:/></license></content>'
        ),
    ],
)
def test_rsl_malformed_or_truncated_permits_is_unknown(doc: bytes) -> None:
    # RSL 1.0: "If a client cannot obtain a valid RSL document, it MUST treat the asset as
    # unlicensed" (fail-closed). A document the XML parser had to repair is not a valid one:
    # what it permits stays unknown, with a diagnostic. Old code: all allowed / ai-train
    # and search allowed.
    sig = rsl.parse(doc, url="/a")
    assert A not in sig.purposes.values()
    assert any("malformed or truncated" in d for d in sig.diagnostics)


def test_rsl_malformed_document_keeps_its_prohibitions() -> None:
    # Prohibitions only restrict, so they still count when the document is broken.
    doc = _rsl(
        '<content url="/"><license><prohibits type="usage">ai-train</prohibits>'
        '<permits type="usage">all</permits></license></content><:'
    )
    sig = rsl.parse(doc, url="/a")
    assert sig.purposes[Purpose.AI_TRAIN] is D
    assert {sig.purposes[p] for p in ALL_PURPOSES if p is not Purpose.AI_TRAIN} == {U}


# --- TDMRep tdmrep.json: first match in sequence ----------------------------------------

SHADOWED = (
    b'[{"location": "/books/", "tdm-reservation": 0},'
    b' {"location": "/books/reserved/", "tdm-reservation": 1}]'
)


def test_tdmrep_first_matching_rule_in_sequence_is_used() -> None:
    # W3C TDMRep, tdmrep.json: "The most specific match MUST be used. The most specific
    # match is the first in sequence." Old code took the longest location instead.
    from consentry.signals import tdmrep

    sig = tdmrep.parse(SHADOWED, path="/books/reserved/x.html")
    assert sig.tdm_reservation == 0
    assert any("first in sequence" in d for d in sig.diagnostics)
    # and the other way round: a reservation listed first holds over a later longer "0"
    flipped = (
        b'[{"location": "/", "tdm-reservation": 1}, {"location": "/open/", "tdm-reservation": 0}]'
    )
    assert tdmrep.parse(flipped, path="/open/a").purposes[Purpose.AI_TRAIN] is D


def test_lint_warns_when_a_later_tdmrep_rule_is_shadowed() -> None:
    # lint: "warns when a later rule is more specific than an earlier one that shadows it".
    from consentry.signals.lint import SiteCarriers, lint

    found = [f for f in lint(SiteCarriers("https://e.org/", tdmrep_json=SHADOWED))]
    [shadow] = [f for f in found if f.code == "tdmrep-shadowed"]
    assert "'/books/reserved/'" in shadow.message and "first" in shadow.message
    assert "before rule 0" in shadow.fix
    ordered = (
        b'[{"location": "/books/reserved/", "tdm-reservation": 1},'
        b' {"location": "/books/", "tdm-reservation": 0},'
        b' {"location": "/img/*.jpg$", "tdm-reservation": 0}, {"location": "/img/a/", "tdm-reservation": 1}]'
    )
    codes = [f.code for f in lint(SiteCarriers("https://e.org/", tdmrep_json=ordered))]
    assert "tdmrep-shadowed" not in codes


# --- HTML meta and headers: one TDMRep declaration per place ------------------------------


@pytest.mark.parametrize(
    "metas",
    [
        '<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content="0">',
        '<meta name="tdm-reservation" content="0"><meta name="tdm-reservation" content="1">',
        '<meta name="tdm-reservation" content="0"><meta name="tdm-reservation" content="2">'
        '<meta name="tdm-reservation" content="1">',
    ],
)
def test_html_conflicting_tdm_reservation_resolves_to_the_reservation(metas: str) -> None:
    # TDMRep (HTML): <meta name="tdm-reservation" content="1"> declares the reservation; two
    # values that disagree are not "the last wins": the answer that errs toward reserved
    # wins, with a diagnostic. Old code: the last meta won silently (allowed).
    from consentry.signals import html

    sig = html.parse(f"<html><head>{metas}</head><body></body></html>".encode())
    assert sig.tdm_reservation == 1
    assert sig.purposes[Purpose.AI_TRAIN] is D
    assert any("different values" in d for d in sig.diagnostics)


def test_headers_conflicting_tdm_reservation_resolves_to_the_reservation() -> None:
    # TDMRep (HTTP): "tdm-reservation: 1"; sent twice with different values, the reservation
    # holds (old code: the last header, 0, won).
    from consentry.signals import headers

    sig = headers.parse("tdm-reservation: 1\ntdm-reservation: 0\n")
    assert sig.tdm_reservation == 1
    assert any("different values" in d for d in sig.diagnostics)


def test_html_meta_outside_head_is_not_a_tdmrep_declaration() -> None:
    # TDMRep, HTML meta technique (w3c.github.io/tdm-reservation-protocol/techniques/
    # technique-html-meta.html): "In html, metadata are defined using the repeatable and
    # empty element, child of <head>." A <meta> in <body> is page content, not a
    # declaration. Old code read a body <meta ... content="0"> over the head's "1".
    from consentry.signals import html

    page = (
        b'<html><head><meta name="tdm-reservation" content="1"></head>'
        b'<body><p>x</p><meta name="tdm-reservation" content="0"></body></html>'
    )
    sig = html.parse(page)
    assert sig.tdm_reservation == 1
    assert not any("different values" in d for d in sig.diagnostics)
    assert any("outside <head>" in d for d in sig.diagnostics)
    body_only = b'<html><head><title>t</title></head><body><meta name="tdm-reservation" content="0"></body></html>'
    assert html.parse(body_only).tdm_reservation is None


# --- lint: suggested User-agent lines are real product tokens -----------------------------


@pytest.mark.parametrize(
    ("value", "suggested"),
    [
        ("https://hada.news", None),  # old fix: 'User-agent: https'
        ("FAST Enterprise Crawler 6 / Scirus", None),  # old fix: 'User-agent: FAST'
        ("http://www.example.com/bot.html", None),
        ("GPTBot/1.1", "GPTBot"),  # catalogue token
        ("*GPTBot", "GPTBot"),
        ("Mozilla/5.0", "Mozilla"),  # a Name/version string: its name
        ("ExampleCrawler/2.0", "ExampleCrawler"),
    ],
)
def test_lint_suggests_only_valid_product_tokens(value: str, suggested: str | None) -> None:
    # RFC 9309 2.2.1: product-token = identifier / "*"; identifier = 1*(%x2D / %x41-5A /
    # %x5F / %x61-7A). A fix must name the crawler's token, never a URL scheme's first word.
    from consentry.signals.lint import SiteCarriers, lint

    site = SiteCarriers("https://e.org/", robots_txt=f"User-agent: {value}\nDisallow: /\n".encode())
    [f] = [x for x in lint(site) if x.code == "invalid-product-token"]
    lines = re.findall(r"User-agent: ([^'\s]*)", f.fix)
    assert lines == ([suggested] if suggested else [])
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in lines)
