"""Many writers declaring terms at once, against the real server (uvicorn on loopback), on
SQLite and PostgreSQL: the terms in force are the last declared in ledger order, and
effective times never run backwards against the ledger.

The clock is a counter that pauses after each reading, as a descheduled thread would: a
writer that read its time before taking the ledger's lock then lets later writers in first.
The assertions do not depend on timing: with the time read under the lock they hold
whatever the scheduling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import SYSTEM, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.serving import serving

WRITERS = 8
EACH = 10
STATUSES = ("allowed", "reserved", "licence")


class PausingClock:
    """Strictly increasing times (1 ms apart); each reading is followed by a short pause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._n = 0
        self.pause = 0.0

    def __call__(self) -> datetime:
        with self._lock:
            self._n += 1
            now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self._n)
        if self.pause:
            time.sleep(self.pause)
        return now


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[str, Registry, PausingClock]]:
    clock = PausingClock()
    reg = build(settings, clock=clock)
    with serving(reg) as served:
        yield served.base, reg, clock
        reg.close()


def test_concurrent_declarations_leave_the_last_declared_in_force(
    served: tuple[str, Registry, PausingClock],
) -> None:
    base, reg, clock = served
    svc = reg.service
    creator = svc.create_party(
        SYSTEM, name="Jane Writer", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    )
    work = svc.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Emma",
            identifiers=("isbn:9780007232833",),
            contributors=((PartyRef(party_id=creator.id), ContributorRole.AUTHOR),),
            holders=((PartyRef(party_id=creator.id), "creator", Decimal(100), "all"),),
        ),
    ).id
    token = svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=creator.id)[1]
    headers = {"Authorization": f"Bearer {token}"}
    clock.pause = 0.003
    declared: list[tuple[int, str]] = []  # (ledger seq, status)
    failures: list[str] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            start.wait()
            for i in range(EACH):
                status = STATUSES[(w + i) % 3]
                r = http.post(
                    f"/v1/works/{work}/terms",
                    json={"party_id": creator.id, "terms": {"ai-train": status}},
                )
                if r.status_code != 201:
                    failures.append(f"{r.status_code} {r.text}")
                    return
                declared.append((r.json()["ledger_seq"], status))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    clock.pause = 0.0
    assert failures == []
    assert len(declared) == WRITERS * EACH
    last_status = max(declared)[1]

    with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
        history = http.get(f"/v1/works/{work}/terms/history").json()["declarations"]
        terms = http.get(f"/v1/works/{work}/terms").json()["terms"]
        decision = http.get("/v1/decisions", params={"work": work, "purpose": "ai-train"}).json()
    # effective_from and recorded_at never decrease with the ledger position
    by_seq = sorted(history, key=lambda d: d["ledger_seq"])
    assert len(by_seq) == WRITERS * EACH
    effective = [datetime.fromisoformat(d["effective_from"]) for d in by_seq]
    recorded = [datetime.fromisoformat(d["recorded_at"]) for d in by_seq]
    assert effective == sorted(effective)
    assert recorded == sorted(recorded)
    # the terms in force are the last declared in ledger order
    assert terms["ai-train"]["status"] == last_status
    assert decision["evidence"][0]["ledger_seq"] == max(declared)[0]
    assert (
        decision["outcome"]
        == {
            "allowed": "allow",
            "reserved": "deny",
            "licence": "licence-required",
        }[last_status]
    )
