"""Seed a registry with N synthetic works fast, for the lookup and decision benchmarks.

Rows go straight into the tables in batches (no ledger events: the benchmarks measure reads,
and a seeded registry is thrown away). Each work has one valid ISBN-13 (978 + 9-digit
sequence + check digit), one author (10,000 distinct authors), a 50/50 split with one of 500
publishers, and 1 in 10 works carries a work-level declaration; every publisher has
catalogue-level declarations for two purposes.

    python benchmarks/seed_registry.py --works 1000000 --home /tmp/bench
    python benchmarks/seed_registry.py --works 1000000 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, make_url, text

from consentry.config import Settings
from consentry.store.engine import make_engine, migrate
from consentry.store.tables import (
    ContributorRow,
    DeclarationRow,
    HoldingRow,
    PartyRow,
    WorkIdentifierRow,
    WorkRow,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AUTHORS = 10_000
PUBLISHERS = 500
BATCH = 20_000


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return f"isbn:{body}{(10 - total % 10) % 10}"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet."""
    u = make_url(url)
    if not u.get_backend_name().startswith("postgresql") or not u.database:
        return
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    finally:
        admin.dispose()


def seed(url: str, works: int) -> dict[str, float]:
    ensure_database(url)
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM works")).scalar_one() >= works:
            _analyze(engine)  # a migration may have discarded statistics
            return {"seeded": 0.0, "existing": float(works)}
        parties = [
            {
                "id": f"pa{i:05d}",
                "name": f"Author {i}",
                "name_key": f"author {i}",
                "kind": "person",
                "roles": "creator",
                "created_at": T0,
            }
            for i in range(AUTHORS)
        ] + [
            {
                "id": f"pp{i:04d}",
                "name": f"Press {i}",
                "name_key": f"press {i}",
                "kind": "organisation",
                "roles": "publisher",
                "created_at": T0,
            }
            for i in range(PUBLISHERS)
        ]
        conn.execute(insert(PartyRow), parties)
        decls = []
        for i in range(PUBLISHERS):
            for purpose, status in (("search", "allowed"), ("ai-train", "licence")):
                decls.append(_decl(f"dp{i}-{purpose}", f"pp{i:04d}", None, purpose, status))
        conn.execute(insert(DeclarationRow), decls)
        for start in range(0, works, BATCH):
            rng = range(start, min(works, start + BATCH))
            conn.execute(
                insert(WorkRow),
                [
                    {
                        "id": f"w{n:08d}",
                        "external_id": None,
                        "kind": "book",
                        "title": f"Work {n}",
                        "fingerprinted": False,
                        "created_at": T0,
                    }
                    for n in rng
                ],
            )
            conn.execute(
                insert(WorkIdentifierRow),
                [{"work_id": f"w{n:08d}", "identifier": isbn13(n)} for n in rng],
            )
            conn.execute(
                insert(ContributorRow),
                [
                    {
                        "work_id": f"w{n:08d}",
                        "position": 0,
                        "party_id": f"pa{n % AUTHORS:05d}",
                        "role": "author",
                    }
                    for n in rng
                ],
            )
            conn.execute(
                insert(HoldingRow),
                [
                    row
                    for n in rng
                    for row in (
                        {
                            "work_id": f"w{n:08d}",
                            "party_id": f"pa{n % AUTHORS:05d}",
                            "role": "creator",
                            "share": "50",
                            "right": "all",
                        },
                        {
                            "work_id": f"w{n:08d}",
                            "party_id": f"pp{n % PUBLISHERS:04d}",
                            "role": "publisher",
                            "share": "50",
                            "right": "all",
                        },
                    )
                ],
            )
            conn.execute(
                insert(DeclarationRow),
                [
                    _decl(f"dw{n}", f"pa{n % AUTHORS:05d}", f"w{n:08d}", "ai-train", "allowed")
                    for n in rng
                    if n % 10 == 0
                ],
            )
            print(f"\rseeded {rng.stop:,} works", end="", file=sys.stderr)
    print(file=sys.stderr)
    _analyze(engine)
    engine.dispose()
    return {"seeded": float(works), "seconds": time.perf_counter() - started}


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics on PostgreSQL (SQLite plans these reads by index anyway),
    and the tables vacuumed: a production registry's tables have been vacuumed and analysed
    long ago, while a freshly seeded one would have autovacuum start on its 1,000,000-row
    tables in the middle of a timed run (and, until vacuumed, no visibility map for
    index-only scans)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def _decl(id_: str, party: str, work: str | None, purpose: str, status: str) -> dict[str, object]:
    return {
        "id": id_,
        "party_id": party,
        "work_id": work,
        "purpose": purpose,
        "status": status,
        "attribution_required": False,
        "licence_url": None,
        "effective_from": T0,
        "recorded_at": T0,
        "declared_by": None,
        "mandate_id": None,
        "ledger_seq": None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--home", type=Path, default=Path("build/bench-registry"))
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    settings = Settings(home=args.home, database_url=args.database_url)
    print(json.dumps(seed(settings.resolved_database_url(), args.works)))


if __name__ == "__main__":
    main()
