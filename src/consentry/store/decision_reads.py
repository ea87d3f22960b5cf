"""What one decision reads: the work and every declaration that may govern it.

Decision: on PostgreSQL this is one statement (:data:`PG_DECISION_SQL`); on SQLite, the
generic repository reads' six queries for one work (a work in four, its declarations in
two). Measured with 50 clients at 500 decisions/s on 2 cores: six statements, each a round
trip to a server on the same cores, made PostgreSQL the bottleneck. In one statement the
server does the same index look-ups for one round trip, and when it runs outside a
transaction (:meth:`SqlUnitOfWork.single_read`) psycopg's automatic prepared statements
survive between requests (a ``ROLLBACK`` drops them all). On SQLite, a library call away,
the six small queries are the faster form: a one-statement ``UNION ALL`` read made SQLite
about 6x slower.

Both run on the driver's cursor, in a unit of work's transaction (same snapshot, same
``BEGIN`` and ``ROLLBACK``; the decisions themselves go without a Session, see
:func:`read_decision_inputs`): SQLAlchemy's result machinery cost several times the SQLite
queries themselves (~60 us a query against ~10 us on the cursor; about 45 % of a decision's
CPU in-process, ``benchmarks/decision_profile.py``) and, on PostgreSQL, built a result
description of the statement's 20 columns for every decision (~15 % of its CPU).
``tests/store/test_decision_reads.py`` checks that both give the same work and
declarations, in the same order, as the generic reads on the same data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.licensing.grants import GrantCover
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import Contributor, Holding, Work, WorkKind
from consentry.store.bulk_reads import DECLARATION_COLUMNS
from consentry.store.repositories import CONTRIBUTOR_ROLES, decimal_share
from consentry.store.times import parse_time

_DECL_SQL = f"SELECT {DECLARATION_COLUMNS} FROM declarations"


def raw_declaration(r: Sequence[Any]) -> Declaration:
    """From a driver's tuple of :data:`DECLARATION_COLUMNS`, by position: the cursor reads
    below return plain tuples (no names) for speed."""
    return Declaration(
        id=r[0],
        party_id=r[1],
        purpose=Purpose(r[3]),
        status=Status(r[4]),
        effective_from=parse_time(r[7]),
        recorded_at=parse_time(r[8]),
        work_id=r[2],
        attribution_required=bool(r[5]),
        licence_url=r[6],
        declared_by=r[9],
        mandate_id=r[10],
        ledger_seq=r[11],
        territory=r[12],
    )


# One row per declaration (at least one row: the LEFT JOIN keeps a work with none), each
# carrying the work, its identifiers, contributors and holdings (built once, MATERIALIZED, so
# the array subqueries are not run again for each declaration). The declarations are the
# work's own and the catalogue-wide ones of every party holding or contributing to it, a
# superset of its consent parties that the caller narrows exactly as the generic path does.
# Same orders as the generic reads: contributors by position (ties by insertion), holdings by
# insertion (id).
PG_DECISION_SQL = """\
WITH w AS MATERIALIZED (
  SELECT w.id, w.external_id, w.kind, w.title, w.fingerprinted,
    ARRAY(SELECT i.identifier FROM work_identifiers i WHERE i.work_id = w.id) AS idents,
    ARRAY(SELECT ARRAY[c.position::text, c.party_id, c.role] FROM contributors c
          WHERE c.work_id = w.id ORDER BY c.position, c.id) AS contribs,
    ARRAY(SELECT ARRAY[h.party_id, h.role, h.share, h."right"] FROM holdings h
          WHERE h.work_id = w.id ORDER BY h.id) AS holds
  FROM works w WHERE w.id = %s
)
SELECT w.id, w.external_id, w.kind, w.title, w.fingerprinted, w.idents, w.contribs, w.holds,
  d.id, d.party_id, d.work_id, d.purpose, d.status, d.attribution_required, d.licence_url,
  d.effective_from, d.recorded_at, d.declared_by, d.mandate_id, d.ledger_seq, d.territory
FROM w LEFT JOIN LATERAL (
  SELECT * FROM declarations WHERE work_id = w.id
  UNION ALL
  SELECT * FROM declarations WHERE work_id IS NULL AND party_id IN (
    SELECT party_id FROM holdings WHERE work_id = w.id
    UNION SELECT party_id FROM contributors WHERE work_id = w.id)
) d ON true"""


def read_decision_inputs(engine: Engine, work_id: str) -> tuple[Work, list[Declaration]]:
    """:func:`read_decision_context` without a licensee: the work and its declarations."""
    work, decls, _ = read_decision_context(engine, work_id, None)
    return work, decls


def read_decision_context(
    engine: Engine, work_id: str, licensee: str | None
) -> tuple[Work, list[Declaration], list[GrantCover]]:
    """:meth:`DecisionReadRepository.get` on a pooled driver connection, without a Session,
    and the licence grants of ``licensee`` (None: none read) covering the work.

    Decision (issue 8): the Session's connection, ``BEGIN`` event and rollback-and-close
    around these reads cost about as much CPU as the reads themselves (~100 us a decision
    in-process). The same transactions are kept: on SQLite a deferred ``BEGIN`` ... ``ROLLBACK``
    around the six reads (one snapshot, as in a unit of work), on PostgreSQL the one statement
    in autocommit, as :meth:`SqlUnitOfWork.single_read` runs it. The pool's checkout events
    (the idle ping) run as for a Session.

    Decision (issue 12): the grants are read in the same snapshot: on SQLite one more small
    query (only when a licensee is asked for), on PostgreSQL one more array column of the
    same statement (:data:`PG_DECISION_GRANTS_SQL`), so a decision stays one round trip.
    """
    fairy = engine.raw_connection()
    try:
        dbapi: Any = fairy.driver_connection
        if engine.dialect.name == "sqlite":
            dbapi.execute("BEGIN")
            try:
                work, decls = DecisionReadRepository._sqlite(dbapi, work_id)
                grants = _sqlite_grants(dbapi, work_id, licensee) if licensee else []
                return work, decls, grants
            finally:
                dbapi.execute("ROLLBACK")
        dbapi.autocommit = True  # idle after checkout; no round trip
        try:
            with dbapi.cursor() as cur:
                if licensee is None:
                    rows = cur.execute(PG_DECISION_SQL, (work_id,)).fetchall()
                else:
                    rows = cur.execute(PG_DECISION_GRANTS_SQL, (licensee, work_id)).fetchall()
        finally:
            dbapi.autocommit = False
        if not rows:
            raise NotFound("work", work_id)
        work, decls = pg_decision_inputs(rows)
        grants = [raw_grant(g) for g in rows[0][-1]] if licensee is not None else []
        return work, decls, grants
    finally:
        fairy.close()  # back to the pool


# A licensee's grants covering one work, as text columns (both backends): grant id,
# licensee, work, purposes, territory, valid_from, valid_until, revoked_at, ledger seq, terms.
_GRANT_COLUMNS = (
    "g.id, g.licensee_id, gw.work_id, gw.purposes, g.territory, g.valid_from, g.valid_until, "
    "g.revoked_at, CAST(g.ledger_seq AS TEXT), g.terms"
)
_SQLITE_GRANTS = (
    f"SELECT {_GRANT_COLUMNS} FROM licence_grant_works gw "
    "JOIN licence_grants g ON g.id = gw.grant_id "
    "WHERE gw.work_id = ? AND gw.licensee_id = ? ORDER BY g.id"
)
# PG_DECISION_SQL with the grants as a last column (an array of text arrays): the
# declaration columns keep their positions.
PG_DECISION_GRANTS_SQL = PG_DECISION_SQL.replace(
    "  FROM works w WHERE w.id = %s",
    f"""    ,ARRAY(SELECT ARRAY[{_GRANT_COLUMNS}]
          FROM licence_grant_works gw JOIN licence_grants g ON g.id = gw.grant_id
          WHERE gw.work_id = w.id AND gw.licensee_id = %s ORDER BY g.id) AS grants
  FROM works w WHERE w.id = %s""",
)
PG_DECISION_GRANTS_SQL = PG_DECISION_GRANTS_SQL.replace(
    "d.ledger_seq, d.territory\nFROM w", "d.ledger_seq, d.territory, w.grants\nFROM w"
)


def _sqlite_grants(dbapi: Any, work_id: str, licensee: str) -> list[GrantCover]:
    return [raw_grant(r) for r in dbapi.execute(_SQLITE_GRANTS, (work_id, licensee))]


def raw_grant(r: Sequence[Any]) -> GrantCover:
    """From the text columns of :data:`_GRANT_COLUMNS`, by position."""
    return GrantCover(
        grant_id=r[0],
        licensee_id=r[1],
        work_id=r[2],
        purposes=frozenset(Purpose(p) for p in r[3].split(",") if p),
        territory=r[4],
        valid_from=parse_time(r[5]),
        valid_until=parse_time(r[6]) if r[6] else None,
        revoked_at=parse_time(r[7]) if r[7] else None,
        ledger_seq=int(r[8]) if r[8] else None,
        credit_required=json.loads(r[9]).get("attribution") is not None,
    )


class DecisionReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, work_id: str) -> tuple[Work, list[Declaration]]:
        """The work and its declarations as :meth:`DeclarationRepository.for_works` gives
        them: its own first, then the catalogue declarations of each consent party in turn."""
        conn = self.s.connection()
        dbapi: Any = conn.connection.driver_connection
        if conn.dialect.name == "sqlite":
            return self._sqlite(dbapi, work_id)
        with dbapi.cursor() as cur:  # psycopg
            rows = cur.execute(PG_DECISION_SQL, (work_id,)).fetchall()
        if not rows:
            raise NotFound("work", work_id)
        return pg_decision_inputs(rows)

    @staticmethod
    def _sqlite(dbapi: Any, work_id: str) -> tuple[Work, list[Declaration]]:
        """The generic reads' queries (WorkRepository.get_many, DeclarationRepository
        .for_works) for one work, on the sqlite3 connection: same plans, same row orders."""
        key = (work_id,)
        row = dbapi.execute(_WORK, key).fetchone()
        if row is None:
            raise NotFound("work", work_id)
        contribs = [
            (position, Contributor(party, CONTRIBUTOR_ROLES[role]))
            for _, position, party, role in dbapi.execute(_CONTRIBUTORS, key)
        ]
        work = Work(
            id=row[0],
            kind=WorkKind(row[2]),
            title=row[3],
            identifiers=tuple(sorted(i for _, i in dbapi.execute(_IDENTIFIERS, key))),
            contributors=tuple(c for _, c in sorted(contribs, key=lambda x: x[0])),
            holders=tuple(
                Holding(party, role, decimal_share(share), right)
                for _, party, role, share, right in dbapi.execute(_HOLDINGS, key)
            ),
            external_id=row[1],
            fingerprinted=bool(row[4]),
        )
        own = [raw_declaration(r) for r in dbapi.execute(_OWN_DECLARATIONS, key)]
        parties = sorted(set(work.consent_parties()))
        by_party: dict[str, list[Declaration]] = {}
        if parties:
            marks = ",".join("?" * len(parties))
            sql = f"{_DECL_SQL} WHERE party_id IN ({marks}) AND work_id IS NULL"
            for r in dbapi.execute(sql, parties):
                by_party.setdefault(r[1], []).append(raw_declaration(r))
        return work, own + [d for p in work.consent_parties() for d in by_party.get(p, ())]


# The generic reads' SQL (store/repositories.py) for one work id, column for column, so
# SQLite plans them alike and rows come in the same order.
_WORK = "SELECT id, external_id, kind, title, fingerprinted FROM works WHERE id IN (?)"
_IDENTIFIERS = "SELECT work_id, identifier FROM work_identifiers WHERE work_id IN (?)"
_CONTRIBUTORS = "SELECT work_id, position, party_id, role FROM contributors WHERE work_id IN (?)"
_HOLDINGS = (
    'SELECT work_id, party_id, role, share, "right" FROM holdings WHERE work_id IN (?) ORDER BY id'
)
_OWN_DECLARATIONS = f"{_DECL_SQL} WHERE work_id IN (?)"


def pg_decision_inputs(rows: Sequence[Any]) -> tuple[Work, list[Declaration]]:
    first = rows[0]
    work = Work(
        id=first[0],
        kind=WorkKind(first[2]),
        title=first[3],
        identifiers=tuple(sorted(first[5])),
        contributors=tuple(Contributor(c[1], CONTRIBUTOR_ROLES[c[2]]) for c in first[6]),
        holders=tuple(Holding(h[0], h[1], decimal_share(h[2]), h[3]) for h in first[7]),
        external_id=first[1],
        fingerprinted=bool(first[4]),
    )
    own: list[Declaration] = []
    by_party: dict[str, list[Declaration]] = {}
    for r in rows:
        if r[8] is None:  # the LEFT JOIN's row of a work without declarations
            continue
        d = raw_declaration(r[8:])
        if d.work_id is not None:
            own.append(d)
        else:
            by_party.setdefault(d.party_id, []).append(d)
    return work, own + [d for p in work.consent_parties() for d in by_party.get(p, ())]
