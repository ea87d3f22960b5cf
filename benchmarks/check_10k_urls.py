"""Benchmark: ``consentry check`` over 10,000 URLs on 100 loopback hosts in under 30 s.

Hosts are 100 ports on 127.0.0.1, all served by one asyncio process (a subprocess, so the
client is what is measured). Every host serves a robots.txt, a tdmrep.json and an HTML page
(with signal headers and meta) written by consentry's writers from terms that differ per
host; the server counts robots.txt and tdmrep.json requests. Prints one JSON line:

    {"name": "check_10k_urls", "value": <seconds>, "unit": "s", "urls": 10000, "hosts": 100,
     "robots_fetches": N, "tdmrep_fetches": N, ...}

Usage: ``python benchmarks/check_10k_urls.py [--urls 10000] [--hosts 100] [--workers 1]``.
Then ``consentry check --urls FILE --workers N`` on the same URLs, timed from process start to
exit (``cli_wall_s``; ``--no-cli`` skips it).
``--workers 1`` runs the checker in this process; more shards the URLs by host over that
many checker processes (:func:`consentry.signals.checkrun.check_in_processes`, what
``consentry check --workers N`` uses), which keeps one fetch per host.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

try:  # python -m benchmarks.check_10k_urls, or python benchmarks/check_10k_urls.py
    from benchmarks.cli_timing import time_command
except ImportError:
    from cli_timing import time_command  # type: ignore[no-redef]

from consentry.registry.purposes import ALL_PURPOSES, Status
from consentry.registry.terms import TermsSet
from consentry.signals.check import Checker
from consentry.signals.checkrun import check_in_processes
from consentry.signals.fetched import CheckConfig
from consentry.signals.write import WriteOptions, write
from consentry.signals.write.headers import pairs

R, L, A = Status.RESERVED, Status.LICENCE, Status.ALLOWED
# (tdm, ai-train, ai-input, ai-index, search) per host, in turn
PROFILES = (
    (R, R, R, R, R),  # reserve everything
    (R, R, R, R, A),  # block AI, allow search
    (L, L, L, L, A),  # AI on licence (TDMRep Offer + RSL), search allowed
    (A, A, A, A, A),  # allow everything
    (R, R, A, L, A),  # mixed
)


def host_files(i: int, port: int) -> dict[str, tuple[bytes, list[tuple[str, str]]]]:
    terms = TermsSet.from_statuses(
        dict(zip(ALL_PURPOSES, PROFILES[i % len(PROFILES)], strict=True)),
        licence_url=f"http://127.0.0.1:{port}/licensing",
    )
    opts = WriteOptions(site_url=f"http://127.0.0.1:{port}")
    html = b"<html><head>" + write(terms, "html", options=opts) + b"</head><body>x</body></html>"
    page_headers = [("Content-Type", "text/html; charset=utf-8"), *pairs(terms, opts)]
    files = {
        "/robots.txt": (write(terms, "robots", options=opts), [("Content-Type", "text/plain")]),
        "/.well-known/tdmrep.json": (
            write(terms, "tdmrep", options=opts),
            [("Content-Type", "application/json")],
        ),
        "/license.xml": (
            write(terms, "rsl", options=opts),
            [("Content-Type", "application/rsl+xml")],
        ),
        "*": (html, page_headers),
    }
    try:
        policy = write(terms, "tdmrep-policy", options=opts)
        files["/.well-known/tdm-policy.json"] = (policy, [("Content-Type", "application/json")])
    except Exception:
        pass
    return files


def _response(status: str, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}"]
    head += [f"{n}: {v}" for n, v in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class _Http(asyncio.Protocol):
    def __init__(self, responses: dict[str, bytes], counts: Counter[str]) -> None:
        self.responses = responses
        self.counts = counts
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1].decode("latin-1")
            self.counts[path] += 1
            if path == "/__counts":
                body = json.dumps(dict(self.counts)).encode()
                out = _response("200 OK", body, [("Content-Type", "application/json")])
            else:
                out = self.responses.get(path) or self.responses["*"]
            assert self.transport is not None
            self.transport.write(out)


async def serve(hosts: int) -> None:
    loop = asyncio.get_running_loop()
    counts: Counter[str] = Counter()
    servers = []
    ports: list[int] = []
    for i in range(hosts):
        # bind first to learn the port, then build the host's files for that port
        holder: dict[str, bytes] = {}
        server = await loop.create_server(
            lambda h=holder: _Http(h, counts), "127.0.0.1", 0, backlog=4096
        )
        port = server.sockets[0].getsockname()[1]
        for path, (body, headers) in host_files(i, port).items():
            holder[path] = _response("200 OK", body, headers)
        servers.append(server)
        ports.append(port)
    sys.stdout.write(json.dumps(ports) + "\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


async def run_client(
    ports: list[int], n_urls: int, concurrency: int = 256, per_host: int = 8
) -> dict[str, object]:
    urls = [
        f"http://127.0.0.1:{ports[i % len(ports)]}/articles/{i // len(ports)}.html"
        for i in range(n_urls)
    ]
    config = CheckConfig(
        concurrency=concurrency, per_host=per_host, timeout=10.0, retries=1, backoff=0.2
    )
    decided: Counter[str] = Counter()
    errors = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    async with Checker(config) as checker:
        async for result in checker.check_many(urls, progress=False):
            errors += len(result.errors)
            for s in result.resolution.purposes.values():
                decided[s.value] += 1
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        client_counts = dict(checker.fetch_counts)
        counts_resp = await checker.fetch(f"http://127.0.0.1:{ports[0]}/__counts", "page")
    server_counts = json.loads(counts_resp.body)
    return {
        "name": "check_10k_urls",
        "value": round(elapsed, 2),
        "unit": "s",
        "urls": n_urls,
        "hosts": len(ports),
        "robots_fetches": server_counts.get("/robots.txt", 0),
        "tdmrep_fetches": server_counts.get("/.well-known/tdmrep.json", 0),
        "policy_fetches": server_counts.get("/.well-known/tdm-policy.json", 0),
        "rsl_fetches": server_counts.get("/license.xml", 0),
        "page_fetches": sum(v for k, v in server_counts.items() if k.startswith("/articles/")),
        "urls_per_s": round(n_urls / elapsed, 1),
        "workers": 1,
        "client_cpu_s": round(cpu, 2),  # the checker's own CPU time (load-independent)
        "load_avg_1m": round(os.getloadavg()[0], 2),  # other work on the machine
        "cpus": os.cpu_count(),
        "errors": errors,
        "decisions": dict(decided),
        "client_cached_fetches": client_counts,
        "concurrency": config.concurrency,
        "per_host": config.per_host,
    }


def run_workers(
    ports: list[int], n_urls: int, concurrency: int, per_host: int, workers: int
) -> dict[str, object]:
    """The same check in ``workers`` processes (URLs sharded by host)."""
    urls = [
        f"http://127.0.0.1:{ports[i % len(ports)]}/articles/{i // len(ports)}.html"
        for i in range(n_urls)
    ]
    config = CheckConfig(
        concurrency=max(1, concurrency // workers),
        per_host=per_host,
        timeout=10.0,
        retries=1,
        backoff=0.2,
    )
    decided: Counter[str] = Counter()
    counts: dict[str, int] = {}
    errors = done = 0
    start = time.perf_counter()
    for line in check_in_processes(urls, config, workers=workers, counts=counts):
        result = json.loads(line)
        done += 1
        errors += len(result["errors"])
        decided.update(result["purposes"].values())
    elapsed = time.perf_counter() - start
    server_counts = httpx.get(f"http://127.0.0.1:{ports[0]}/__counts").json()
    return {
        "name": "check_10k_urls",
        "value": round(elapsed, 2),
        "unit": "s",
        "urls": done,
        "hosts": len(ports),
        "robots_fetches": server_counts.get("/robots.txt", 0),
        "tdmrep_fetches": server_counts.get("/.well-known/tdmrep.json", 0),
        "policy_fetches": server_counts.get("/.well-known/tdm-policy.json", 0),
        "rsl_fetches": server_counts.get("/license.xml", 0),
        "page_fetches": sum(v for k, v in server_counts.items() if k.startswith("/articles/")),
        "urls_per_s": round(n_urls / elapsed, 1),
        "workers": workers,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "errors": errors,
        "decisions": dict(decided),
        "client_cached_fetches": counts,
        "concurrency": config.concurrency * workers,
        "per_host": per_host,
    }


def time_check_command(ports: list[int], args: argparse.Namespace) -> dict[str, object]:
    """``consentry check --urls FILE`` on the same URLs and hosts, as a user runs it (process
    start to exit; the hosts' counters were read before, so they stay this run's)."""
    folder = Path("build/bench-check")
    folder.mkdir(parents=True, exist_ok=True)
    urls = folder / "urls.txt"
    out = folder / "results.jsonl"
    urls.write_text(
        "".join(
            f"http://127.0.0.1:{ports[i % len(ports)]}/articles/{i // len(ports)}.html\n"
            for i in range(args.urls)
        )
    )
    timing = time_command(
        [
            "check",
            "--urls",
            str(urls),
            "--out",
            str(out),
            "--concurrency",
            str(args.concurrency),
            "--per-host",
            str(args.per_host),
            "--workers",
            str(args.workers),
            "--no-registry",
        ],
        runs=1,
    )
    with out.open() as f:
        lines = sum(1 for _ in f)
    return {"cli_wall_s": timing["median_s"], "cli_lines": lines, "cli_exit": timing["exit_codes"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=10_000)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--per-host", type=int, default=8)
    ap.add_argument(
        "--workers", type=int, default=1, help="checker processes (URLs sharded by host)"
    )
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-cli", action="store_true", help="skip timing `consentry check`")
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.hosts))
        return
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--hosts", str(args.hosts)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ports = json.loads(proc.stdout.readline())
        if args.workers > 1:
            result = run_workers(ports, args.urls, args.concurrency, args.per_host, args.workers)
        else:
            result = asyncio.run(run_client(ports, args.urls, args.concurrency, args.per_host))
        if not args.no_cli:
            result |= time_check_command(ports, args)
    finally:
        proc.terminate()
        proc.wait(10)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
