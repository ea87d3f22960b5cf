"""Past-use claims: a settlement-style works list matched by ISBN first, else by title and
author (uncertain matches to review, never paid), then claims per work and holder with the
50/50 default where the registry holds no shares."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from consentry.accounting.claims import Claimant, claimants_for, parse_list, split_claim
from consentry.bootstrap import Registry
from consentry.cli.app import build_app
from consentry.errors import ValidationError
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.accounting.kit import World, party, world

LIST = Path(__file__).resolve().parents[1] / "data" / "accounting" / "works-list.csv"


def _persuasion(reg: Registry, w: World) -> str:
    austen = party(reg, "Jane Austen", PartyKind.PERSON, PartyRole.CREATOR)
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title="Persuasion",
        identifiers=(),
        contributors=(
            (PartyRef(party_id=austen), ContributorRole.AUTHOR),
            (PartyRef(party_id=w.publisher), ContributorRole.PUBLISHER),
        ),
        holders=(),
    )
    return reg.service.create_work(SYSTEM, draft).id


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_match_and_prepare_a_sample_list(registry: Registry, tmp_path: Path) -> None:
    w = world(registry)
    persuasion = _persuasion(registry, w)
    outcomes = registry.accounting.match_claims(
        SYSTEM, parse_list(LIST.read_bytes(), name=LIST.name), match_at=90, review_at=60
    )
    got = {
        o.listed.record: (o.status, o.method, o.work.work_id if o.work else None) for o in outcomes
    }
    assert got[1] == ("matched", "identifier", w.emma)
    assert got[2] == ("matched", "title-author", w.odes)  # "ODES" / "Poet, Sam"
    assert got[3] == ("review", "title-author", persuasion)  # subtitle: not certain enough
    assert got[4][0] == "unmatched"  # ISBN registered to no work, title like none
    assert got[5] == ("matched", "title-author", w.emma)  # bad check digit: matched by title
    assert "is not a valid ISBN" in outcomes[4].reason
    assert got[6] == ("unmatched", "none", None)  # "Emmanuelle" by someone else

    runner, app, home = CliRunner(), build_app(), registry.settings.home
    # the CLI reaches the same registry through --home (SQLite) only
    if registry.engine.dialect.name != "sqlite":
        return
    out = tmp_path / "claims"
    res = runner.invoke(
        app, ["claims", "match", str(LIST), "--out", str(out), "--home", str(home), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"records": 6, "matched": 3, "review": 1, "unmatched": 2}
    assert [r["record"] for r in _rows(out / "review.csv")] == ["3"]
    res = runner.invoke(
        app,
        [
            "claims",
            "prepare",
            str(out),
            "--per-work",
            "3000",
            "--currency",
            "USD",
            "--home",
            str(home),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "compensation.json").read_text())
    assert doc["kind"] == "compensation" and doc["total"] == "6000.00"  # Emma once, Odes
    by_work = {x["work_id"]: x for x in doc["works"]}
    assert set(by_work) == {w.emma, w.odes}  # Persuasion is in review: not claimed
    emma = {c["party_id"]: (c["amount"], c["basis"]) for c in by_work[w.emma]["claimants"]}
    assert emma == {
        w.author: ("1500.00", "registry-shares"),
        w.publisher: ("1500.00", "registry-shares"),
    }
    assert [x["record"] for x in by_work[w.emma]["listed"]] == [1, 5]
    claims = _rows(out / "claims.csv")
    assert sum(Decimal(r["amount"]) for r in claims) == Decimal("6000.00")


def test_prepare_uses_the_50_50_default_where_the_registry_holds_no_shares(
    registry: Registry,
) -> None:
    w = world(registry)
    persuasion = _persuasion(registry, w)
    outcomes = registry.accounting.match_claims(
        SYSTEM, parse_list(LIST.read_bytes(), name=LIST.name), match_at=80, review_at=60
    )
    matched = [(o.work.work_id, o.listed) for o in outcomes if o.status == "matched" and o.work]
    assert persuasion in {m for m, _ in matched}  # at a lower match level it is matched
    prepared = registry.accounting.prepare_claims(
        SYSTEM, matched, per_work="3000.01", currency="USD"
    )
    doc = prepared.to_json()
    p = next(x for x in doc["works"] if x["work_id"] == persuasion)
    assert [(c["role"], c["name"], c["amount"], c["basis"]) for c in p["claimants"]] == [
        ("author", "Jane Austen", "1500.00", "default-50-50"),
        # the cent left over: a tie of remainders, to the smaller party id (Example Press's)
        ("publisher", "Example Press", "1500.01", "default-50-50"),
    ]
    assert w.publisher < min(c["party_id"] for c in p["claimants"][:1])


def test_a_list_without_the_columns_is_refused() -> None:
    with pytest.raises(ValidationError, match="missing column author"):
        parse_list(b"ISBN,Title\n1,2\n", name="list.csv")


def test_a_side_with_nobody_is_left_unassigned() -> None:
    cs = claimants_for([], [("p1", "A"), ("p2", "B")], [])
    assert [(c.party_id, c.role, c.share) for c in cs] == [
        ("p1", "author", Fraction(1, 4)),
        ("p2", "author", Fraction(1, 4)),
        ("", "publisher", Fraction(1, 2)),
    ]


@given(st.integers(0, 10**9), st.lists(st.integers(1, 1000), min_size=1, max_size=7))
def test_claim_splits_add_up_exactly(amount: int, weights: list[int]) -> None:
    total = sum(weights)
    cs = [Claimant(f"p{i}", "", "author", Fraction(wt, total), "x") for i, wt in enumerate(weights)]
    parts = split_claim(amount, cs)
    assert sum(parts) == amount
    assert all(abs(p - amount * c.share) < 1 for p, c in zip(parts, cs, strict=True))
