"""Works, shares, mandates and terms specs validate on construction with clear errors."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import MandateError, ValidationError
from consentry.registry.mandates import Mandate, authorise
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import parse_terms_spec
from consentry.registry.works import Holding, Work, WorkKind, parse_share

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_shares_over_100_are_refused_naming_the_total() -> None:
    with pytest.raises(ValidationError, match=r"add up to 120%"):
        Work(
            "w",
            WorkKind.BOOK,
            "T",
            holders=(Holding("a", "creator", Decimal(60)), Holding("b", "publisher", Decimal(60))),
        )


def test_shares_under_100_make_the_work_incomplete() -> None:
    w = Work("w", WorkKind.BOOK, "T", holders=(Holding("a", "creator", Decimal("33.33")),))
    c = w.completeness()
    assert not c.complete
    assert c.problems == ("shares of right 'all' add up to 33.33%, not 100%",)


def test_exact_decimal_shares_add_up() -> None:
    thirds = tuple(
        Holding(p, "creator", Decimal(s))
        for p, s in (("a", "33.33"), ("b", "33.33"), ("c", "33.34"))
    )
    assert Work("w", WorkKind.BOOK, "T", holders=thirds).completeness().complete


@pytest.mark.parametrize("bad", ["fifty", "", "NaN", "inf"])
def test_bad_share_text(bad: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_share(bad)
    assert e.value.field == "holders.share"


@pytest.mark.parametrize("share", ["0", "-5", "100.01"])
def test_share_out_of_range(share: str) -> None:
    with pytest.raises(ValidationError, match="outside 0 < share <= 100"):
        Holding("a", "creator", Decimal(share))


def test_terms_spec_defaults_to_reserved() -> None:
    got = parse_terms_spec("ai-train=reserved;search=allowed")
    assert got[Purpose.SEARCH] is Status.ALLOWED
    assert got[Purpose.TDM] is Status.RESERVED
    assert len(got) == 5


@pytest.mark.parametrize(
    "spec,msg",
    [
        ("ai-train", "is not purpose=status"),
        ("ai-training=reserved", "unknown purpose 'ai-training'"),
        ("search=maybe", "unknown status 'maybe'"),
        ("search=allowed;search=reserved", "given twice"),
    ],
)
def test_terms_spec_errors(spec: str, msg: str) -> None:
    with pytest.raises(ValidationError, match=msg):
        parse_terms_spec(spec)


@given(st.text(max_size=60))
def test_terms_spec_raises_only_validation_errors(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_terms_spec(text)


def mandate(**kw: object) -> Mandate:
    base: dict[str, object] = dict(
        id="m1",
        organisation_id="org",
        member_id="mem",
        purposes=frozenset({Purpose.AI_TRAIN, Purpose.TDM}),
        territories=frozenset({"GB"}),
        valid_from=T0,
        valid_until=T0 + timedelta(days=365),
        evidence="form 1",
    )
    base.update(kw)
    return Mandate(**base)  # type: ignore[arg-type]


def test_mandate_covers_inside_scope_only() -> None:
    m = mandate()
    assert m.covers(Purpose.AI_TRAIN, "GB", T0 + timedelta(days=1))
    assert not m.covers(Purpose.SEARCH, "GB", T0 + timedelta(days=1))
    assert not m.covers(Purpose.AI_TRAIN, "FR", T0 + timedelta(days=1))
    assert not m.covers(Purpose.AI_TRAIN, "GB", T0 - timedelta(days=1))
    assert not m.covers(Purpose.AI_TRAIN, "GB", T0 + timedelta(days=365))


def test_withdrawn_mandate_covers_nothing_after_withdrawal() -> None:
    m = mandate(withdrawn_at=T0 + timedelta(days=10))
    assert m.covers(Purpose.AI_TRAIN, "GB", T0 + timedelta(days=9))
    assert not m.covers(Purpose.AI_TRAIN, "GB", T0 + timedelta(days=10))


def test_authorise_names_the_uncovered_purpose() -> None:
    with pytest.raises(MandateError, match="purposes search"):
        authorise(
            [mandate()],
            organisation_id="org",
            member_id="mem",
            purposes=[Purpose.AI_TRAIN, Purpose.SEARCH],
            at=T0,
            territory="GB",
        )
    with pytest.raises(MandateError, match="holds no mandate"):
        authorise(
            [mandate()],
            organisation_id="other",
            member_id="mem",
            purposes=[Purpose.AI_TRAIN],
            at=T0,
        )
    assert (
        authorise(
            [mandate()],
            organisation_id="org",
            member_id="mem",
            purposes=[Purpose.AI_TRAIN],
            at=T0,
            territory="GB",
        ).id
        == "m1"
    )


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"purposes": frozenset()}, "purposes"),
        ({"valid_until": T0}, "valid_until"),
        ({"evidence": " "}, "evidence"),
        ({"territories": frozenset({"gb"})}, "territories"),
    ],
)
def test_mandate_validation(kw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        mandate(**kw)
    assert e.value.field == field


def test_nul_characters_are_refused_before_they_reach_a_database() -> None:
    from consentry.registry.parties import Party, PartyKind

    with pytest.raises(ValidationError, match="NUL"):
        Work("w", WorkKind.BOOK, "Em\x00ma")
    with pytest.raises(ValidationError, match="NUL"):
        Party("p", "Jane\x00", PartyKind.PERSON)
