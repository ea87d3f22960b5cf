"""Canonical JSON is RFC 8785: the RFC's own samples, key order, escaping, and refusals."""

from __future__ import annotations

import csv
import json
import math
import struct
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import ValidationError
from consentry.ledger.chain import canonical_json, es6_number

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"


def _vectors() -> list[tuple[str, str]]:
    with (DATA / "rfc8785_numbers.csv").open(encoding="utf-8") as f:
        return [(row["ieee754_hex"], row["json_string"]) for row in csv.DictReader(f)]


@pytest.mark.parametrize("bits,expected", _vectors())
def test_rfc8785_appendix_b_numbers(bits: str, expected: str) -> None:
    (x,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json(x) == expected.encode()
    assert canonical_json([x]) == f"[{expected}]".encode()


def test_rfc8785_key_order_is_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3: the emoji (U+1F600, UTF-16 D83D DE00) sorts before U+FB33.
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(obj)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_rfc8785_section_3_2_4_example() -> None:
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],'
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(text)) == expected.encode("utf-8")


def test_key_order_and_unicode_are_stable() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == canonical_json({"a": "é", "b": 1})
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    # UTF-8, not \u escapes; no Unicode normalisation (NFC and NFD stay different).
    assert canonical_json("Émile") == '"Émile"'.encode()
    assert canonical_json("E\u0301mile") != canonical_json("\u00c9mile")
    assert canonical_json({"x": [1, {"z": None, "y": True}]}) == b'{"x":[1,{"y":true,"z":null}]}'


def test_floats_follow_ecmascript_not_python_repr() -> None:
    assert canonical_json({"a": 1.0, "b": -0.0, "c": 1e21, "d": 1.5e-7}) == (
        b'{"a":1,"b":0,"c":1e+21,"d":1.5e-7}'
    )
    assert canonical_json(1.0) == canonical_json(1)
    # Integers are written exactly, beyond 2**53 too (documented extension).
    assert canonical_json(2**64) == b"18446744073709551616"


def test_tuples_and_read_only_mappings_serialise_like_lists_and_dicts() -> None:
    plain = {"k": [1, 2, {"n": "v"}]}
    frozen = MappingProxyType({"k": (1, 2, MappingProxyType({"n": "v"}))})
    assert canonical_json(frozen) == canonical_json(plain)


@pytest.mark.parametrize(
    "value,field",
    [
        ({"x": float("nan")}, "$.x"),
        ({"x": [1, float("inf")]}, "$.x[1]"),
        ({"x": -math.inf}, "$.x"),
        ({"x": object()}, "$.x"),
        ({"when": datetime(2026, 1, 1, tzinfo=UTC)}, "$.when"),
        ({"fee": Decimal("1.50")}, "$.fee"),
        ({"raw": b"bytes"}, "$.raw"),
        ({"tags": {"a", "b"}}, "$.tags"),
        ({1: "one"}, "$"),
        ({"s": "lone \ud800 surrogate"}, "$.s"),
        ({"\udfff": 1}, "$ key"),
    ],
)
def test_non_json_values_are_refused_with_where(value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        canonical_json(value)
    assert err.value.field == field
    assert err.value.expected


def test_deep_nesting_is_a_validation_error_not_a_crash() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValidationError, match="nested too deeply"):
        canonical_json(deep)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=20,
)


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return MappingProxyType({k: _freeze(x) for k, x in v.items()})
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


@given(json_values)
def test_output_is_json_idempotent_and_path_independent(value: Any) -> None:
    out = canonical_json(value)
    back = json.loads(out)
    assert canonical_json(back) == out  # idempotent through a JSON round trip
    assert canonical_json(_freeze(value)) == out  # fast and exact paths agree


@given(st.dictionaries(st.text(max_size=4), st.integers(), min_size=2, max_size=8), st.randoms())
def test_insertion_order_does_not_matter(d: dict[str, int], rnd: Any) -> None:
    items = list(d.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(d)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_es6_numbers_read_back_to_the_same_float(x: float) -> None:
    text = es6_number(x)
    assert float(text) == x
    assert "+" not in text or "e+" in text
    assert not text.endswith(".0")
