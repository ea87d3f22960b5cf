"""The four rules of distribution (docs/distribution.md), checked against a plain Fraction
reference over random pools, shares, usage, thresholds and balances brought forward."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.accounting import books
from consentry.accounting.distribution import (
    Inputs,
    UseRow,
    distribute,
    line_amounts,
    payee_shares,
)
from consentry.errors import ValidationError


def reference(inputs: Inputs, rows: list[UseRow]) -> tuple[int, dict[str, int]]:
    """Rules 1-3 written as plainly as possible, with Fractions, line by line (the
    distribution itself sums the units per identifier first)."""
    total = sum(r.units_milli for r in rows)
    exact: dict[str, Fraction] = defaultdict(Fraction)
    unidentified = Fraction(0)
    for r in rows:
        line = Fraction(inputs.pool * r.units_milli, total)
        works = inputs.works.get(r.identifier, ())
        holders = inputs.holders.get(works[0], ()) if len(works) == 1 else ()
        if not holders:
            unidentified += line
            continue
        covered = Fraction(0)
        for party, share in holders:
            exact[party] += line * Fraction(share) / 100
            covered += Fraction(share)
        unidentified += line * (100 - covered) / 100
    for party, amount in inputs.brought_forward.items():
        if amount:
            exact[party] += amount
    floors = {p: math.floor(a) for p, a in exact.items()}
    unid = math.floor(unidentified)
    leftover = inputs.pool + sum(inputs.brought_forward.values()) - unid - sum(floors.values())
    order = sorted(exact, key=lambda p: (-(exact[p] - floors[p]), p))
    assert 0 <= leftover <= len([p for p in exact if exact[p] != floors[p]])
    for p in order[:leftover]:
        floors[p] += 1
    return unid, floors


PARTIES = [f"p{i}" for i in range(6)]


def summed(rows: list[UseRow]) -> list[tuple[str, int]]:
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[r.identifier] += r.units_milli
    return sorted(out.items())


@st.composite
def inputs(draw: st.DrawFn) -> tuple[Inputs, list[UseRow]]:
    works: dict[str, list[str]] = {}
    holders: dict[str, list[tuple[str, Decimal]]] = {}
    idents = [f"isbn:{i}" for i in range(draw(st.integers(1, 6)))]
    for n, ident in enumerate(idents):
        kind = draw(st.sampled_from(["work", "work", "none", "disputed"]))
        if kind == "none":
            continue
        works[ident] = [f"w{n}"] if kind == "work" else [f"w{n}", f"x{n}"]
        owners = draw(st.lists(st.sampled_from(PARTIES), unique=True, max_size=3))
        left = Decimal(100)
        hs = []
        for p in owners:
            if left < Decimal("0.001"):
                break
            share = draw(st.decimals(Decimal("0.001"), left, places=3))
            if share <= 0:
                continue
            hs.append((p, share))
            left -= share
        holders[f"w{n}"] = hs
    rows = sorted(
        (
            UseRow(draw(st.sampled_from(idents)), lic, "m", purpose, draw(st.integers(0, 10**9)))
            for lic in draw(
                st.lists(st.sampled_from(["A", "B"]), min_size=1, max_size=2, unique=True)
            )
            for purpose in ("ai-train", "ai-input")
        ),
        key=lambda r: (r.identifier, r.licensee, r.purpose),
    )
    if sum(r.units_milli for r in rows) == 0:
        rows[0] = UseRow(rows[0].identifier, rows[0].licensee, "m", rows[0].purpose, 1)
    brought = draw(st.dictionaries(st.sampled_from(PARTIES), st.integers(0, 10**4), max_size=3))
    case = Inputs(
        period="2026-Q1",
        currency="GBP",
        unit="tokens",
        licensee=None,
        pool=draw(st.integers(0, 10**12)),
        threshold=draw(st.integers(0, 10**6)),
        units=summed(rows),
        works=works,
        holders=holders,
        brought_forward=brought,
    )
    return case, rows


@given(inputs())
def test_books_balance_and_the_rounding_rule_is_exact(drawn: tuple[Inputs, list[UseRow]]) -> None:
    case, rows = drawn
    a = distribute(case)
    unid, totals = reference(case, rows)
    assert a.unidentified == unid
    assert {p: t for p, t in a.totals.items()} == {p: t for p, t in totals.items()}
    brought = sum(case.brought_forward.values())
    # paid + carried forward + unidentified = pool (+ what was brought forward), exactly
    assert sum(a.paid.values()) + sum(a.carried.values()) + a.unidentified == case.pool + brought
    # threshold: paid at or above, carried below
    assert all(v >= case.threshold for v in a.paid.values())
    assert all(0 < v < case.threshold for v in a.carried.values())
    postings = books.journal(a, case.pool)
    assert sum(p.amount for p in postings) == 0
    # every statement adds up to what its payee was attributed this period
    for party, shares in payee_shares(case, rows, a.totals).items():
        attributed = a.totals[party] - a.brought_forward.get(party, 0)
        amounts = line_amounts(attributed, shares, a.denominator)
        assert sum(amounts) == attributed and min(amounts, default=0) >= 0


def test_ties_go_to_the_smaller_party_id() -> None:
    # 1.01 over four equal quarters: each exact share is 25.25 pence; one penny is left
    case = Inputs(
        "2026-Q1",
        "GBP",
        "tokens",
        None,
        101,
        0,
        [("a", 1), ("b", 1), ("c", 1), ("d", 1)],
        {"a": ["w1"], "b": ["w2"], "c": ["w3"]},
        {"w1": [("p2", Decimal(100))], "w2": [("p1", Decimal(100))], "w3": [("p3", Decimal(100))]},
        {},
    )
    a = distribute(case)
    assert a.unidentified == 25
    assert a.paid == {"p1": 26, "p2": 25, "p3": 25}


def test_no_units_cannot_share_a_pool() -> None:
    case = Inputs("2026-Q1", "GBP", "tokens", None, 100, 0, [("a", 0)], {}, {}, {})
    with pytest.raises(ValidationError, match="adds up to 0 units"):
        distribute(case)
