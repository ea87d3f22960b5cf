"""The accounting capability's repository: usage reports and lines, distribution runs and
their postings. Rows never leave this module; nothing here commits (the unit of work does).

Bulk paths: usage lines go in with one ``executemany`` per chunk on SQLite and ``COPY`` on
PostgreSQL; a distribution reads the period's usage already summed by SQL (one row per
identifier, licensee, model and purpose) and joins identifiers to works and holdings in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from consentry.accounting.books import CARRIED, Posting
from consentry.accounting.claims import Candidate
from consentry.accounting.distribution import UseRow
from consentry.accounting.usage import UsageLine
from consentry.registry.parties import name_key
from consentry.store.tables import (
    AccountingEntryRow,
    ContributorRow,
    DistributionRunRow,
    HoldingRow,
    PartyRow,
    UsageLineRow,
    UsageReportRow,
    WorkIdentifierRow,
    WorkRow,
    table,
)

CHUNK = 20_000
LINE_COLUMNS = (
    "report_id",
    "licensee",
    "licensee_key",
    "model",
    "purpose",
    "period",
    "identifier",
    "units_milli",
    "unit",
)


class AccountingRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ------------------------------------------------------------------ usage
    def report_seen(self, sha256: str) -> str | None:
        return self.s.scalar(select(UsageReportRow.id).where(UsageReportRow.sha256 == sha256))

    def add_report(
        self, *, report_id: str, sha256: str, filename: str, fmt: str, lines: int, at: datetime
    ) -> None:
        self.s.add(
            UsageReportRow(
                id=report_id,
                sha256=sha256,
                filename=filename,
                format=fmt,
                lines=lines,
                imported_at=at,
            )
        )
        self.s.flush()

    def add_lines(self, report_id: str, lines: Sequence[UsageLine]) -> None:
        keys: dict[str, str] = {}

        def key(name: str) -> str:
            k = keys.get(name)
            if k is None:
                k = keys[name] = name_key(name)
            return k

        rows = (
            (
                report_id,
                ln.licensee,
                key(ln.licensee),
                ln.model,
                ln.purpose,
                ln.period,
                ln.identifier,
                ln.units_milli,
                ln.unit,
            )
            for ln in lines
        )
        conn = self.s.connection()
        if conn.dialect.name == "postgresql":
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cols = ", ".join(LINE_COLUMNS)
            with cur.copy(f"COPY usage_lines ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        stmt = insert(table(UsageLineRow))
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(LINE_COLUMNS, row, strict=True)))
            if len(batch) >= CHUNK:
                conn.execute(stmt, batch)
                batch = []
        if batch:
            conn.execute(stmt, batch)

    def count_lines(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(UsageLineRow)) or 0)

    def _period_lines(self, period: str, unit: str | None, licensee: str | None) -> Any:
        q = select(UsageLineRow.identifier).where(UsageLineRow.period == period)
        if unit is not None:
            q = q.where(UsageLineRow.unit == unit)
        if licensee is not None:
            q = q.where(UsageLineRow.licensee_key == name_key(licensee))
        return q

    def unit_kinds(self, period: str, licensee: str | None) -> list[str]:
        q = select(UsageLineRow.unit).where(UsageLineRow.period == period)
        if licensee is not None:
            q = q.where(UsageLineRow.licensee_key == name_key(licensee))
        return sorted(set(self.s.scalars(q.distinct())))

    def summed_usage(self, period: str, unit: str, licensee: str | None) -> list[UseRow]:
        u = UsageLineRow
        q = select(u.identifier, u.licensee, u.model, u.purpose, func.sum(u.units_milli))
        q = q.where(u.period == period, u.unit == unit)
        if licensee is not None:
            q = q.where(u.licensee_key == name_key(licensee))
        q = q.group_by(u.identifier, u.licensee, u.model, u.purpose)
        # sorted here, not by SQL: collations differ between the backends
        rows = sorted(self.s.execute(q))
        return [UseRow(i, lic, m, p, int(n)) for i, lic, m, p, n in rows]

    def works_for_usage(self, period: str, unit: str, licensee: str | None) -> dict[str, list[str]]:
        wi = WorkIdentifierRow
        used = self._period_lines(period, unit, licensee).scalar_subquery()
        q = select(wi.identifier, wi.work_id).where(wi.identifier.in_(used)).distinct()
        out: dict[str, list[str]] = defaultdict(list)
        for ident, work_id in self.s.execute(q):
            out[ident].append(work_id)
        return {k: sorted(v) for k, v in out.items()}

    def holders_for_usage(
        self, period: str, unit: str, licensee: str | None, *, right: str
    ) -> dict[str, list[tuple[str, Decimal]]]:
        wi, h = WorkIdentifierRow, HoldingRow
        used = self._period_lines(period, unit, licensee).scalar_subquery()
        works = select(wi.work_id).where(wi.identifier.in_(used)).scalar_subquery()
        q = select(h.work_id, h.party_id, h.share).where(h.right == right, h.work_id.in_(works))
        out: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for work_id, party_id, share in self.s.execute(q):
            out[work_id].append((party_id, Decimal(share)))
        return {k: sorted(v) for k, v in out.items()}

    def work_titles(self, work_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = sorted(set(work_ids))
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            q = select(WorkRow.id, WorkRow.title).where(WorkRow.id.in_(chunk))
            out.update({i: t for i, t in self.s.execute(q)})
        return out

    # ------------------------------------------------------------------ runs and books
    def run_for_scope(self, scope: str) -> dict[str, Any] | None:
        row = self.s.scalar(select(DistributionRunRow).where(DistributionRunRow.scope == scope))
        if row is None:
            return None
        return {
            "id": row.id,
            "inputs_sha256": row.inputs_sha256,
            "closed_at": row.closed_at,
            "summary": row.summary,
            "currency": row.currency,
        }

    def carried_balances(self, currency: str) -> dict[str, int]:
        e = AccountingEntryRow
        q = (
            select(e.party_id, func.sum(e.amount_minor))
            .where(e.account == CARRIED, e.currency == currency)
            .group_by(e.party_id)
        )
        return {p: int(a) for p, a in self.s.execute(q) if p and int(a)}

    def brought_forward_of(self, run_id: str) -> dict[str, int]:
        e = AccountingEntryRow
        q = select(e.party_id, e.amount_minor).where(
            e.run_id == run_id, e.account == CARRIED, e.amount_minor < 0
        )
        return {p: -int(a) for p, a in self.s.execute(q) if p}

    def add_run(self, postings: Sequence[Posting], **values: Any) -> None:
        self.s.execute(insert(table(DistributionRunRow)), [values])
        rows = [
            {
                "run_id": values["id"],
                "account": p.account,
                "party_id": p.party_id,
                "period": values["period"],
                "currency": values["currency"],
                "amount_minor": p.amount,
            }
            for p in postings
        ]
        for i in range(0, len(rows), CHUNK):
            self.s.execute(insert(table(AccountingEntryRow)), rows[i : i + CHUNK])

    def trial_balance(self, run_id: str | None = None) -> dict[str, int]:
        """Sum of the postings per currency (every one is 0 when the books balance)."""
        e = AccountingEntryRow
        q = select(e.currency, func.sum(e.amount_minor)).group_by(e.currency)
        if run_id is not None:
            q = q.where(e.run_id == run_id)
        return {c: int(a) for c, a in self.s.execute(q)}

    def account_balances(self, currency: str) -> dict[tuple[str, str | None], int]:
        e = AccountingEntryRow
        q = (
            select(e.account, e.party_id, func.sum(e.amount_minor))
            .where(e.currency == currency)
            .group_by(e.account, e.party_id)
        )
        return {(a, p): int(n) for a, p, n in self.s.execute(q)}

    # ------------------------------------------------------------------ past-use claims
    def claim_candidates(self) -> list[Candidate]:
        """Every work with its title and the names of its authors (for fuzzy matching)."""
        c, pr = ContributorRow, PartyRow
        authors: dict[str, list[str]] = defaultdict(list)
        q = (
            select(c.work_id, pr.name)
            .join(pr, pr.id == c.party_id)
            .where(c.role.in_(AUTHOR_ROLES))
            .order_by(c.work_id, c.position)
        )
        for work_id, name in self.s.execute(q):
            authors[work_id].append(name)
        rows = self.s.execute(select(WorkRow.id, WorkRow.title).order_by(WorkRow.id))
        return [Candidate(w, t, tuple(authors.get(w, ()))) for w, t in rows]

    def claim_parties(self, work_ids: Sequence[str]) -> dict[str, ClaimParties]:
        """Per work: holders of right ``all`` (party, name, role, share), authors and
        publishers among its contributors (party, name), and its identifiers."""
        out: dict[str, ClaimParties] = {w: ClaimParties() for w in work_ids}
        h, c, pr, wi = HoldingRow, ContributorRow, PartyRow, WorkIdentifierRow
        ids = sorted(set(work_ids))
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            q = (
                select(h.work_id, h.party_id, pr.name, h.role, h.share)
                .join(pr, pr.id == h.party_id)
                .where(h.work_id.in_(chunk), h.right == "all")
            )
            for work_id, party_id, name, role, share in self.s.execute(q):
                out[work_id].holders.append((party_id, name, role, Decimal(share)))
            q2 = (
                select(c.work_id, c.party_id, pr.name, c.role)
                .join(pr, pr.id == c.party_id)
                .where(c.work_id.in_(chunk))
            )
            for work_id, party_id, name, role in self.s.execute(q2):
                if role in AUTHOR_ROLES:
                    out[work_id].authors.append((party_id, name))
                elif role == "publisher":
                    out[work_id].publishers.append((party_id, name))
            q3 = select(wi.work_id, wi.identifier).where(wi.work_id.in_(chunk))
            for work_id, ident in self.s.execute(q3):
                out[work_id].identifiers.append(ident)
        for parties in out.values():
            parties.identifiers.sort()
        return out


AUTHOR_ROLES = ("author", "co-author")


@dataclass(slots=True)
class ClaimParties:
    holders: list[tuple[str, str, str, Decimal]] = field(default_factory=list)
    authors: list[tuple[str, str]] = field(default_factory=list)
    publishers: list[tuple[str, str]] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
