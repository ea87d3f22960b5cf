"""Stored fingerprints of works (never their text), read back in chunks for bundles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from consentry.store.tables import WorkFingerprintsRow, table


class FingerprintRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def put(
        self,
        *,
        work_id: str,
        spec: str,
        words: int,
        count: int,
        fingerprints: bytes,
        positions: bytes,
        sha256: str,
        at: datetime,
    ) -> bool:
        """Store (or replace) a work's fingerprints; True when there were some before."""
        t = table(WorkFingerprintsRow)
        existed = (
            self.s.execute(select(t.c.work_id).where(t.c.work_id == work_id)).first() is not None
        )
        if existed:
            self.s.execute(delete(t).where(t.c.work_id == work_id))
        self.s.execute(
            insert(t),
            [
                {
                    "work_id": work_id,
                    "spec": spec,
                    "words": words,
                    "count": count,
                    "fingerprints": fingerprints,
                    "positions": positions,
                    "sha256": sha256,
                    "created_at": at,
                }
            ],
        )
        return existed

    def work_ids(self) -> list[str]:
        t = table(WorkFingerprintsRow)
        return list(self.s.scalars(select(t.c.work_id).order_by(t.c.work_id)))

    def specs(self) -> list[str]:
        t = table(WorkFingerprintsRow)
        return list(self.s.scalars(select(t.c.spec).distinct()))

    def load(self, work_ids: Sequence[str]) -> Iterator[tuple[str, str, int, bytes, bytes]]:
        """``(work_id, spec, words, fingerprints, positions)`` in ``work_ids`` order."""
        t = table(WorkFingerprintsRow)
        for i in range(0, len(work_ids), 200):
            part = list(work_ids[i : i + 200])
            rows: dict[str, Any] = {
                r.work_id: r
                for r in self.s.execute(
                    select(t.c.work_id, t.c.spec, t.c.words, t.c.fingerprints, t.c.positions).where(
                        t.c.work_id.in_(part)
                    )
                )
            }
            for wid in part:
                r = rows.get(wid)
                if r is not None:
                    yield wid, r.spec, r.words, bytes(r.fingerprints), bytes(r.positions)
