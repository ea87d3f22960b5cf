"""Decisions combine every consent party's declaration as it held at time T."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.registry.decisions import Outcome, decide, party_terms_at, terms_at
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import Contributor, ContributorRole, Holding, Work, WorkKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def work(*, holders: tuple[Holding, ...] | None = None) -> Work:
    return Work(
        id="w1",
        kind=WorkKind.BOOK,
        title="Emma",
        contributors=(Contributor("author", ContributorRole.AUTHOR),),
        holders=holders
        if holders is not None
        else (
            Holding("author", "creator", Decimal(50)),
            Holding("press", "publisher", Decimal(50)),
        ),
    )


def decl(
    party: str,
    status: Status,
    *,
    purpose: Purpose = Purpose.AI_TRAIN,
    at: datetime = T0,
    work_id: str | None = "w1",
    recorded: datetime | None = None,
    n: int = 1,
) -> Declaration:
    return Declaration(
        id=f"d-{party}-{n}",
        party_id=party,
        purpose=purpose,
        status=status,
        effective_from=at,
        recorded_at=recorded or at,
        work_id=work_id,
        ledger_seq=n,
    )


def test_nothing_declared_is_reserved_for_every_party() -> None:
    d = decide(work(), [], purpose=Purpose.AI_TRAIN, at=T0)
    assert d.outcome is Outcome.DENY
    assert {e.party_id for e in d.evidence} == {"author", "press"}
    assert all(e.scope == "default" and e.status is Status.RESERVED for e in d.evidence)


def test_publisher_allowed_does_not_stand_in_for_the_author() -> None:
    d = decide(work(), [decl("press", Status.ALLOWED)], purpose=Purpose.AI_TRAIN, at=T0)
    assert d.outcome is Outcome.DENY
    assert any("party author has declared nothing" in r for r in d.reasons)


def test_every_party_allowed_allows_and_attribution_is_carried() -> None:
    a = Declaration(
        "da", "author", Purpose.AI_TRAIN, Status.ALLOWED, T0, T0, "w1", attribution_required=True
    )
    d = decide(work(), [a, decl("press", Status.ALLOWED)], purpose=Purpose.AI_TRAIN, at=T0)
    assert d.outcome is Outcome.ALLOW
    assert d.attribution_required


def test_licence_from_one_and_allowed_from_other_requires_licence() -> None:
    ds = [decl("author", Status.LICENCE), decl("press", Status.ALLOWED)]
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0).outcome is Outcome.LICENCE_REQUIRED


def test_history_is_answered_as_it_held_then() -> None:
    later = T0 + timedelta(days=30)
    ds = [
        decl("author", Status.ALLOWED, n=1),
        decl("press", Status.ALLOWED, n=2),
        decl("author", Status.RESERVED, at=later, n=3),
    ]
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0 + timedelta(days=1)).outcome is (
        Outcome.ALLOW
    )
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=later).outcome is Outcome.DENY
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0 - timedelta(seconds=1)).outcome is (
        Outcome.DENY
    )


def test_backdated_declaration_does_not_rewrite_the_past() -> None:
    # Recorded on day 10 but effective from day 0: an answer for day 5 is what was known then.
    ds = [
        decl("author", Status.ALLOWED, recorded=T0 + timedelta(days=10), n=1),
        decl("press", Status.ALLOWED, n=2),
    ]
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0 + timedelta(days=5)).outcome is (
        Outcome.DENY
    )
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0 + timedelta(days=11)).outcome is (
        Outcome.ALLOW
    )


def test_work_level_declaration_beats_catalogue_level() -> None:
    ds = [
        decl("author", Status.ALLOWED, work_id=None, n=1),
        decl("author", Status.RESERVED, work_id="w1", n=2),
        decl("press", Status.ALLOWED, n=3),
    ]
    d = decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0)
    assert d.outcome is Outcome.DENY
    assert [e.scope for e in d.evidence if e.party_id == "author"] == ["work"]


def test_catalogue_declaration_applies_when_no_work_level_one() -> None:
    ds = [decl("author", Status.ALLOWED, work_id=None), decl("press", Status.ALLOWED)]
    d = decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0)
    assert d.outcome is Outcome.ALLOW
    assert {e.scope for e in d.evidence} == {"catalogue", "work"}


def test_other_purposes_and_works_are_ignored() -> None:
    ds = [
        decl("author", Status.ALLOWED, purpose=Purpose.SEARCH),
        decl("press", Status.ALLOWED, purpose=Purpose.SEARCH),
        decl("author", Status.ALLOWED, work_id="w2"),
    ]
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0).outcome is Outcome.DENY
    assert decide(work(), ds, purpose=Purpose.SEARCH, at=T0).outcome is Outcome.ALLOW


def test_work_without_holders_is_denied_and_says_incomplete() -> None:
    d = decide(work(holders=()), [], purpose=Purpose.SEARCH, at=T0)
    # the author is still a creative contributor whose default reservation applies
    assert d.outcome is Outcome.DENY
    assert any("record incomplete: no rights holders recorded" in r for r in d.reasons)


def test_terms_at_summarises_every_purpose() -> None:
    ds = [
        decl("author", Status.ALLOWED, purpose=Purpose.SEARCH, n=1),
        decl("press", Status.ALLOWED, purpose=Purpose.SEARCH, n=2),
        decl("author", Status.LICENCE, purpose=Purpose.AI_INPUT, n=3),
        decl("press", Status.ALLOWED, purpose=Purpose.AI_INPUT, n=4),
    ]
    terms = terms_at(work(), ds, at=T0)
    assert terms.as_dict() == {
        "tdm": "reserved",
        "ai-train": "reserved",
        "ai-input": "licence",
        "ai-index": "reserved",
        "search": "allowed",
    }


def test_party_terms_only_catalogue_level() -> None:
    ds = [
        decl("author", Status.ALLOWED, purpose=Purpose.SEARCH, work_id=None, n=1),
        decl("author", Status.ALLOWED, purpose=Purpose.AI_TRAIN, work_id="w1", n=2),
    ]
    terms = party_terms_at("author", ds, at=T0)
    assert terms.status(Purpose.SEARCH) is Status.ALLOWED
    assert terms.status(Purpose.AI_TRAIN) is Status.RESERVED


@pytest.mark.parametrize(
    "statuses,expected",
    [
        ((Status.ALLOWED, Status.ALLOWED), Outcome.ALLOW),
        ((Status.ALLOWED, Status.LICENCE), Outcome.LICENCE_REQUIRED),
        ((Status.LICENCE, Status.LICENCE), Outcome.LICENCE_REQUIRED),
        ((Status.RESERVED, Status.ALLOWED), Outcome.DENY),
        ((Status.LICENCE, Status.RESERVED), Outcome.DENY),
    ],
)
def test_most_restrictive_wins(statuses: tuple[Status, Status], expected: Outcome) -> None:
    ds = [decl("author", statuses[0], n=1), decl("press", statuses[1], n=2)]
    assert decide(work(), ds, purpose=Purpose.AI_TRAIN, at=T0).outcome is expected


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["author", "press", "other"]),
            st.sampled_from(list(Status)),
            st.sampled_from(list(Purpose)),
            st.integers(0, 5),
            st.integers(0, 5),
            st.sampled_from(["w1", None, "w2"]),
            st.booleans(),
        ),
        max_size=12,
    ),
    st.integers(0, 6),
)
def test_terms_at_agrees_with_decide(rows: list[tuple], at_day: int) -> None:  # type: ignore[type-arg]
    ds = [
        Declaration(
            f"d{n}",
            party,
            purpose,
            status,
            T0 + timedelta(days=eff),
            T0 + timedelta(days=rec),
            work_id,
            attribution_required=attr,
            ledger_seq=n,
        )
        for n, (party, status, purpose, eff, rec, work_id, attr) in enumerate(rows)
    ]
    at = T0 + timedelta(days=at_day)
    terms = terms_at(work(), ds, at=at)
    for purpose in Purpose:
        d = decide(work(), ds, purpose=purpose, at=at)
        expected = {
            Outcome.ALLOW: Status.ALLOWED,
            Outcome.DENY: Status.RESERVED,
            Outcome.LICENCE_REQUIRED: Status.LICENCE,
        }[d.outcome]
        assert terms.status(purpose) is expected
        assert terms.purposes[purpose].attribution_required == d.attribution_required
