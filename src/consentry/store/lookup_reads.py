"""What a lookup reads, over a Session or a plain ``sqlite3`` connection: one code for both.

:class:`LookupReads` holds the reads of :meth:`RegistryService.lookup` (works by identifier,
open disputes, titles and consent parties, declarations) written once over "run this
:class:`~consentry.store.bulk_reads.BulkRead` for these ids". The unit of work runs them on
its Session (:func:`session_rows`); the command line's ``lookup`` on SQLite runs them on a
``sqlite3`` connection (:class:`SqliteLookups`), the same SQL SQLAlchemy renders for
SQLite, in the same deferred read transaction.

Decision (issue 8, "a lookup in under 0.6 s"): importing SQLAlchemy and its ORM is about
0.2 s, a third of a one-identifier ``consentry lookup``'s start-up, for reads that are four
statements. This module imports neither: :func:`open_sqlite_lookups` checks that the
database exists and its schema is the newest (Alembic's version table against the newest
migration script, read as text) and answers None otherwise, so that the command takes the
full path (which creates or migrates the database first). Answers are the same by
construction (same SQL, same code after the rows); ``tests/store/test_lookup_reads.py``
compares both on the same registry.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import WorkSummary
from consentry.store import bulk_reads as bulk
from consentry.store.schema_version import head_revision
from consentry.store.times import parse_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from consentry.registry.works import Work

CHUNK = 2000  # ids per IN (...): within SQLite's parameter limit
# PostgreSQL takes the ids as one array parameter (``= ANY(:ids)``), which has no such limit.
# Decision (issue 8): each statement cost 1-3 ms of planning on the server and one round
# trip; a 10,000-identifier lookup ran 29 of them in chunks of 2,000, now 7.
PG_CHUNK = 100_000

# Runs one bulk read for some ids, giving the named columns of each row.
Rows = Callable[[bulk.BulkRead, Sequence[Any], Sequence[str]], list[tuple[Any, ...]]]


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def session_rows(session: Session) -> Rows:
    return lambda read, ids, names: read.rows(session, ids, *names)


def session_lookups(session: Session) -> LookupReads:
    """The reads on a Session: in chunks of :data:`PG_CHUNK` ids on PostgreSQL, else
    :data:`CHUNK`."""
    chunk = PG_CHUNK if session.get_bind().dialect.name == "postgresql" else CHUNK
    return LookupReads(session_rows(session), chunk)


def declaration_from(v: Sequence[Any]) -> Declaration:
    """From the values of :data:`bulk_reads.DECLARATION_FIELDS`, in that order (a read picks
    them by column name)."""
    (id_, party_id, work_id, purpose, status, attribution, licence_url) = v[:7]
    (effective_from, recorded_at, declared_by, mandate_id, ledger_seq, territory) = v[7:]
    return Declaration(
        id=id_,
        party_id=party_id,
        purpose=Purpose(purpose),
        status=Status(status),
        effective_from=parse_time(effective_from),
        recorded_at=parse_time(recorded_at),
        work_id=work_id,
        attribution_required=bool(attribution),
        licence_url=licence_url,
        declared_by=declared_by,
        mandate_id=mandate_id,
        ledger_seq=ledger_seq,
        territory=territory,
    )


class LookupReads:
    """The reads of a lookup; each takes any number of ids (read in chunks)."""

    def __init__(self, rows: Rows, chunk: int = CHUNK) -> None:
        self._rows = rows
        self._chunk = chunk

    def ids_for_identifiers(self, identifiers: Sequence[str]) -> dict[str, list[str]]:
        """The works holding each identifier, by work id."""
        out: dict[str, list[str]] = defaultdict(list)
        for part in chunks(list(dict.fromkeys(identifiers)), self._chunk):
            for ident, work_id in self._rows(
                bulk.WORKS_BY_IDENTIFIER, part, ("identifier", "work_id")
            ):
                out[ident].append(work_id)
        return out

    def open_dispute_ids(self, identifiers: Sequence[str]) -> dict[str, str]:
        """The open dispute of each identifier that has one, by id."""
        out: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(identifiers)), self._chunk):
            out.update(self._rows(bulk.OPEN_DISPUTES, part, ("identifier", "id")))
        return out

    def summaries(self, ids: Sequence[str]) -> dict[str, WorkSummary]:
        """Id, title and consent parties of many works: all a lookup needs (3 queries a chunk)."""
        titles: dict[str, str] = {}
        parties: dict[str, dict[str, None]] = defaultdict(dict)
        pair = ("work_id", "party_id")
        for part in chunks(list(dict.fromkeys(ids)), self._chunk):
            titles.update(self._rows(bulk.TITLES, part, ("id", "title")))
            for work_id, party in self._rows(bulk.HOLDING_PARTIES, part, pair):
                parties[work_id][party] = None
            for work_id, party in self._rows(bulk.CREATIVE_PARTIES, part, pair):
                parties[work_id][party] = None
        # parties sorted: the covering indexes answer these queries in index order
        return {
            wid: WorkSummary(wid, title, tuple(sorted(parties[wid])))
            for wid, title in titles.items()
        }

    def own_and_catalogue(
        self, works: Sequence[Work | WorkSummary]
    ) -> tuple[dict[str, list[Declaration]], dict[str, list[Declaration]]]:
        """The works' own declarations by work id, and the catalogue declarations of their
        consent parties by party id (every consent party present, maybe with none)."""
        party_ids = sorted({p for w in works for p in w.consent_parties()})
        by_work: dict[str, list[Declaration]] = defaultdict(list)
        by_party: dict[str, list[Declaration]] = {p: [] for p in party_ids}
        fields = bulk.DECLARATION_FIELDS
        for part in chunks([w.id for w in works], self._chunk):
            for v in self._rows(bulk.DECLARATIONS_OF_WORKS, part, fields):
                d = declaration_from(v)
                by_work[d.work_id or ""].append(d)
        for part in chunks(party_ids, self._chunk):
            for v in self._rows(bulk.CATALOGUE_DECLARATIONS, part, fields):
                d = declaration_from(v)
                by_party[d.party_id].append(d)
        return dict(by_work), by_party


class SqliteLookups:
    """A read-only unit of work for lookups on a ``sqlite3`` connection: each ``with`` block
    is a deferred ``BEGIN`` ... ``ROLLBACK`` (one snapshot for every read, as a unit of work
    has). One thread at a time (the command line's)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.lookups = LookupReads(lambda read, ids, names: read.sqlite_rows(conn, ids, *names))

    def __enter__(self) -> SqliteLookups:
        self._conn.execute("BEGIN")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()


def open_sqlite_lookups(path: Path) -> SqliteLookups | None:
    """Lookups on the SQLite database at ``path`` without SQLAlchemy, or None when there is
    no database there yet or its schema is not the newest (the full path creates or
    migrates it) or it cannot be read (the full path reports why)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        versions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        conn.close()
        return None
    head = head_revision()
    if head is None or versions != {head}:
        conn.close()
        return None
    return SqliteLookups(conn)
