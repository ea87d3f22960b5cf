"""Hypothesis: readers of untrusted content never raise, and always answer every purpose."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentry.registry.purposes import ALL_PURPOSES
from consentry.signals import (
    aipref,
    aitxt,
    c2pa,
    epub,
    headers,
    html,
    iptc,
    pdf,
    robots,
    rsl,
    tdmrep,
)
from consentry.signals.model import ParsedSignal, SignalStatus

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that look like the real thing, so the parsers get past their first checks.
_robots_line = st.one_of(
    st.sampled_from(
        [
            "User-agent: *",
            "User-agent: GPTBot",
            "user-AGENT: https://x.y",
            "Disallow: /",
            "Disallow:",
            "Allow: /a*$",
            "Disallow: *.pdf$",
            "Content-Usage: train-ai=n",
            "Content-Usage: /p/ train-ai=y, search=n",
            "Content-Signal: search=yes, ai-train=no",
            "License: https://x/l.xml",
            "Sitemap: https://x/s.xml",
            "",
            "# comment",
        ]
    ),
    st.text(max_size=40),
)
robots_text = st.lists(_robots_line, max_size=30).map("\n".join)


def _check(signal: ParsedSignal) -> None:
    assert set(signal.purposes) == set(ALL_PURPOSES)
    assert all(isinstance(s, SignalStatus) for s in signal.purposes.values())


@FAST
@given(
    text=robots_text, agent=st.sampled_from(["*", "GPTBot", "x/1.0", ""]), path=st.text(max_size=20)
)
def test_robots_never_raises(text: str, agent: str, path: str) -> None:
    _check(robots.parse(text, agent=agent, path=path))
    _check(aitxt.parse(text, agent=agent, path=path or "/"))
    robots.parse_robots(text).can_fetch(agent, path)


@FAST
@given(text=st.text(max_size=300))
def test_robots_never_raises_on_arbitrary_text(text: str) -> None:
    _check(robots.parse(text, agent="GPTBot", path="/a"))


_json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["location", "tdm-reservation", "tdm-policy", "x", "/a", "entries"]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@FAST
@given(data=_json_like, path=st.text(max_size=15))
def test_tdmrep_never_raises_on_json_shapes(data: object, path: str) -> None:
    import json

    text = json.dumps(data)
    _check(tdmrep.parse(text, path=path, policy=text))
    tdmrep.parse_policy(text)
    _check(c2pa.parse(text))
    _check(aipref.parse_tdmai(text))


@FAST
@given(text=st.text(max_size=300))
def test_json_readers_never_raise_on_arbitrary_text(text: str) -> None:
    _check(tdmrep.parse(text, policy=text))
    _check(c2pa.parse(text))
    _check(aipref.parse_tdmai(text))


_header_line = st.one_of(
    st.sampled_from(
        [
            "HTTP/1.1 200 OK",
            "X-Robots-Tag: noai",
            "x-robots-tag: GPTBot: noimageai, noindex",
            "X-Robots-Tag: unavailable_after: 2025-01-01",
            "tdm-reservation: 1",
            "TDM-Reservation: 2",
            "tdm-policy: https://x/p.json",
            "Content-Usage: train-ai=n",
            "Content-Usage: train-ai=",
            "Content-Signal: ai-train=no",
            'Link: <https://x/l.xml>; rel="license"; type="application/rsl+xml"',
            " folded",
            "",
        ]
    ),
    st.text(max_size=40),
)


@FAST
@given(lines=st.lists(_header_line, max_size=20), agent=st.sampled_from(["*", "GPTBot"]))
def test_headers_never_raise(lines: list[str], agent: str) -> None:
    _check(headers.parse("\n".join(lines), agent=agent))
    _check(headers.parse("\n".join(lines).encode("utf-8", "surrogatepass"), agent=agent))


@FAST
@given(value=st.text(max_size=60))
def test_structured_field_values_never_raise(value: str) -> None:
    aipref.parse_content_usage(value)
    aipref.parse_content_signal(value)


_markup = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "<meta name='robots' content='noai'>",
                "<meta name='tdm-reservation' content='1'>",
                "<meta name='GPTBot' content='noindex'>",
                "<link rel='license' href='/l.xml'>",
                "<script type='application/rsl+xml'><rsl><content url='/'>",
                "<rsl xmlns='https://rslstandard.org/rsl'>",
                "<content url='/'><license><permits type='usage'>ai-train</permits>",
                "<payment type='training'/></license></content></rsl>",
                "<x:xmpmeta xmlns:x='adobe:ns:meta/'>",
                "<plus:DataMining xmlns:plus='http://ns.useplus.org/ldf/xmp/1.0/'>DMI-PROHIBITED",
                "</plus:DataMining></x:xmpmeta>",
                "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=12,
).map("".join)


@FAST
@given(markup=_markup)
def test_markup_readers_never_raise(markup: str) -> None:
    _check(html.parse(markup, agent="GPTBot", url="/"))
    _check(rsl.parse(markup, url="/a"))
    _check(iptc.parse(markup.encode()))
    _check(epub.parse(markup.encode()))


@pytest.mark.parametrize("reader", [pdf.parse, epub.parse, iptc.parse])
@FAST
@given(data=st.binary(max_size=400))
def test_binary_readers_never_raise(reader: Callable[[bytes], ParsedSignal], data: bytes) -> None:
    _check(reader(b"%PDF-1.4\n" + data))
    _check(reader(b"PK\x03\x04" + data))
    _check(reader(data))


@FAST
@given(text=st.text(alphabet=st.characters(), max_size=200))
def test_every_reader_never_raises_on_any_str_including_surrogates(text: str) -> None:
    for signal in (
        robots.parse(text, agent="GPTBot", path=text[:10]),
        tdmrep.parse(text, path=text[:5], policy=text),
        headers.parse(text, agent=text[:6]),
        html.parse(text),
        rsl.parse(text, url=text[:8]),
        c2pa.parse(text),
        aipref.parse_tdmai(text),
        aitxt.parse(text, path=text[:4]),
        iptc.parse(text),
        epub.parse(text),
        pdf.parse(text),
    ):
        _check(signal)


@FAST
@given(text=st.text(alphabet="{}[]\":,/ 'h0123456789abcdefnulltrue()#\n-.", max_size=80))
def test_cbor_diagnostic_reader_never_raises(text: str) -> None:
    _check(c2pa.parse(text))
