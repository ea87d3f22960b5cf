"""Single-decision latency with 50 concurrent clients over loopback (bounded load).

Target (issue 2): p99 under 20 ms. 50 asyncio clients each ask
``GET /v1/decisions?work=..&purpose=..`` of the real server (uvicorn) for random works of a
seeded registry (seed_registry.py), each paced at ``--rate`` requests per second (default 10,
so 500 requests/s in all; ``--rate 0`` = back-to-back, to find the saturation point), for
``--requests`` requests per client. Prints one JSON line with p50/p95/p99 and the achieved rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path

from benchmarks.api_server import admin_token, running_server
from benchmarks.seed_registry import seed
from consentry.config import Settings

PURPOSES = ["tdm", "ai-train", "ai-input", "ai-index", "search"]


async def client(
    base: str,
    token: str,
    works: int,
    n: int,
    rate: float,
    seed_: int,
    out: list[float],
    errors: list[int],
) -> None:
    """One client on one keep-alive connection, written on raw asyncio streams so that the
    load generator costs little CPU next to the server on this 2-core machine."""
    rnd = random.Random(seed_)
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    start = time.perf_counter() + rnd.random() * (1 / rate if rate else 0)
    try:
        for i in range(n):
            if rate:
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            work = f"w{rnd.randrange(works):08d}"
            purpose = rnd.choice(PURPOSES)
            request = (
                f"GET /v1/decisions?work={work}&purpose={purpose} HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode()
            t = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            out.append(time.perf_counter() - t)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def run(base: str, token: str, args: argparse.Namespace) -> dict[str, object]:
    lat: list[float] = []
    errors: list[int] = []
    # warm-up
    await asyncio.gather(
        *(client(base, token, args.works, 5, 0, 1000 + i, [], []) for i in range(5))
    )
    t = time.perf_counter()
    await asyncio.gather(
        *(
            client(base, token, args.works, args.requests, args.rate, i, lat, errors)
            for i in range(args.clients)
        )
    )
    wall = time.perf_counter() - t
    return {
        "name": "decision_latency_50_clients",
        "value": round(pct(lat, 0.99) * 1000, 2),
        "unit": "ms (p99)",
        "p50_ms": round(pct(lat, 0.50) * 1000, 2),
        "p95_ms": round(pct(lat, 0.95) * 1000, 2),
        "max_ms": round(max(lat) * 1000, 2),
        "clients": args.clients,
        "rate_per_client": args.rate,
        "achieved_rps": round(len(lat) / wall, 1),
        "requests": len(lat),
        "errors": len(errors),
        "backend": "postgresql" if args.database_url else "sqlite",
        "works": args.works,
        "server_workers": args.workers,
        "target_p99_ms": 20,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100, help="per client")
    ap.add_argument("--rate", type=float, default=10.0, help="per client per second; 0 = flat out")
    ap.add_argument("--home", type=Path, default=Path("build/bench-registry"))
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    args = ap.parse_args()
    settings = Settings(home=args.home, database_url=args.database_url)
    seed(settings.resolved_database_url(), args.works)
    token = admin_token(args.home, args.database_url, role="developer")
    with running_server(args.home, args.database_url, args.workers) as base:
        print(json.dumps(asyncio.run(run(base, token, args))))


if __name__ == "__main__":
    main()
