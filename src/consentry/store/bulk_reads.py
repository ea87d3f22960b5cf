"""Reads over a list of ids (lookups, decisions, imports): one statement per dialect, built once.

Decision: each read is written once in SQL and compiled at import into two SQLAlchemy
``text()`` statements that differ only in how they test membership. SQLite gets an
expanding bind parameter (``id IN :ids`` becomes ``id IN (?, ?, ...)``); PostgreSQL gets
``id = ANY(:ids)`` with one array parameter, which the server parses and plans once instead
of a list of thousands of parameters. Statements are module constants, so SQLAlchemy's
compiled cache is hit on every call; rows are read by column name, resolved to indexes once
per result (:meth:`BulkRead.rows`).

Measured against the regex translator it replaced (client CPU per repository call for
10,000 identifiers among 1,000,000 works, median of 5, on a loaded 2-core machine):
PostgreSQL ``ids_for_identifiers`` 24-26 -> 29-30 ms, ``summaries`` 105-106 -> 105-116 ms,
``for_works`` 56-60 -> 52-58 ms; SQLite (where the expanding IN renders its 2,000
placeholders per chunk) 61 -> 68, 185 -> 200 and 65 -> 69 ms. Wall times were within the
machine's noise on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from consentry.registry.works import CREATIVE_ROLES

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy import TextClause
    from sqlalchemy.orm import Session


class BulkRead:
    """One read, in SQL with ``{ids}`` where the membership test on ``column`` goes.

    The SQLAlchemy statements are built on first use, not at import: this module is also what
    the command line's ``lookup`` reads with on a plain ``sqlite3`` connection
    (:meth:`sqlite_rows`), which must not load SQLAlchemy (~0.2 s of its start-up) nor
    PostgreSQL's dialect (~25 ms of every command before).
    """

    def __init__(self, sql: str, column: str) -> None:
        self.sql = sql
        self.column = column
        self._generic: TextClause | None = None
        self._postgresql: TextClause | None = None

    def statement(self, dialect: str) -> TextClause:
        """The statement for ``dialect``, built once: SQLAlchemy's compiled cache keys on it."""
        if dialect == "postgresql":
            if self._postgresql is None:
                from sqlalchemy import String, bindparam, text
                from sqlalchemy.dialects.postgresql import ARRAY

                self._postgresql = text(
                    self.sql.format(ids=f"{self.column} = ANY(:ids)")
                ).bindparams(bindparam("ids", type_=ARRAY(String())))
            return self._postgresql
        if self._generic is None:
            from sqlalchemy import bindparam, text

            self._generic = text(self.sql.format(ids=f"{self.column} IN :ids")).bindparams(
                bindparam("ids", expanding=True)
            )
        return self._generic

    def rows(self, session: Session, ids: Sequence[Any], *names: str) -> list[tuple[Any, ...]]:
        """The rows for ``ids``, each as a tuple of the columns ``names`` (in that order).

        Columns are found by name in the result once per call (an unknown name is a
        KeyError naming it), then each row is picked by index: as fast as unpacking the
        row, and independent of the order the statement selects them in.
        """
        conn = session.connection()
        result = conn.execute(self.statement(conn.dialect.name), {"ids": list(ids)})
        # fetchall: one driver call for every row (iterating fetched them one at a time,
        # two Python calls a row: 47,000 rows for a 10,000-identifier lookup)
        return self._pick(list(result.keys()), result.fetchall(), names)

    def sqlite_rows(
        self, conn: sqlite3.Connection, ids: Sequence[Any], *names: str
    ) -> list[tuple[Any, ...]]:
        """:meth:`rows` on a ``sqlite3`` connection: the statement SQLAlchemy's expanding
        parameter renders for SQLite (``column IN (?, ?, ...)``), so the same plan and rows."""
        marks = ", ".join("?" * len(ids))
        cur = conn.execute(self.sql.format(ids=f"{self.column} IN ({marks})"), list(ids))
        return self._pick([c[0] for c in cur.description], cur.fetchall(), names)

    def _pick(
        self, keys: list[str], rows: Sequence[Sequence[Any]], names: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        missing = [n for n in names if n not in keys]
        if missing:
            raise KeyError(f"{self.sql!r} selects no column {', '.join(missing)}")
        pick = itemgetter(*(keys.index(n) for n in names))
        if len(names) == 1:
            return [(pick(r),) for r in rows]
        return [pick(r) for r in rows]


# The declaration fields a read gives, by name (see lookup_reads.declaration_from).
DECLARATION_FIELDS = (
    "id",
    "party_id",
    "work_id",
    "purpose",
    "status",
    "attribution_required",
    "licence_url",
    "effective_from",
    "recorded_at",
    "declared_by",
    "mandate_id",
    "ledger_seq",
    "territory",
)
DECLARATION_COLUMNS = ", ".join(DECLARATION_FIELDS)
# role values are the enum's own constants (lower-case words and hyphens), not input
_CREATIVE = ", ".join(f"'{r.value}'" for r in sorted(CREATIVE_ROLES))

WORKS = BulkRead("SELECT id, external_id, kind, title, fingerprinted FROM works WHERE {ids}", "id")
WORK_IDENTIFIERS = BulkRead(
    "SELECT work_id, identifier FROM work_identifiers WHERE {ids}", "work_id"
)
CONTRIBUTORS = BulkRead(
    "SELECT work_id, position, party_id, role FROM contributors WHERE {ids}", "work_id"
)
HOLDINGS = BulkRead(
    'SELECT work_id, party_id, role, share, "right" FROM holdings WHERE {ids} ORDER BY id',
    "work_id",
)
TITLES = BulkRead("SELECT id, title FROM works WHERE {ids}", "id")
HOLDING_PARTIES = BulkRead("SELECT work_id, party_id FROM holdings WHERE {ids}", "work_id")
CREATIVE_PARTIES = BulkRead(
    f"SELECT work_id, party_id FROM contributors WHERE {{ids}} AND role IN ({_CREATIVE})",
    "work_id",
)
OPEN_DISPUTES = BulkRead(
    "SELECT identifier, id FROM disputes WHERE {ids} AND resolved_at IS NULL"
    " ORDER BY opened_at, id",
    "identifier",
)
WORKS_BY_IDENTIFIER = BulkRead(
    "SELECT identifier, work_id FROM work_identifiers WHERE {ids} ORDER BY work_id",
    "identifier",
)
DECLARATIONS_OF_WORKS = BulkRead(
    f"SELECT {DECLARATION_COLUMNS} FROM declarations WHERE {{ids}}", "work_id"
)
CATALOGUE_DECLARATIONS = BulkRead(
    f"SELECT {DECLARATION_COLUMNS} FROM declarations WHERE {{ids}} AND work_id IS NULL",
    "party_id",
)
