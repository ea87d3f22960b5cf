"""CPU per decision in-process: the app's decision path without the network or the server.

A tool for comparing changes to the decision path (route, dependencies, key check, service,
reads, JSON) by CPU time, which stays meaningful on a busy machine where wall-clock load
tests do not. The ASGI app (``create_app``) is called directly with ``GET /v1/decisions``
scopes for random works of a seeded registry (seed_registry.py), one at a time on one event
loop, as one uvicorn worker would run them (minus HTTP parsing, which uvicorn's httptools
does in C). Prints one JSON line with CPU microseconds per decision (best of ``--repeat``);
``--profile FILE`` also writes a cProfile of one round (read it with ``python -m pstats``).

    python -m benchmarks.decision_profile --works 20000 --home build/smoke-sqlite
    python -m benchmarks.decision_profile --backend postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import random
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from benchmarks.api_server import admin_token
from benchmarks.decision_load import PG_URL, PURPOSES
from benchmarks.seed_registry import seed
from consentry.api.app import create_app
from consentry.bootstrap import build
from consentry.config import Settings

Scope = MutableMapping[str, Any]


def scopes(token: str, works: int, n: int) -> list[Scope]:
    rnd = random.Random(8)
    out = []
    for _ in range(n):
        qs = f"work=w{rnd.randrange(works):08d}&purpose={rnd.choice(PURPOSES)}"
        out.append(
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": "/v1/decisions",
                "raw_path": b"/v1/decisions",
                "query_string": qs.encode(),
                "root_path": "",
                "headers": [
                    (b"host", b"127.0.0.1:8000"),
                    (b"authorization", f"Bearer {token}".encode()),
                ],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8000),
            }
        )
    return out


async def run_all(
    app: Callable[..., Awaitable[None]], items: list[Scope], statuses: dict[int, int]
) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            s = message["status"]
            statuses[s] = statuses.get(s, 0) + 1

    for scope in items:
        await app(dict(scope), receive, send)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--decisions", type=int, default=2000, help="per round")
    ap.add_argument("--repeat", type=int, default=5, help="rounds; the best is reported")
    ap.add_argument("--profile", type=Path, default=None, help="write a cProfile of one round")
    args = ap.parse_args()
    if args.backend == "postgresql" and not args.database_url:
        args.database_url = PG_URL
    home = args.home or Path("build/bench-pg" if args.database_url else "build/bench-registry")
    settings = Settings(home=home, database_url=args.database_url)
    seed(settings.resolved_database_url(), args.works)
    token = admin_token(home, args.database_url, role="developer")
    registry = build(settings)
    app = create_app(registry)
    items = scopes(token, args.works, args.decisions)
    statuses: dict[int, int] = {}
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_all(app, items[:200], statuses))  # warm caches, pools
        cpu = []
        for _ in range(args.repeat):
            c0 = time.process_time()
            loop.run_until_complete(run_all(app, items, statuses))
            cpu.append(time.process_time() - c0)
        if args.profile:
            prof = cProfile.Profile(time.process_time)  # CPU time, not waits
            prof.enable()
            loop.run_until_complete(run_all(app, items, statuses))
            prof.disable()
            prof.dump_stats(str(args.profile))
    finally:
        loop.close()
        registry.close()
    best = min(cpu)
    print(
        json.dumps(
            {
                "name": "decision_cpu_in_process",
                "value": round(best / args.decisions * 1e6, 1),
                "unit": "us CPU per decision (best round)",
                "rounds_us": [round(c / args.decisions * 1e6, 1) for c in cpu],
                "decisions_per_cpu_s": round(args.decisions / best),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "backend": "postgresql" if args.database_url else "sqlite",
                "works": args.works,
            }
        )
    )


if __name__ == "__main__":
    main()
