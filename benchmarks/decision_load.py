"""What the two decision benchmarks share: options, the seeded registry, the real server, the
requests, and the JSON line (see decision_throughput.py and decision_latency.py).

Each run seeds the registry once (seed_registry.py; reused when already seeded), creates a
developer key, starts ``consentry serve --workers N`` on loopback, checks one decision
answers 200, runs the load (loadgen.py) and reports the latencies, the achieved rate, the
errors, and the CPU used meanwhile by the load generator, the server processes, PostgreSQL
and the whole machine (so a reader can see whether the generator or something else took the
cores). Then it times ``consentry decide`` as a user runs it, on the same registry.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from benchmarks.api_server import admin_token, server_process
from benchmarks.cli_timing import registry_env, time_command
from benchmarks.loadgen import (
    LOOP,
    LoadResult,
    children_cpu_s,
    machine_busy_s,
    named_processes_cpu_s,
    percentiles,
    process_tree_cpu_s,
)
from benchmarks.seed_registry import seed
from consentry.config import Settings

PURPOSES = ["tdm", "ai-train", "ai-input", "ai-index", "search"]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/consentry_bench"


def options(description: str | None, duration: float) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument(
        "--database-url", default=None, help=f"PostgreSQL URL (default for postgresql: {PG_URL})"
    )
    ap.add_argument(
        "--home",
        type=Path,
        default=None,
        help="data folder (default build/bench-registry, build/bench-pg for PostgreSQL)",
    )
    ap.add_argument("--works", type=int, default=1_000_000, help="works in the seeded registry")
    ap.add_argument("--workers", type=int, default=2, help="server processes (uvicorn workers)")
    ap.add_argument("--duration", type=float, default=duration, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    ap.add_argument("--cli-runs", type=int, default=5, help="runs of `consentry decide` timed")
    return ap


def resolve(args: argparse.Namespace) -> None:
    if args.backend == "postgresql" and not args.database_url:
        args.database_url = PG_URL
    if args.database_url:
        args.backend = "postgresql"
    if args.home is None:
        args.home = Path("build/bench-pg" if args.database_url else "build/bench-registry")


def decision_requests(host: str, token: str, works: int, n: int = 20_000) -> list[bytes]:
    """``n`` GET /v1/decisions requests for uniformly random works and purposes (seeded)."""
    rnd = random.Random(8)
    return [
        (
            f"GET /v1/decisions?work=w{rnd.randrange(works):08d}&purpose={rnd.choice(PURPOSES)}"
            f" HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
        for _ in range(n)
    ]


def run(
    args: argparse.Namespace, load: Callable[[str, int, list[bytes]], LoadResult]
) -> tuple[dict[str, object], LoadResult]:
    """Seed, serve, load, measure; the fields every decision benchmark reports."""
    resolve(args)
    settings = Settings(home=args.home, database_url=args.database_url)
    seed(settings.resolved_database_url(), args.works)
    token = admin_token(args.home, args.database_url, role="developer")
    with server_process(args.home, args.database_url, args.workers) as (base, proc):
        check = httpx.get(
            f"{base}/v1/decisions",
            params={"work": "w00000000", "purpose": "ai-train"},
            headers={"Authorization": f"Bearer {token}"},
        )
        if check.status_code != 200:
            raise RuntimeError(f"a decision answered {check.status_code}: {check.text[:500]}")
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        requests = decision_requests(f"{host}:{port}", token, args.works)
        kids0 = children_cpu_s(proc.pid)
        server0, pg0, (busy0, total0) = (
            process_tree_cpu_s(proc.pid),
            named_processes_cpu_s("postgres"),
            machine_busy_s(),
        )
        result = load(host, port, requests)
        server1, pg1, (busy1, total1) = (
            process_tree_cpu_s(proc.pid),
            named_processes_cpu_s("postgres"),
            machine_busy_s(),
        )
        kids1 = children_cpu_s(proc.pid)
    # The CPU counters span the warm-up too; the load generator's own counter does not.
    span = result.duration_s + args.warmup
    cores = os.cpu_count() or 1
    line: dict[str, object] = {
        **percentiles(result.latencies),
        "achieved_rps": round(len(result.latencies) / result.duration_s, 1),
        "requests": len(result.latencies),
        "errors": result.errors,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "connection_errors": result.connection_errors,
        "unfinished": result.unfinished,
        "duration_s": round(result.duration_s, 2),
        "warmup_s": args.warmup,
        "backend": args.backend,
        "works": args.works,
        "server_workers": args.workers,
        "connections": result.connections,
        "loadgen": f"python {LOOP}, keep-alive HTTP/1.1 (benchmarks/loadgen.py)",
        "loadgen_cpu_s": round(result.loadgen_cpu_s, 2),
        "loadgen_cpu_pct_of_one_core": round(100 * result.loadgen_cpu_s / result.duration_s, 1),
        "server_cpu_pct_of_one_core": round(100 * (server1 - server0) / span, 1),
        # per server process (uvicorn's workers share one listening socket, and the kernel
        # decides which accepts each keep-alive connection: an uneven split shows here)
        "server_process_cpu_pct_of_one_core": sorted(
            (round(100 * (kids1[k] - kids0.get(k, 0.0)) / span, 1) for k in kids1),
            reverse=True,
        ),
        # every process named postgres (other clients' too); one that exits meanwhile takes
        # its CPU with it, hence the floor at 0
        "postgres_cpu_pct_of_one_core": max(0.0, round(100 * (pg1 - pg0) / span, 1)),
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(total1 - total0, 1e-9), 1),
        "cores": cores,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    if args.cli_runs:
        wall = time_command(
            ["decide", "--work", "w00000000", "--purpose", "ai-train", "--json"],
            runs=args.cli_runs,
            env=registry_env(args.home, args.database_url),
        )
        line["cli_decide_wall_s"] = wall["median_s"]
        line["cli_decide_runs_s"] = wall["runs_s"]
    return line, result
