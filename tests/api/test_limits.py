"""The request body checks' pure part: finding a lone surrogate escape in a JSON text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from consentry.api.limits import lone_surrogate

# text with surrogates, backslashes and the letters of an escape, to build near misses
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(categories=["Cs"]),
        st.sampled_from(["\\", "u", "d", "8", "c", "0", "\U0001f600", "é"]),
        st.characters(),
    ),
    max_size=30,
)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@given(value=st.lists(_TEXT, max_size=4), ascii_only=st.booleans())
def test_finds_a_lone_surrogate_exactly_when_the_parsed_text_has_one(
    value: list[str], ascii_only: bool
) -> None:
    # the definition: the standard library parses the body to strings UTF-8 cannot encode
    # (two lone surrogates next to each other in ``value`` are escaped as a pair and parse
    # back as one character)
    if not ascii_only and not all(_encodable(v) for v in value):
        ascii_only = True  # only escapes can carry a lone surrogate into UTF-8 bytes
    body = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    ok = all(_encodable(v) for v in json.loads(body))
    found = lone_surrogate(body)
    assert (found is None) == ok
    if found is not None:
        at, escape = found
        assert body[at : at + 6].decode("ascii").lower() == escape
        assert 0xD800 <= int(escape[2:], 16) <= 0xDFFF


def test_examples() -> None:
    assert lone_surrogate(json.dumps(["\ud83d\ude00"]).encode()) is None  # lone + lone = pair
    assert lone_surrogate(b'["x\\ud800"]') == (3, "\\ud800")
    assert lone_surrogate(b'["\\ud83d\\ude00"]') is None  # a pair
    assert lone_surrogate(b'["\\\\ud800"]') is None  # an escaped backslash, then text
    assert lone_surrogate(b'["\\\\\\udc00"]') == (4, "\\udc00")
    assert lone_surrogate(b'["\\uD83D x\\uDE00"]') == (2, "\\ud83d")  # split pair
    assert lone_surrogate(b'["\\ud83d\\ud83d\\ude00"]') == (2, "\\ud83d")
