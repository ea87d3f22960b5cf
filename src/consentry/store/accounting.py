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

from consentry.accounting.books import CARRIED, UNIDENTIFIED, Posting
from consentry.accounting.claims import Candidate
from consentry.accounting.distribution import UseRow
from consentry.accounting.usage import UsageLine
from consentry.registry.parties import name_key
from consentry.store.tables import (
    AccountingEntryRow,
    ContactRow,
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
ENTRY_COLUMNS = ("run_id", "account", "party_id", "period", "currency", "amount_minor")
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

        rows = [(report_id, *ln[:1], key(ln[0]), *ln[1:]) for ln in lines]
        self._bulk("usage_lines", LINE_COLUMNS, rows)

    def _bulk(self, name: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert plain tuples: ``COPY`` on PostgreSQL, the driver's ``executemany`` per
        chunk on SQLite (no per-row parameter dictionaries either way)."""
        conn = self.s.connection()
        cols = ", ".join(columns)
        if conn.dialect.name == "postgresql":
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join('?' * len(columns))})"
        for i in range(0, len(rows), CHUNK):
            conn.exec_driver_sql(sql, rows[i : i + CHUNK])

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

    def units_by_identifier(
        self, period: str, unit: str, licensee: str | None
    ) -> list[tuple[str, int]]:
        """The period's units summed per identifier, in code-point order."""
        u = UsageLineRow
        q = select(u.identifier, func.sum(u.units_milli)).where(u.period == period, u.unit == unit)
        if licensee is not None:
            q = q.where(u.licensee_key == name_key(licensee))
        q = q.group_by(u.identifier)
        if self.s.get_bind().dialect.name == "postgresql":
            q = q.order_by(u.identifier.collate("C"))
        else:
            q = q.order_by(u.identifier)
        return [(i, int(n)) for i, n in self.s.execute(q)]

    def report_digests(self, period: str, unit: str, licensee: str | None) -> list[str]:
        """Digests of the usage reports with lines in the scope, sorted."""
        u, r = UsageLineRow, UsageReportRow
        q = select(u.report_id).where(u.period == period, u.unit == unit)
        if licensee is not None:
            q = q.where(u.licensee_key == name_key(licensee))
        ids = q.distinct().scalar_subquery()
        return sorted(self.s.scalars(select(r.sha256).where(r.id.in_(ids))))

    def repertoire_for_usage(
        self, period: str, unit: str, licensee: str | None, *, right: str
    ) -> Repertoire:
        """In one statement (one pass over the scope's usage lines): the works each used
        identifier resolves to, their holders of ``right`` with shares, and the holders'
        names."""
        wi, h, pr = WorkIdentifierRow, HoldingRow, PartyRow
        used = self._period_lines(period, unit, licensee).scalar_subquery()
        q = (
            select(wi.identifier, wi.work_id, h.id, h.party_id, h.share, pr.name)
            .outerjoin(h, (h.work_id == wi.work_id) & (h.right == right))
            .outerjoin(pr, pr.id == h.party_id)
            .where(wi.identifier.in_(used))
        )
        works: dict[str, list[str]] = defaultdict(list)
        holders: dict[str, dict[str, Decimal]] = defaultdict(dict)
        names: dict[str, str] = {}
        decimals: dict[str, Decimal] = {}
        seen: set[int] = set()  # a work reached through two identifiers: its holdings once
        for ident, work_id, holding, party_id, share, name in self.s.execute(q):
            ws = works[ident]
            if work_id not in ws:
                ws.append(work_id)
            if holding is None or holding in seen:
                continue
            seen.add(holding)
            d = decimals.get(share)
            if d is None:
                d = decimals[share] = Decimal(share)
            # a party holding the right twice (two roles) is paid both shares
            held = holders[work_id]
            held[party_id] = held.get(party_id, Decimal(0)) + d
            names[party_id] = name
        for ws in works.values():
            if len(ws) > 1:
                ws.sort()
        ordered = {
            w: (list(hs.items()) if len(hs) == 1 else sorted(hs.items()))
            for w, hs in holders.items()
        }
        return Repertoire(works, ordered, names)

    def _used_works(self, period: str, unit: str, licensee: str | None) -> Any:
        wi = WorkIdentifierRow
        used = self._period_lines(period, unit, licensee).scalar_subquery()
        return select(wi.work_id).where(wi.identifier.in_(used)).scalar_subquery()

    def party_names(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ordered = sorted(set(ids))
        for i in range(0, len(ordered), 5000):
            q = select(PartyRow.id, PartyRow.name).where(PartyRow.id.in_(ordered[i : i + 5000]))
            out.update({pid: name for pid, name in self.s.execute(q)})
        return out

    def holder_contacts(
        self, period: str, unit: str, licensee: str | None
    ) -> dict[str, list[tuple[str, str]]]:
        """Contact points of the holders of the works the scope's usage names."""
        h, c = HoldingRow, ContactRow
        works = self._used_works(period, unit, licensee)
        holders = select(h.party_id).where(h.right == "all", h.work_id.in_(works))
        q = select(c.party_id, c.kind, c.value).where(c.party_id.in_(holders)).order_by(c.id)
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for pid, kind, value in self.s.execute(q):
            out[pid].append((kind, value))
        return out

    def titles_for_usage(self, period: str, unit: str, licensee: str | None) -> dict[str, str]:
        works = self._used_works(period, unit, licensee)
        q = select(WorkRow.id, WorkRow.title).where(WorkRow.id.in_(works))
        return {w: t for w, t in self.s.execute(q)}

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
        run, period, currency = values["id"], values["period"], values["currency"]
        rows = [(run, p.account, p.party_id, period, currency, p.amount) for p in postings]
        self._bulk("accounting_entries", ENTRY_COLUMNS, rows)

    def trial_balance(self, run_id: str | None = None) -> dict[str, int]:
        """Sum of the postings per currency (every one is 0 when the books balance)."""
        e = AccountingEntryRow
        q = select(e.currency, func.sum(e.amount_minor)).group_by(e.currency)
        if run_id is not None:
            q = q.where(e.run_id == run_id)
        return {c: int(a) for c, a in self.s.execute(q)}

    def unidentified_funds(self) -> dict[tuple[str, str], int]:
        """The unidentified fund per (period, currency), as posted."""
        e = AccountingEntryRow
        q = (
            select(e.period, e.currency, func.sum(e.amount_minor))
            .where(e.account == UNIDENTIFIED)
            .group_by(e.period, e.currency)
        )
        return {(p, c): int(a) for p, c, a in self.s.execute(q)}

    def account_balances(self, currency: str) -> dict[tuple[str, str | None], int]:
        e = AccountingEntryRow
        q = (
            select(e.account, e.party_id, func.sum(e.amount_minor))
            .where(e.currency == currency)
            .group_by(e.account, e.party_id)
        )
        return {(a, p): int(n) for a, p, n in self.s.execute(q)}

    # ------------------------------------------------------------------ a party's reads
    def usage_of_works(self, work_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The usage lines naming any identifier of ``work_ids``, summed per work,
        identifier, licensee, model, purpose, period and unit (sorted here: collations
        differ between the backends)."""
        u, wi = UsageLineRow, WorkIdentifierRow
        keys = (wi.work_id, u.identifier, u.licensee, u.model, u.purpose, u.period, u.unit)
        out: list[dict[str, Any]] = []
        ids = sorted(set(work_ids))
        for i in range(0, len(ids), 5000):
            q = (
                select(*keys, func.sum(u.units_milli), func.count())
                .join(wi, wi.identifier == u.identifier)
                .where(wi.work_id.in_(ids[i : i + 5000]))
                .group_by(*keys)
            )
            for w, ident, lic, model, purpose, period, unit, milli, lines in self.s.execute(q):
                out.append(
                    {
                        "work_id": w,
                        "identifier": ident,
                        "licensee": lic,
                        "model": model,
                        "purpose": purpose,
                        "period": period,
                        "unit": unit,
                        "units_milli": int(milli),
                        "lines": int(lines),
                    }
                )
        return sorted(out, key=lambda d: (d["period"], d["work_id"], d["licensee"], d["model"]))

    def runs_of_party(self, party_id: str) -> list[dict[str, Any]]:
        """The closed distributions with a posting for ``party_id`` (paid or carried)."""
        return self.runs_of_parties([party_id])

    def runs_of_parties(self, party_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The closed distributions with a posting for any of ``party_ids``."""
        e, r = AccountingEntryRow, DistributionRunRow
        ids = select(e.run_id).where(e.party_id.in_(party_ids)).distinct().scalar_subquery()
        q = select(r).where(r.id.in_(ids)).order_by(r.closed_at, r.id)
        return [
            {
                "id": row.id,
                "period": row.period,
                "unit": row.unit,
                "licensee": row.licensee,
                "currency": row.currency,
                "pool_minor": row.pool_minor,
                "threshold_minor": row.threshold_minor,
                "inputs_sha256": row.inputs_sha256,
                "closed_at": row.closed_at,
                "summary": row.summary,
            }
            for row in self.s.scalars(q)
        ]

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
class Repertoire:
    works: dict[str, list[str]]  # identifier -> work ids
    holders: dict[str, list[tuple[str, Decimal]]]  # work id -> (party id, share %)
    names: dict[str, str]  # party id -> name


@dataclass(slots=True)
class ClaimParties:
    holders: list[tuple[str, str, str, Decimal]] = field(default_factory=list)
    authors: list[tuple[str, str]] = field(default_factory=list)
    publishers: list[tuple[str, str]] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
