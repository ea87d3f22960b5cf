"""Declarations hold in a territory; decisions answer for a territory or for everywhere.

Precedence for territory T (docs/registry.md): this work in T; then this work WORLD and the
catalogue in T, the more restrictive of the two when both exist; then the catalogue WORLD;
then the default reservation. Asked for no territory, the answer must hold everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import MandateError, ValidationError
from consentry.registry.decisions import Outcome, decide, party_terms_at, terms_at
from consentry.registry.mandates import Mandate, authorise
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.territories import parse_territory
from consentry.registry.works import Contributor, ContributorRole, Holding, Work, WorkKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)
P = Purpose.AI_TRAIN
RANK = {Outcome.ALLOW: 0, Outcome.LICENCE_REQUIRED: 1, Outcome.DENY: 2}


def work() -> Work:
    return Work(
        id="w1",
        kind=WorkKind.BOOK,
        title="Emma",
        contributors=(Contributor("author", ContributorRole.AUTHOR),),
        holders=(Holding("author", "creator", Decimal(100)),),
    )


def decl(
    status: Status,
    territory: str = "WORLD",
    *,
    work_id: str | None = "w1",
    day: int = 0,
    n: int = 1,
) -> Declaration:
    at = T0 + timedelta(days=day)
    return Declaration(
        f"d{n}", "author", P, status, at, at, work_id, ledger_seq=n, territory=territory
    )


def outcome(ds: list[Declaration], territory: str | None) -> Outcome:
    return decide(work(), ds, purpose=P, at=T0 + timedelta(days=30), territory=territory).outcome


def test_a_territory_reservation_denies_there_and_everywhere_but_not_elsewhere() -> None:
    ds = [decl(Status.ALLOWED, n=1), decl(Status.RESERVED, "FR", n=2)]
    assert outcome(ds, "FR") is Outcome.DENY
    assert outcome(ds, "GB") is Outcome.ALLOW
    assert outcome(ds, None) is Outcome.DENY  # "everywhere" must not say allow
    assert outcome(ds, "WORLD") is Outcome.DENY  # WORLD asks the same as no territory


def test_a_territory_declaration_beats_world_at_the_same_level_whatever_the_dates() -> None:
    # WORLD reserved declared after GB allowed: GB keeps its own, more specific, terms.
    ds = [decl(Status.ALLOWED, "GB", n=1), decl(Status.RESERVED, day=5, n=2)]
    assert outcome(ds, "GB") is Outcome.ALLOW
    assert outcome(ds, "IE") is Outcome.DENY
    cat = [
        decl(Status.ALLOWED, "GB", work_id=None, n=1),
        decl(Status.RESERVED, work_id=None, day=5, n=2),
    ]
    assert outcome(cat, "GB") is Outcome.ALLOW


def test_allowed_in_one_territory_only_is_reserved_everywhere() -> None:
    ds = [decl(Status.ALLOWED, "GB")]
    assert outcome(ds, "GB") is Outcome.ALLOW
    assert outcome(ds, "FR") is Outcome.DENY
    d = decide(work(), ds, purpose=P, at=T0 + timedelta(days=1))
    assert d.outcome is Outcome.DENY
    assert d.territory is None
    assert any("holds everywhere (only for GB)" in r for r in d.reasons)


def test_work_level_in_the_territory_beats_everything() -> None:
    ds = [
        decl(Status.RESERVED, work_id=None, n=1),
        decl(Status.RESERVED, "GB", work_id=None, n=2),
        decl(Status.RESERVED, n=3),
        decl(Status.ALLOWED, "GB", n=4),
    ]
    assert outcome(ds, "GB") is Outcome.ALLOW


def test_work_world_against_catalogue_territory_the_more_restrictive_holds() -> None:
    # Neither is more specific than the other: err toward reserved.
    a = [decl(Status.ALLOWED, n=1), decl(Status.RESERVED, "GB", work_id=None, n=2)]
    b = [decl(Status.RESERVED, n=1), decl(Status.ALLOWED, "GB", work_id=None, n=2)]
    c = [decl(Status.ALLOWED, n=1), decl(Status.LICENCE, "GB", work_id=None, n=2)]
    assert outcome(a, "GB") is Outcome.DENY
    assert outcome(b, "GB") is Outcome.DENY
    assert outcome(c, "GB") is Outcome.LICENCE_REQUIRED
    assert outcome(a, "FR") is Outcome.ALLOW  # the catalogue's GB terms do not hold in FR


def test_evidence_and_reasons_name_the_territory() -> None:
    ds = [decl(Status.ALLOWED, n=1), decl(Status.RESERVED, "FR", n=2)]
    d = decide(work(), ds, purpose=P, at=T0 + timedelta(days=1), territory="FR")
    assert d.territory == "FR"
    assert d.to_json()["territory"] == "FR"
    assert [e.territory for e in d.evidence] == ["FR"]
    assert d.to_json()["evidence"][0]["territory"] == "FR"
    assert "territory FR" in d.reasons[0]
    everywhere = decide(work(), ds, purpose=P, at=T0 + timedelta(days=1))
    assert [e.territory for e in everywhere.evidence] == ["FR"]  # the reservation that denies
    gb = decide(work(), ds, purpose=P, at=T0 + timedelta(days=1), territory="GB")
    assert [e.territory for e in gb.evidence] == ["WORLD"]
    nothing = decide(work(), [], purpose=P, at=T0, territory="GB")
    assert "declared nothing for ai-train in GB" in nothing.reasons[0]
    assert nothing.evidence[0].territory is None


def test_party_terms_follow_the_same_precedence() -> None:
    ds = [
        decl(Status.ALLOWED, work_id=None, n=1),
        decl(Status.RESERVED, "FR", work_id=None, n=2),
    ]
    at = T0 + timedelta(days=1)
    assert party_terms_at("author", ds, at=at, territory="GB").status(P) is Status.ALLOWED
    assert party_terms_at("author", ds, at=at, territory="FR").status(P) is Status.RESERVED
    assert party_terms_at("author", ds, at=at).status(P) is Status.RESERVED


TERRITORIES = ["WORLD", "GB", "FR"]


@settings(deadline=None, max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Status)),
            st.sampled_from(TERRITORIES),
            st.sampled_from(["w1", None, "w2"]),
            st.integers(0, 5),
        ),
        max_size=10,
    ),
    st.sampled_from([None, "WORLD", "GB", "FR", "US"]),
)
def test_lookup_terms_agree_with_decide_in_every_territory(
    rows: list[tuple[Status, str, str | None, int]], asked: str | None
) -> None:
    ds = [
        Declaration(
            f"d{n}",
            "author",
            P,
            status,
            T0 + timedelta(days=day),
            T0 + timedelta(days=day),
            work_id,
            ledger_seq=n,
            territory=territory,
        )
        for n, (status, territory, work_id, day) in enumerate(rows)
    ]
    at = T0 + timedelta(days=6)
    expected = {
        Outcome.ALLOW: Status.ALLOWED,
        Outcome.DENY: Status.RESERVED,
        Outcome.LICENCE_REQUIRED: Status.LICENCE,
    }
    d = decide(work(), ds, purpose=P, at=at, territory=asked)
    assert terms_at(work(), ds, at=at, territory=asked).status(P) is expected[d.outcome]
    if asked in (None, "WORLD"):
        # everywhere = the most restrictive answer over every territory, named or not
        per_territory = [
            decide(work(), ds, purpose=P, at=at, territory=t).outcome for t in ("GB", "FR", "US")
        ]
        assert d.outcome is max(per_territory, key=RANK.__getitem__)


@pytest.mark.parametrize("value", ["Europe", "gbr", "UK", "EU", "XX", "", "G1", "world "])
def test_territory_codes_are_checked(value: str) -> None:
    if value == "world ":
        assert parse_territory(value) == "WORLD"
        return
    with pytest.raises(ValidationError) as e:
        parse_territory(value)
    assert e.value.field == "territory"
    assert repr(value) in e.value.message
    assert "ISO 3166-1 alpha-2" in str(e.value.payload["expected"])


def test_lower_case_codes_are_read_as_upper_case() -> None:
    assert parse_territory(" gb ") == "GB"


# ------------------------------------------------------------------ mandate period
def mandate(**kw: object) -> Mandate:
    base: dict[str, object] = dict(
        id="m1",
        organisation_id="org",
        member_id="mem",
        purposes=frozenset({Purpose.AI_TRAIN}),
        territories=frozenset({"WORLD"}),
        valid_from=T0,
        valid_until=T0 + timedelta(days=365),
        evidence="form 1",
    )
    base.update(kw)
    return Mandate(**base)  # type: ignore[arg-type]


def _authorise(m: Mandate, *, at: datetime, effective: datetime | None) -> Mandate:
    return authorise(
        [m],
        organisation_id="org",
        member_id="mem",
        purposes=[Purpose.AI_TRAIN],
        at=at,
        effective_from=effective,
    )


def test_terms_taking_effect_after_the_mandate_ends_are_refused_naming_the_period() -> None:
    m = mandate()
    now = T0 + timedelta(days=10)
    with pytest.raises(MandateError) as e:
        _authorise(m, at=now, effective=T0 + timedelta(days=400))
    assert "fall outside the period" in e.value.message
    assert "mandate m1 from 2026-01-01T00:00:00+00:00 until 2027-01-01T00:00:00+00:00" in (
        e.value.message
    )
    assert e.value.payload["periods"][0]["valid_until"] == "2027-01-01T00:00:00+00:00"
    # exactly at the end is outside too (valid_until is exclusive)
    with pytest.raises(MandateError):
        _authorise(m, at=now, effective=T0 + timedelta(days=365))


def test_terms_taking_effect_before_the_mandate_began_are_refused() -> None:
    with pytest.raises(MandateError, match="fall outside the period"):
        _authorise(mandate(), at=T0 + timedelta(days=1), effective=T0 - timedelta(days=1))


def test_terms_within_the_period_are_authorised() -> None:
    now = T0 + timedelta(days=10)
    assert _authorise(mandate(), at=now, effective=None).id == "m1"
    assert _authorise(mandate(), at=now, effective=T0 + timedelta(days=364)).id == "m1"
    open_ended = mandate(valid_until=None)
    assert _authorise(open_ended, at=now, effective=T0 + timedelta(days=4000)).id == "m1"


def test_another_mandate_covering_the_later_period_is_used() -> None:
    first = mandate()
    second = mandate(id="m2", valid_from=T0 + timedelta(days=300), valid_until=None)
    got = authorise(
        [first, second],
        organisation_id="org",
        member_id="mem",
        purposes=[Purpose.AI_TRAIN],
        at=T0 + timedelta(days=310),
        effective_from=T0 + timedelta(days=500),
    )
    assert got.id == "m2"
