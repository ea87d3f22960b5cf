"""What one decision reads: the work and every declaration that may govern it.

Decision: on PostgreSQL this is one statement (:data:`PG_DECISION_SQL`), on SQLite the
generic repository reads (a work in four queries, its declarations in two). Measured with
50 clients at 500 decisions/s on 2 cores: the six statements, each a round trip to a server
on the same cores, made PostgreSQL the bottleneck. In one statement the server does the same
index look-ups for one round trip, and when it runs outside a transaction
(:meth:`SqlUnitOfWork.single_read`) psycopg's automatic prepared statements survive
between requests (a ``ROLLBACK`` drops them all). On SQLite, a library call away, the six
small queries are the faster form: a one-statement ``UNION ALL`` read made SQLite about 6x
slower, so SQLite keeps the generic path. ``tests/store/test_decision_reads.py`` checks that
both forms give the same work and declarations on the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.registry.terms import Declaration
from consentry.registry.works import Contributor, Holding, Work, WorkKind
from consentry.store.repositories import (
    CONTRIBUTOR_ROLES,
    DeclarationRepository,
    WorkRepository,
    decimal_share,
    raw_declaration,
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
  d.effective_from, d.recorded_at, d.declared_by, d.mandate_id, d.ledger_seq
FROM w LEFT JOIN LATERAL (
  SELECT * FROM declarations WHERE work_id = w.id
  UNION ALL
  SELECT * FROM declarations WHERE work_id IS NULL AND party_id IN (
    SELECT party_id FROM holdings WHERE work_id = w.id
    UNION SELECT party_id FROM contributors WHERE work_id = w.id)
) d ON true"""


class DecisionReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, work_id: str) -> tuple[Work, list[Declaration]]:
        """The work and its declarations as :meth:`DeclarationRepository.for_works` gives
        them: its own first, then the catalogue declarations of each consent party in turn."""
        conn = self.s.connection()
        if conn.dialect.name != "postgresql":
            work = WorkRepository(self.s).get(work_id)
            return work, DeclarationRepository(self.s).for_works([work])[work.id]
        rows = conn.exec_driver_sql(PG_DECISION_SQL, (work_id,)).all()
        if not rows:
            raise NotFound("work", work_id)
        return pg_decision_inputs(rows)


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
