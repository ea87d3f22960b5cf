"""Ledger verification through storage gives values, not messages to parse.

``LedgerRepository.entries`` yields a :class:`BadEntry` for a row it cannot read (it yielded
a ``str`` that ``verify_ledger`` took apart with ``split()``), and the report carries the
first bad entry as a :class:`BadEntry`. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import text

from consentry.bootstrap import Registry
from consentry.ledger.chain import BadEntry, LedgerEntry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole


def _parties(reg: Registry, n: int) -> None:
    for i in range(n):
        reg.service.create_party(
            SYSTEM, name=f"P{i}", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
        )


def _break_payload(reg: Registry, seq: int) -> None:
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE ledger SET payload = '{not json' WHERE seq = :s"), {"s": seq})


def test_an_unreadable_row_is_a_bad_entry_value(registry: Registry) -> None:
    _parties(registry, 4)
    _break_payload(registry, 3)
    with registry.uow() as uow:
        items = list(uow.ledger.entries())
    assert [type(i) for i in items] == [LedgerEntry, LedgerEntry, BadEntry, LedgerEntry]
    bad = items[2]
    assert isinstance(bad, BadEntry) and bad.seq == 3
    assert bad.reason.startswith("entry 3: payload is not valid JSON (")
    report = registry.service.verify_ledger()
    assert not report.ok and report.checked == 2 and report.head_seq == 2
    assert report.bad == bad
    assert (report.first_bad_seq, report.reason) == (bad.seq, bad.reason)


def test_an_unreadable_row_at_a_seq_with_many_digits(registry: Registry) -> None:
    # the old parser read the seq back out of the message; a value needs no parsing
    _parties(registry, 2)
    _break_payload(registry, 1)
    report = registry.service.verify_ledger()
    assert report.bad is not None and report.bad.seq == 1 and report.checked == 0


def test_entry_by_seq_answers_none_beyond_64_bits(registry: Registry) -> None:
    _parties(registry, 1)
    with registry.uow() as uow:
        first = uow.ledger.entry(1)
        assert isinstance(first, LedgerEntry) and first.kind == "party.created"
        for seq in (0, -5, 2, 2**31, 2**63 - 1, 2**63, 2**200):
            assert uow.ledger.entry(seq) is None, seq


def test_a_good_ledger_reports_no_bad_entry(registry: Registry) -> None:
    _parties(registry, 3)
    report = registry.service.verify_ledger()
    assert report.ok and report.bad is None and report.checked == 3
