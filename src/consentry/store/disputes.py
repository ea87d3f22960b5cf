"""Identifier disputes in storage: open, join, resolve, and the reads lookups and decisions
need. Never commits (the unit of work does)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.registry.disputes import Dispute
from consentry.registry.mandates import Mandate
from consentry.store.repositories import _mandate, chunks
from consentry.store.tables import (
    DisputeRow,
    DisputeWorkRow,
    MandateRow,
    WorkIdentifierRow,
    table,
)


class DisputeRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, dispute: Dispute) -> None:
        self.s.execute(
            insert(table(DisputeRow)),
            [
                {
                    "id": dispute.id,
                    "identifier": dispute.identifier,
                    "opened_at": dispute.opened_at,
                    "opened_by": dispute.opened_by,
                }
            ],
        )
        self.add_works(dispute.id, dispute.work_ids)

    def add_works(self, dispute_id: str, work_ids: Sequence[str]) -> None:
        start = int(
            self.s.scalar(
                select(func.count())
                .select_from(DisputeWorkRow)
                .where(DisputeWorkRow.dispute_id == dispute_id)
            )
            or 0
        )
        self.s.execute(
            insert(table(DisputeWorkRow)),
            [
                {"dispute_id": dispute_id, "work_id": w, "position": start + n}
                for n, w in enumerate(work_ids)
            ],
        )

    def get(self, dispute_id: str) -> Dispute:
        found = self._load(select(DisputeRow).where(DisputeRow.id == dispute_id))
        if not found:
            raise NotFound("dispute", dispute_id)
        return found[0]

    def page(self, *, offset: int, limit: int, open_only: bool = False) -> list[Dispute]:
        q = select(DisputeRow).order_by(DisputeRow.opened_at, DisputeRow.id)
        if open_only:
            q = q.where(DisputeRow.resolved_at.is_(None))
        return self._load(q.offset(offset).limit(limit))

    def open_for_identifiers(self, identifiers: Sequence[str]) -> dict[str, Dispute]:
        out: dict[str, Dispute] = {}
        for part in chunks(list(dict.fromkeys(identifiers))):
            q = select(DisputeRow).where(
                DisputeRow.identifier.in_(part), DisputeRow.resolved_at.is_(None)
            )
            out.update((d.identifier, d) for d in self._load(q))
        return out

    def open_for_work(self, work_id: str) -> list[Dispute]:
        ids = select(DisputeWorkRow.dispute_id).where(DisputeWorkRow.work_id == work_id)
        return self._load(
            select(DisputeRow)
            .where(DisputeRow.id.in_(ids), DisputeRow.resolved_at.is_(None))
            .order_by(DisputeRow.opened_at, DisputeRow.id)
        )

    def open_work_ids(self) -> frozenset[str]:
        """Every work in an open dispute (what the decision path checks against)."""
        q = (
            select(DisputeWorkRow.work_id)
            .join(DisputeRow, DisputeRow.id == DisputeWorkRow.dispute_id)
            .where(DisputeRow.resolved_at.is_(None))
        )
        return frozenset(self.s.scalars(q))

    def for_update(self, dispute_id: str) -> Dispute:
        """The dispute, its row locked until commit (PostgreSQL; SQLite's write transaction
        holds the database): of two resolutions, the second sees the first."""
        q = select(DisputeRow).where(DisputeRow.id == dispute_id).with_for_update()
        row = self.s.scalars(q.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            raise NotFound("dispute", dispute_id)
        return self._with_works([row])[0]

    def resolve(
        self, dispute_id: str, *, winner: str, at: datetime, by: str, note: str | None
    ) -> None:
        self.s.execute(
            update(DisputeRow)
            .where(DisputeRow.id == dispute_id)
            .values(resolved_at=at, winner_work_id=winner, resolved_by=by, note=note)
        )

    def drop_identifier(self, identifier: str, work_ids: Sequence[str]) -> None:
        """The losing works no longer carry the identifier."""
        if work_ids:
            self.s.execute(
                delete(WorkIdentifierRow).where(
                    WorkIdentifierRow.identifier == identifier,
                    WorkIdentifierRow.work_id.in_(list(work_ids)),
                )
            )

    def mandates_linking(self, a: Iterable[str], b: Iterable[str]) -> list[Mandate]:
        """Mandates (in force or not) whose organisation is on one side and member on the
        other."""
        left, right = sorted(set(a)), sorted(set(b))
        if not left or not right:
            return []
        q = select(MandateRow).where(
            or_(
                MandateRow.organisation_id.in_(left) & MandateRow.member_id.in_(right),
                MandateRow.organisation_id.in_(right) & MandateRow.member_id.in_(left),
            )
        )
        return [_mandate(r) for r in self.s.scalars(q.order_by(MandateRow.id))]

    def _load(self, q: Select[DisputeRow]) -> list[Dispute]:
        return self._with_works(list(self.s.scalars(q)))

    def _with_works(self, rows: list[DisputeRow]) -> list[Dispute]:
        works: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for part in chunks([r.id for r in rows]):
            for d, w, n in self.s.execute(
                select(
                    DisputeWorkRow.dispute_id, DisputeWorkRow.work_id, DisputeWorkRow.position
                ).where(DisputeWorkRow.dispute_id.in_(part))
            ):
                works[d].append((n, w))
        return [
            Dispute(
                id=r.id,
                identifier=r.identifier,
                work_ids=tuple(w for _, w in sorted(works[r.id])),
                opened_at=r.opened_at,
                opened_by=r.opened_by,
                resolved_at=r.resolved_at,
                winner_work_id=r.winner_work_id,
                resolved_by=r.resolved_by,
                note=r.note,
            )
            for r in rows
        ]
