"""Content-Usage (aipref) parsed as RFC 9651 says (issue 9), cross-checked against http-sf,
an independent RFC 9651 implementation."""

from __future__ import annotations

from decimal import Decimal

import http_sf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentry.signals import aipref, robots, sfv
from consentry.signals.model import SignalStatus

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    "value",
    [
        'train-ai="n"',  # a String, not the Token n (RFC 9651 3.3.3 vs 3.3.4)
        'train-ai="y"',
        "train-ai =n",  # 4.2.2: after the key comes "=" or parameters; the SP fails parsing
        "train-ai= y",  # 4.2.3.1: a bare item cannot start with SP
        "train-ai=?1",  # a Boolean
        "train-ai=(y)",  # an Inner List
        "Train-AI=n",  # 4.2.3.3: keys start with lcalpha or "*"
        "train-ai=y,",  # 4.2.2: a trailing comma fails parsing
    ],
)
def test_content_usage_that_is_not_the_vocabulary_token_expresses_no_preference(
    value: str,
) -> None:
    # aipref vocab: preferences are an RFC 9651 Dictionary whose values are the Tokens y/n;
    # RFC 9651 4.2: when parsing fails "the entire field value MUST be ignored". Old code
    # stripped spaces and quotes: train-ai="y" and train-ai =n read as allowed/disallowed.
    statuses, diags = aipref.parse_content_usage(value)
    assert statuses == {}
    assert diags
    try:
        parsed = http_sf.parse(value.encode(), tltype="dictionary")
    except http_sf.StructuredFieldError:
        return  # http-sf fails it too
    assert not isinstance(parsed["train-ai"][0], http_sf.Token) or parsed["train-ai"][0] not in (
        "y",
        "n",
    )


def test_content_usage_line_in_robots_with_a_string_value_expresses_no_preference() -> None:
    text = 'User-agent: *\nAllow: /\nContent-Usage: train-ai="y"\n'
    sig = robots.parse(text, agent="GPTBot", path="/a")
    assert sig.purposes[next(p for p in sig.purposes if p.value == "ai-train")] in (
        SignalStatus.UNKNOWN,
    )


def test_valid_vocabulary_values_still_read() -> None:
    statuses, _ = aipref.parse_content_usage("train-ai=n;reason=x, search=y, train-ai=y")
    assert {p.value: s.value for p, s in statuses.items()} == {
        "ai-train": "allowed",  # 4.2.2: a duplicate key's last value wins
        "search": "allowed",
    }


def _norm(v: object) -> object:
    if isinstance(v, list):
        return [(_norm(i), _norm_params(p)) for i, p in v]
    if isinstance(v, http_sf.Token | sfv.Token):
        return ("token", str(v))
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int | float | Decimal):
        return ("number", Decimal(str(v)))
    return (type(v).__name__, v)


def _norm_params(p: dict[str, object]) -> dict[str, object]:
    return {k: _norm(v) for k, v in p.items()}


_sf_text = st.lists(
    st.sampled_from([*'abyn-_.*=,;"\\ ()?01:9+/TA\t', "train-ai", "search", "=y", "=n"]),
    max_size=20,
).map("".join)


@PROPS
@given(value=_sf_text)
def test_sfv_agrees_with_http_sf_on_hostile_text(value: str) -> None:
    ours = sfv.parse_dictionary(value)
    try:
        # HTTP strips a field line's leading and trailing OWS (SP, HTAB) before RFC 9651 runs
        theirs = http_sf.parse(value.strip(" \t").encode(), tltype="dictionary")
    except http_sf.StructuredFieldError:
        theirs = None
    if theirs is None or ours is None:
        assert ours is None and theirs is None, (value, ours, theirs)
        return
    assert list(ours) == list(theirs)
    for k in ours:
        assert _norm(ours[k][0]) == _norm(theirs[k][0])
        assert _norm_params(ours[k][1]) == _norm_params(theirs[k][1])


_key = st.from_regex(r"\A[a-z*][a-z0-9_.*-]{0,6}\Z")
_bare = st.one_of(
    st.sampled_from(["y", "n"]).map(http_sf.Token),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=6),
    st.booleans(),
    st.integers(-(10**6), 10**6),
)


@PROPS
@given(d=st.dictionaries(_key, _bare, min_size=1, max_size=5))
def test_sfv_reads_back_what_http_sf_serialises(d: dict[str, object]) -> None:
    text = http_sf.ser({k: (v, {}) for k, v in d.items()})
    ours = sfv.parse_dictionary(text)
    assert ours is not None
    assert {k: _norm(v) for k, (v, _) in ours.items()} == {k: _norm(v) for k, v in d.items()}
