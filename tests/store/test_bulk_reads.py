"""The bulk reads (one statement per dialect, expanding IN on SQLite, ``= ANY`` on
PostgreSQL) answer exactly as plain ORM queries do, for any list of ids, on both backends.

They replaced a hand-written translator of ``IN (?,...)`` into ``= ANY(%s)``; this checks the
two statements of every read against a reference, with ids that hold quotes, percent signs,
question marks and non-ASCII text, with duplicates, with none, and across a chunk boundary.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from consentry.bootstrap import Registry
from consentry.store import bulk_reads
from consentry.store.repositories import WorkRepository, chunks
from consentry.store.tables import WorkIdentifierRow, WorkRow, table

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AWKWARD = ["it's", "100%", "%s", "?", "a,b", "IN (?)", "naïve", "\\", '"q"', "x" * 300]


def _seed(reg: Registry) -> list[str]:
    """Works w0..w2099 (one chunk and then some), each with two identifiers."""
    works = [f"w{n}" for n in range(2100)]
    idents = [f"url:https://e.org/{n}" for n in range(2100)]
    idents[: len(AWKWARD)] = [f"url:{a}" for a in AWKWARD]
    with reg.uow(write=True) as uow:
        uow.session.execute(
            insert(table(WorkRow)),
            [
                {
                    "id": w,
                    "kind": "book",
                    "title": f"T {w}",
                    "fingerprinted": False,
                    "created_at": T0,
                }
                for w in works
            ],
        )
        uow.session.execute(
            insert(table(WorkIdentifierRow)),
            [{"work_id": w, "identifier": i} for w, i in zip(works, idents, strict=True)]
            + [{"work_id": w, "identifier": f"{i}#2"} for w, i in zip(works, idents, strict=True)],
        )
        uow.commit()
    return idents


def _reference(reg: Registry, identifiers: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    with reg.uow() as uow:
        for part in chunks(list(dict.fromkeys(identifiers))):
            q = select(WorkIdentifierRow).where(WorkIdentifierRow.identifier.in_(part))
            for row in uow.session.scalars(q.order_by(WorkIdentifierRow.work_id)):
                out[row.identifier].append(row.work_id)
    return dict(out)


def test_ids_for_identifiers_match_the_reference(registry: Registry) -> None:
    idents = _seed(registry)
    asked = idents + [f"{i}#2" for i in AWKWARD] + ["url:none", "it's", "%"] + idents[:50]
    with registry.uow() as uow:
        got = WorkRepository(uow.session).ids_for_identifiers(asked)
    assert dict(got) == _reference(registry, asked)
    assert len(got) == len(idents)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(
        st.one_of(
            st.integers(0, 2099).map(lambda n: f"url:https://e.org/{n}"),
            st.sampled_from(AWKWARD).map(lambda a: f"url:{a}"),
            st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s),
        ),
        max_size=60,
    )
)
def test_any_list_of_ids_matches_the_reference(registry: Registry, picks: list[str]) -> None:
    with registry.uow() as uow:
        empty = uow.works.count() == 0
    if empty:  # once per registry (Hypothesis runs the examples on one fixture)
        _seed(registry)
    with registry.uow() as uow:
        got = WorkRepository(uow.session).ids_for_identifiers(picks)
    assert dict(got) == _reference(registry, picks)


@pytest.mark.parametrize(
    "read",
    [
        getattr(bulk_reads, n)
        for n in dir(bulk_reads)
        if n.isupper() and isinstance(getattr(bulk_reads, n), bulk_reads.BulkRead)
    ],
)
def test_every_read_runs_with_no_ids_and_with_one(
    registry: Registry, read: bulk_reads.BulkRead
) -> None:
    with registry.uow() as uow:
        assert read.rows(uow.session, [], "work_id" if "work_id" in read.sql else "id") == []
        read.rows(uow.session, ["nothing"], "work_id" if "work_id" in read.sql else "id")


def test_a_column_is_asked_for_by_name(registry: Registry) -> None:
    _seed(registry)
    with registry.uow() as uow:
        rows = bulk_reads.WORKS_BY_IDENTIFIER.rows(uow.session, ["url:?"], "work_id", "identifier")
        assert rows == [("w3", "url:?")]
        flipped = bulk_reads.WORKS_BY_IDENTIFIER.rows(
            uow.session, ["url:?"], "identifier", "work_id"
        )
        assert flipped == [("url:?", "w3")]
        with pytest.raises(KeyError, match="no column title"):
            bulk_reads.WORKS_BY_IDENTIFIER.rows(uow.session, ["url:?"], "title")
