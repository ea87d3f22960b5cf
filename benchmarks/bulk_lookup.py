"""Bulk lookup: 10,000 identifiers in one API request against a registry of 1,000,000 works.

Target (issue 2): under 1 s on SQLite and under 1 s on PostgreSQL. The registry is seeded by
seed_registry.py (reused when already seeded); the request goes to the real server (uvicorn)
over loopback. 9,000 of the identifiers are registered ISBNs spread over the whole registry,
500 are valid but unregistered, 500 are invalid (wrong check digit). Prints one JSON line.

    python benchmarks/bulk_lookup.py                       # SQLite in build/bench-registry
    python benchmarks/bulk_lookup.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import httpx

from benchmarks.api_server import admin_token, running_server
from benchmarks.seed_registry import isbn13, seed
from consentry.config import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--ids", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--home", type=Path, default=Path("build/bench-registry"))
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    settings = Settings(home=args.home, database_url=args.database_url)
    seed(settings.resolved_database_url(), args.works)
    rnd = random.Random(7)
    registered = [isbn13(rnd.randrange(args.works)) for _ in range(args.ids * 9 // 10)]
    unregistered = [isbn13(args.works + rnd.randrange(10**6)) for _ in range(args.ids // 20)]
    invalid = [i[:-1] + str((int(i[-1]) + 1) % 10) for i in registered[: args.ids // 20]]
    ids = registered + unregistered + invalid
    rnd.shuffle(ids)
    token = admin_token(args.home, args.database_url)
    times = []
    with running_server(args.home, args.database_url) as base, httpx.Client(timeout=60) as c:
        headers = {"Authorization": f"Bearer {token}"}
        c.post(f"{base}/v1/lookup", json={"ids": ids[:100]}, headers=headers).raise_for_status()
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = c.post(f"{base}/v1/lookup", json={"ids": ids}, headers=headers)
            r.raise_for_status()
            times.append(time.perf_counter() - t)
        body = r.json()
    results = body["results"] if isinstance(body, dict) else body
    found = sum(1 for x in results if x.get("works"))
    errors = sum(1 for x in results if "error" in x)
    print(
        json.dumps(
            {
                "name": "bulk_lookup_10k_of_1m",
                "value": round(statistics.median(times), 4),
                "unit": "s",
                "max_s": round(max(times), 4),
                "backend": "postgresql" if args.database_url else "sqlite",
                "works": args.works,
                "ids": len(ids),
                "found": found,
                "invalid": errors,
                "target_s": 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
