"""What a decision reads: the one-statement PostgreSQL read gives the same work and the same
declarations, in the same order, as the generic repository reads; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tests.conftest import FakeClock

from consentry.bootstrap import Registry
from consentry.errors import NotFound, StorageError
from consentry.registry.access import SYSTEM
from consentry.registry.decisions import decide
from consentry.registry.parties import Party, PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from consentry.store.decision_reads import read_decision_inputs


def _party(reg: Registry, name: str, role: PartyRole) -> str:
    kind = PartyKind.PERSON if role is PartyRole.CREATOR else PartyKind.ORGANISATION
    return reg.service.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id


def _setup(reg: Registry, clock: FakeClock) -> tuple[list[str], list[datetime]]:
    """Works with many parties, none, or no declarations; declarations at work and catalogue
    level, superseded over time, and some of parties whose consent does not count."""
    svc = reg.service
    author = _party(reg, "Author", PartyRole.CREATOR)
    translator = _party(reg, "Translator", PartyRole.CREATOR)
    editor = _party(reg, "Editor", PartyRole.CREATOR)  # contributor, not a consent party
    press = _party(reg, "Press", PartyRole.PUBLISHER)
    other = _party(reg, "Other", PartyRole.PUBLISHER)  # no part in the works below

    def work(
        title: str, contributors: tuple[tuple[str, ContributorRole], ...], holders: int
    ) -> str:
        draft = WorkDraft(
            kind=WorkKind.BOOK,
            title=title,
            identifiers=(f"doi:10.1000/{title.lower().replace(' ', '-')}",),
            contributors=tuple((PartyRef(party_id=p), r) for p, r in contributors),
            holders=(
                (PartyRef(party_id=author), "creator", Decimal(40), "all"),
                (PartyRef(party_id=press), "publisher", Decimal(60), "all"),
            )[:holders],
        )
        return svc.create_work(SYSTEM, draft).id

    full = work(
        "Full",
        (
            (editor, ContributorRole.EDITOR),
            (author, ContributorRole.AUTHOR),
            (translator, ContributorRole.TRANSLATOR),
        ),
        2,
    )
    bare = work("Bare", (), 0)
    quiet = work("Quiet", ((author, ContributorRole.AUTHOR),), 1)
    times = [clock.now]
    for party in (author, translator, editor, press, other):
        svc.declare_terms(SYSTEM, party_id=party, statuses={p: Status.ALLOWED for p in Purpose})
    times.append(clock.advance(days=1))
    svc.declare_terms(
        SYSTEM,
        party_id=press,
        work_id=full,
        statuses={Purpose.AI_TRAIN: Status.LICENCE, Purpose.TDM: Status.RESERVED},
        licence_url="https://example.org/licence",
    )
    svc.declare_terms(
        SYSTEM,
        party_id=author,
        statuses={Purpose.AI_TRAIN: Status.ALLOWED},
        attribution_required=True,
    )
    times.append(clock.advance(days=1))
    svc.declare_terms(
        SYSTEM,
        party_id=translator,
        work_id=full,
        statuses={Purpose.AI_TRAIN: Status.RESERVED},
        effective_from=clock.now + timedelta(days=3),  # declared now, in force later
    )
    times.append(clock.advance(days=5))
    # a work-level row of a party outside the consent chain (written straight to the table):
    # read by both forms, ignored by the decision
    with reg.uow(write=True) as uow:
        uow.declarations.add_many(
            [
                Declaration(
                    id="d-editor",
                    party_id=editor,
                    purpose=Purpose.AI_TRAIN,
                    status=Status.RESERVED,
                    effective_from=clock.now,
                    recorded_at=clock.now,
                    work_id=full,
                )
            ]
        )
        uow.commit()
    times.append(clock.advance(days=1))
    return [full, bare, quiet], times


def test_one_statement_read_equals_generic_reads(registry: Registry, clock: FakeClock) -> None:
    works, times = _setup(registry, clock)
    for work_id in works:
        with registry.uow() as uow:
            work = uow.works.get(work_id)
            generic = (work, uow.declarations.for_works([work])[work.id])
        with registry.uow() as uow:
            uow.single_read()
            assert uow.decision_reads.get(work_id) == generic
        for purpose in ALL_PURPOSES:
            for at in times:
                assert registry.service.decide(
                    work_id=work_id, purpose=purpose, at=at, developer_id="dev"
                ) == decide(*generic, purpose=purpose, at=at, developer_id="dev")
    # the full work really exercises the rules: its parties disagree, over time
    outcomes = {
        registry.service.decide(work_id=works[0], purpose=Purpose.AI_TRAIN, at=t).outcome
        for t in times
    }
    assert len(outcomes) == 3


def test_single_read_of_a_missing_work(registry: Registry) -> None:
    with registry.uow() as uow:
        uow.single_read()
        with pytest.raises(NotFound):
            uow.decision_reads.get("w-missing")


def test_single_read_runs_outside_a_transaction_and_never_commits(registry: Registry) -> None:
    with registry.uow() as uow:
        uow.single_read()
        with pytest.raises(NotFound):
            uow.decision_reads.get("w-missing")
        if registry.engine.dialect.name == "postgresql":
            dbapi = uow.session.connection().connection.dbapi_connection
            assert dbapi is not None
            assert dbapi.autocommit  # no BEGIN was sent, no ROLLBACK will be
        with pytest.raises(StorageError):
            uow.commit()
    with registry.uow(write=True) as uow, pytest.raises(StorageError):
        uow.single_read()


def test_a_pooled_connection_is_transactional_again_after_a_single_read(
    registry: Registry,
) -> None:
    for _ in range(3):  # the pool hands the same connection back
        with registry.uow() as uow:
            uow.single_read()
            with pytest.raises(NotFound):
                uow.decision_reads.get("w-missing")
        with registry.uow(write=True) as uow:
            uow.parties.add(
                Party("p-gone", "Gone", PartyKind.PERSON, frozenset({PartyRole.CREATOR})),
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            # left without commit: rolled back
        with registry.uow() as uow:
            assert not uow.parties.exists("p-gone")


def test_the_session_free_read_equals_the_unit_of_works_read(
    registry: Registry, clock: FakeClock
) -> None:
    works, _ = _setup(registry, clock)
    for work_id in works:
        with registry.uow() as uow:
            uow.single_read()
            expected = uow.decision_reads.get(work_id)
        assert read_decision_inputs(registry.engine, work_id) == expected
        assert registry.uow().decision_inputs(work_id) == expected
    with pytest.raises(NotFound):
        read_decision_inputs(registry.engine, "w-missing")
    with pytest.raises(StorageError):
        registry.uow(write=True).decision_inputs(works[0])


def test_a_session_free_read_leaves_its_pooled_connection_as_it_found_it(
    registry: Registry,
) -> None:
    for _ in range(3):  # the pool hands the same connection back
        with pytest.raises(NotFound):
            read_decision_inputs(registry.engine, "w-missing")
        fairy = registry.engine.raw_connection()
        try:
            dbapi = fairy.driver_connection
            assert dbapi is not None
            if registry.engine.dialect.name == "postgresql":
                assert not dbapi.autocommit
            else:
                assert not dbapi.in_transaction  # the read's BEGIN was rolled back
        finally:
            fairy.close()
        with registry.uow(write=True) as uow:
            uow.parties.add(
                Party("p-gone", "Gone", PartyKind.PERSON, frozenset({PartyRole.CREATOR})),
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            # left without commit: rolled back
        with registry.uow() as uow:
            assert not uow.parties.exists("p-gone")
