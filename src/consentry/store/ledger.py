"""The ledger's storage: append under the head lock, and walk the chain for verification.

The next sequence number is taken inside the writing transaction: the single
``ledger_head`` row is read ``FOR UPDATE`` (PostgreSQL) or under SQLite's ``BEGIN
IMMEDIATE`` write lock, and ``ledger.seq`` is the primary key, so two writers can never fork
the chain.

Time follows the chain: :meth:`LedgerRepository.locked_now` takes the head lock first and
then reads the clock, so a writer's time is taken in ledger order; and no entry is recorded
earlier than the entry before it (a clock that steps back is clamped to the previous
``recorded_at``). So ``recorded_at`` never decreases with ``seq``, and terms declared without
an ``effective_from`` take effect in the order the ledger records them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentry.errors import StorageError
from consentry.ledger.chain import BadEntry, LedgerEntry, canonical_json, entry_hash
from consentry.store.tables import (
    SEQ_MAX,
    LedgerHeadRow,
    LedgerRow,
    format_time,
    parse_time,
    table,
)


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._floor: datetime | None = None  # the newest recorded_at, once the head is locked

    def locked_now(self, clock: Callable[[], datetime]) -> datetime:
        """Lock the chain head (until the transaction ends), then read ``clock``.

        Every writer whose time matters calls this before reading what it checks: its time
        is then taken in ledger order. Clamped to the newest entry's ``recorded_at`` if the
        clock stepped back.
        """
        floor = self._newest_time()
        now = clock()
        if floor is not None and now < floor:
            now = floor
        self._floor = now
        return now

    def _newest_time(self) -> datetime | None:
        if self._floor is None:
            head = self._head()
            text = self.s.scalar(select(LedgerRow.recorded_at).where(LedgerRow.seq == head.seq))
            self._floor = parse_time(text) if text else None
        return self._floor

    def _head(self) -> LedgerHeadRow:
        head = self.s.scalars(
            select(LedgerHeadRow).where(LedgerHeadRow.id == 1).with_for_update()
        ).one_or_none()
        if head is None:
            raise StorageError("ledger head row is missing: run `consentry init` to migrate")
        return head

    def append(
        self, kind: str, payload: Mapping[str, Any], *, actor: str | None, at: datetime
    ) -> LedgerEntry:
        return self.append_many([(kind, payload)], actor=actor, at=at)[0]

    def append_many(
        self,
        events: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        actor: str | None,
        at: datetime,
    ) -> list[LedgerEntry]:
        if not events:
            return []
        head = self._head()
        floor = self._newest_time()
        if floor is not None and at < floor:
            at = floor  # never earlier than the entry before
        self._floor = at
        seq, prev = head.seq, head.hash
        recorded_at = format_time(at)
        entries: list[LedgerEntry] = []
        rows: list[dict[str, Any]] = []
        for kind, payload in events:
            seq += 1
            h = entry_hash(
                seq=seq,
                kind=kind,
                payload=payload,
                recorded_at=recorded_at,
                actor=actor,
                prev_hash=prev,
            )
            entries.append(LedgerEntry(seq, kind, payload, recorded_at, actor, prev, h))
            rows.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "payload": canonical_json(payload).decode("utf-8"),
                    "recorded_at": recorded_at,
                    "actor": actor,
                    "prev_hash": prev,
                    "hash": h,
                }
            )
            prev = h
        for i in range(0, len(rows), 2000):
            self.s.execute(insert(table(LedgerRow)), rows[i : i + 2000])
        self.s.execute(
            update(LedgerHeadRow).where(LedgerHeadRow.id == 1).values(seq=seq, hash=prev)
        )
        return entries

    def head(self) -> tuple[int, str]:
        row = self.s.get(LedgerHeadRow, 1)
        return (row.seq, row.hash) if row else (0, "0" * 64)

    def entry(self, seq: int) -> LedgerEntry | BadEntry | None:
        """Entry ``seq``; None when there is none (any integer may be asked, however large)."""
        if not 1 <= seq <= SEQ_MAX:  # beyond the column's range: cannot exist
            return None
        for item in self.entries(after=seq - 1, batch=1):
            return item if item.seq == seq else None
        return None

    def entries(self, *, after: int = 0, batch: int = 5000) -> Iterator[LedgerEntry | BadEntry]:
        """Every row after ``after`` in seq order, as an entry, or as a :class:`BadEntry` when
        a row cannot be read."""
        last = after
        while True:
            rows = list(
                self.s.execute(
                    select(
                        LedgerRow.seq,
                        LedgerRow.kind,
                        LedgerRow.payload,
                        LedgerRow.recorded_at,
                        LedgerRow.actor,
                        LedgerRow.prev_hash,
                        LedgerRow.hash,
                    )
                    .where(LedgerRow.seq > last)
                    .order_by(LedgerRow.seq)
                    .limit(batch)
                )
            )
            if not rows:
                return
            for seq, kind, payload, recorded_at, actor, prev_hash, h in rows:
                last = seq
                try:
                    data = json.loads(payload)
                except ValueError as exc:
                    yield BadEntry(seq, f"entry {seq}: payload is not valid JSON ({exc})")
                    continue
                yield LedgerEntry(seq, kind, data, recorded_at, actor, prev_hash, h)
