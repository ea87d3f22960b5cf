"""A notice campaign at scale: 50,000 works of 5,000 mandated members to 20 AI developers,
created, rendered (text, HTML, PDF, attachments) and sent to an SMTP server on loopback.

Goal (issue 11): create + render + send in under 5 minutes. Seeding (rows straight into the
tables, no ledger events, as benchmarks/seed_registry.py does) is not timed. The SMTP server
is aiosmtpd in this process (on a thread: it competes with the sender for the GIL, so the
figure is conservative); it counts the messages and bytes that arrive.

    python benchmarks/notice_campaign.py --home /tmp/bench-notices
    python benchmarks/notice_campaign.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_notices

(PostgreSQL: the database must exist and its name start with ``bench``: its public schema is
dropped and recreated.)

Prints one JSON line: {"name": "notice_campaign", "value": seconds, "unit": "s", ...}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from consentry.bootstrap import build
from consentry.config import Settings
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.kinds import NoticeKind
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM
from consentry.store.tables import (
    ContactRow,
    ContributorRow,
    DeclarationRow,
    HoldingRow,
    MandateRow,
    PartyRow,
    WorkIdentifierRow,
    WorkRow,
    table,
)

BATCH = 10_000


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return f"isbn:{body}{(10 - total % 10) % 10}"


def _insert(engine: Engine, row: Any, values: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(values), BATCH):
            conn.execute(insert(table(row)), values[i : i + BATCH])


def seed(engine: Engine, *, members: int, works: int, developers: int, now: datetime) -> str:
    org = "p_org"
    parties = [
        {
            "id": org,
            "name": "Society of Authors (bench)",
            "name_key": "society of authors (bench)",
            "kind": "organisation",
            "roles": "member-organisation",
            "created_at": now,
        }
    ]
    parties += [
        {
            "id": f"p_m{i}",
            "name": f"Member {i}",
            "name_key": f"member {i}",
            "kind": "person",
            "roles": "creator",
            "created_at": now,
        }
        for i in range(members)
    ]
    parties += [
        {
            "id": f"p_d{i}",
            "name": f"AI Developer {i}",
            "name_key": f"ai developer {i}",
            "kind": "organisation",
            "roles": "ai-developer",
            "created_at": now,
        }
        for i in range(developers)
    ]
    _insert(engine, PartyRow, parties)
    contacts = [{"party_id": org, "kind": "email", "value": "notices@society.example"}]
    contacts += [
        {"party_id": f"p_d{i}", "kind": "email", "value": f"copyright@dev{i}.example"}
        for i in range(developers)
    ]
    _insert(engine, ContactRow, contacts)
    _insert(
        engine,
        MandateRow,
        [
            {
                "id": f"m_{i}",
                "organisation_id": org,
                "member_id": f"p_m{i}",
                "purposes": "ai-index,ai-input,ai-train,search,tdm",
                "territories": "WORLD",
                "valid_from": now - timedelta(days=30),
                "valid_until": None,
                "evidence": f"signed form {i}",
                "withdrawn_at": None,
                "created_at": now,
            }
            for i in range(members)
        ],
    )
    rows_w, rows_i, rows_c, rows_h, rows_d = [], [], [], [], []
    for n in range(works):
        wid, member = f"w_{n}", f"p_m{n % members}"
        rows_w.append(
            {
                "id": wid,
                "external_id": None,
                "kind": "book",
                "title": f"Book number {n}",
                "fingerprinted": False,
                "created_at": now,
            }
        )
        rows_i.append({"work_id": wid, "identifier": isbn13(n)})
        rows_c.append({"work_id": wid, "position": 0, "party_id": member, "role": "author"})
        rows_h.append(
            {"work_id": wid, "party_id": member, "role": "creator", "share": "100", "right": "all"}
        )
        if n % 10 == 0:  # one work in ten is offered under licence for ai-train
            rows_d.append(
                {
                    "id": f"d_{n}",
                    "party_id": member,
                    "work_id": wid,
                    "purpose": "ai-train",
                    "status": "licence",
                    "attribution_required": False,
                    "licence_url": None,
                    "effective_from": now - timedelta(days=1),
                    "recorded_at": now - timedelta(days=1),
                    "declared_by": None,
                    "mandate_id": None,
                    "ledger_seq": None,
                    "territory": "WORLD",
                }
            )
    for row, values in (
        (WorkRow, rows_w),
        (WorkIdentifierRow, rows_i),
        (ContributorRow, rows_c),
        (HoldingRow, rows_h),
        (DeclarationRow, rows_d),
    ):
        _insert(engine, row, values)
    return org


class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.bytes += len(envelope.original_content or envelope.content)
        return "250 2.0.0 accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/bench-notices"))
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--works", type=int, default=50_000)
    ap.add_argument("--members", type=int, default=5_000)
    ap.add_argument("--developers", type=int, default=20)
    args = ap.parse_args()
    from aiosmtpd.controller import Controller

    shutil.rmtree(args.home, ignore_errors=True)
    if args.database_url:
        from sqlalchemy import create_engine, make_url

        if not (make_url(args.database_url).database or "").startswith("bench"):
            sys.exit(
                "--database-url: the benchmark empties the database's public schema; "
                "give a database whose name starts with 'bench'"
            )

        admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        admin.dispose()
    settings = Settings(home=args.home, database_url=args.database_url)
    reg = build(settings)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    org = seed(
        reg.engine, members=args.members, works=args.works, developers=args.developers, now=now
    )
    seeded = time.perf_counter() - t0
    counter = Counter()
    port = free_port()
    controller = Controller(
        counter, hostname="127.0.0.1", port=port, data_size_limit=1024 * 1024 * 1024
    )
    controller.start()
    try:
        svc = reg.notices()
        renderer = LetterRenderer()
        t1 = time.perf_counter()
        created = svc.create_campaign(
            SYSTEM,
            CampaignRequest(
                organisation_id=org,
                kind=NoticeKind.RESERVATION,
                deadline_days=30,
                template_sha256=renderer.fingerprint(),
            ),
        )
        t2 = time.perf_counter()
        queued = svc.queue(SYSTEM, created["campaign_id"], renderer)
        t3 = time.perf_counter()
        with SmtpTransport(SmtpUrl.parse(f"smtp://127.0.0.1:{port}")) as t:
            counts = svc.deliver(SYSTEM, created["campaign_id"], t)
        t4 = time.perf_counter()
    finally:
        controller.stop()
        reg.close()
    total = t4 - t1
    print(
        json.dumps(
            {
                "name": "notice_campaign",
                "value": round(total, 2),
                "unit": "s",
                "goal_s": 300,
                "met": total < 300,
                "backend": "postgresql" if args.database_url else "sqlite",
                "works": created["works"],
                "members": created["members"],
                "notices": created["notices"],
                "queued": queued["queued"],
                "sent": counts["sent"],
                "arrived": counter.messages,
                "mb_arrived": round(counter.bytes / 1e6, 1),
                "create_s": round(t2 - t1, 2),
                "render_s": round(t3 - t2, 2),
                "send_s": round(t4 - t3, 2),
                "seed_s_untimed": round(seeded, 2),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
