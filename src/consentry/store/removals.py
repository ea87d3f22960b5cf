"""Removal requests and their evidence files (notices/removals.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.notices.removals import Evidence, EvidenceKind, RemovalRequest, RemovalState
from consentry.store.repositories import chunks
from consentry.store.tables import RemovalEvidenceRow, RemovalRequestRow, table


def _request(r: RemovalRequestRow) -> RemovalRequest:
    return RemovalRequest(
        id=r.id,
        campaign_id=r.campaign_id,
        notice_id=r.notice_id,
        work_id=r.work_id,
        developer_id=r.developer_id,
        state=RemovalState(r.state),
        targets=tuple(t for t in r.targets.split(",") if t),
        derivations=tuple(d for d in r.derivations.split(",") if d),
        opened_at=r.opened_at,
        updated_at=r.updated_at,
    )


class RemovalRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_many(self, requests: Sequence[RemovalRequest]) -> None:
        rows = [
            {
                "id": r.id,
                "campaign_id": r.campaign_id,
                "notice_id": r.notice_id,
                "work_id": r.work_id,
                "developer_id": r.developer_id,
                "state": r.state.value,
                "targets": ",".join(r.targets),
                "derivations": ",".join(r.derivations),
                "opened_at": r.opened_at,
                "updated_at": r.updated_at,
            }
            for r in requests
        ]
        for part in chunks(rows):
            self.s.execute(insert(table(RemovalRequestRow)), list(part))

    def get(self, removal_id: str, *, for_update: bool = False) -> RemovalRequest:
        q = select(RemovalRequestRow).where(RemovalRequestRow.id == removal_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            raise NotFound("removal request", removal_id)
        return _request(row)

    def of_campaigns(self, campaign_ids: Sequence[str] | None) -> list[RemovalRequest]:
        q = select(RemovalRequestRow).order_by(
            RemovalRequestRow.campaign_id, RemovalRequestRow.developer_id, RemovalRequestRow.work_id
        )
        if campaign_ids is not None:
            q = q.where(RemovalRequestRow.campaign_id.in_(list(campaign_ids)))
        return [_request(r) for r in self.s.scalars(q)]

    def of_works(self, work_ids: Sequence[str]) -> list[RemovalRequest]:
        """The removal requests about any of ``work_ids`` (whichever campaign opened them)."""
        out: list[RemovalRequest] = []
        for part in chunks(list(dict.fromkeys(work_ids))):
            q = select(RemovalRequestRow).where(RemovalRequestRow.work_id.in_(part))
            out.extend(_request(r) for r in self.s.scalars(q))
        return sorted(out, key=lambda r: (r.opened_at, r.id))

    def set_state(self, removal_id: str, state: RemovalState, at: datetime) -> None:
        self.s.execute(
            update(RemovalRequestRow)
            .where(RemovalRequestRow.id == removal_id)
            .values(state=state.value, updated_at=at)
        )

    def add_evidence(
        self, removal_id: str, files: Sequence[tuple[str, str, EvidenceKind, bytes]], at: datetime
    ) -> None:
        if files:
            self.s.execute(
                insert(table(RemovalEvidenceRow)),
                [
                    {
                        "removal_id": removal_id,
                        "name": name,
                        "sha256": sha,
                        "kind": kind.value,
                        "content": data,
                        "added_at": at,
                    }
                    for name, sha, kind, data in files
                ],
            )

    def evidence(self, removal_ids: Sequence[str]) -> dict[str, list[Evidence]]:
        out: dict[str, list[Evidence]] = defaultdict(list)
        for part in chunks(list(removal_ids)):
            q = (
                select(
                    RemovalEvidenceRow.removal_id,
                    RemovalEvidenceRow.name,
                    RemovalEvidenceRow.sha256,
                    RemovalEvidenceRow.kind,
                    RemovalEvidenceRow.added_at,
                )
                .where(RemovalEvidenceRow.removal_id.in_(part))
                .order_by(RemovalEvidenceRow.id)
            )
            for rid, name, sha, kind, at in self.s.execute(q):
                out[rid].append(Evidence(name, sha, EvidenceKind(kind), at))
        return out

    def evidence_files(self, removal_id: str) -> list[tuple[EvidenceKind, str, bytes]]:
        q = (
            select(RemovalEvidenceRow.kind, RemovalEvidenceRow.name, RemovalEvidenceRow.content)
            .where(RemovalEvidenceRow.removal_id == removal_id)
            .order_by(RemovalEvidenceRow.id)
        )
        return [(EvidenceKind(k), n, bytes(c)) for k, n, c in self.s.execute(q)]
