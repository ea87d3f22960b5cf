"""Run the checker over many URLs: in this process (:func:`check_urls`), in several
processes sharded by host (:func:`check_in_processes`), or fetch one site's carriers for
lint (:func:`fetch_site`). The fetching and deciding are :class:`consentry.signals.check.Checker`.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from urllib.parse import urljoin, urlsplit

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals import robots, tdmrep
from consentry.signals.check import Checker
from consentry.signals.fetched import (
    CheckConfig,
    CheckResult,
    Fetched,
    RegistryLookup,
    origin_of,
    rsl_links,
)
from consentry.signals.lint import SiteCarriers


def shard_by_host(urls: Sequence[str], shards: int) -> list[list[str]]:
    """Split ``urls`` into ``shards`` lists, every URL of one host in the same list (so each
    host's robots.txt and tdmrep.json are still fetched once), balanced by URL count."""
    by_host: dict[str, list[str]] = {}
    for u in urls:
        by_host.setdefault(urlsplit(u).netloc, []).append(u)
    out: list[list[str]] = [[] for _ in range(max(1, shards))]
    for group in sorted(by_host.values(), key=len, reverse=True):
        min(out, key=len).extend(group)
    return [s for s in out if s]


def _check_worker(
    urls: list[str],
    config: CheckConfig,
    registered: Mapping[str, Sequence[tuple[str, TermsSet]]],
    conn: Connection,
) -> None:
    """Process entry point: check ``urls``, send each JSON line, then the fetch counts."""

    async def run() -> dict[str, int]:
        lookup = (lambda url: registered.get(url, ())) if registered else None
        async with Checker(config, registry=lookup) as checker:
            async for result in checker.check_many(urls, progress=False):
                conn.send_bytes(result.to_line().encode("utf-8"))
            return dict(checker.fetch_counts)

    try:
        counts = asyncio.run(run())
        conn.send_bytes(b"\x00" + json.dumps(counts).encode())
    finally:
        conn.close()


def check_in_processes(
    urls: Iterable[str],
    config: CheckConfig,
    *,
    workers: int,
    registered: Mapping[str, Sequence[tuple[str, TermsSet]]] | None = None,
    counts: dict[str, int] | None = None,
) -> Iterator[str]:
    """Check ``urls`` in ``workers`` processes (URLs sharded by host); yields JSON lines as
    they complete. ``counts``, when given, receives the summed per-carrier fetch counts."""
    todo = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    methods = multiprocessing.get_all_start_methods()
    # forkserver: children start clean (no threads or open connections of this process)
    ctx: ForkServerContext | SpawnContext = (
        multiprocessing.get_context("forkserver")
        if "forkserver" in methods
        else multiprocessing.get_context("spawn")
    )
    procs: list[tuple[BaseProcess, Connection]] = []
    for shard in shard_by_host(todo, workers):
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_check_worker, args=(shard, config, dict(registered or {}), send))
        proc.start()
        send.close()
        procs.append((proc, recv))
    open_conns: list[Connection] = [c for _, c in procs]
    try:
        while open_conns:
            for ready in mp_wait(open_conns):
                assert isinstance(ready, Connection)
                try:
                    msg = ready.recv_bytes()
                except EOFError:
                    open_conns.remove(ready)
                    continue
                if msg.startswith(b"\x00"):
                    if counts is not None:
                        for k, v in json.loads(msg[1:]).items():
                            counts[k] = counts.get(k, 0) + int(v)
                    continue
                yield msg.decode("utf-8")
    finally:
        for worker, conn in procs:
            conn.close()
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
        failed = [p.exitcode for p, _ in procs if p.exitcode not in (0, None)]
        if failed:
            raise SignalError(
                f"{len(failed)} check worker process(es) failed (exit codes {failed})",
                field="workers",
                value=workers,
                expected="workers that finish",
            )


async def check_urls(
    urls: Iterable[str],
    config: CheckConfig | None = None,
    *,
    registry: RegistryLookup | None = None,
    progress: bool | None = None,
) -> list[CheckResult]:
    """Check ``urls`` and return the results in input order (duplicates once)."""
    todo = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    async with Checker(config, registry=registry) as checker:
        results = {r.url: r async for r in checker.check_many(todo, progress=progress)}
    return [results[u] for u in todo]


async def fetch_site(url: str, config: CheckConfig | None = None) -> SiteCarriers:
    """Fetch what :func:`consentry.signals.lint.lint` reads for ``url``: robots.txt,
    tdmrep.json and its policy, the page, and the RSL documents it links to."""
    origin = origin_of(url)
    async with Checker(config) as c:
        robots_f, tdm_f, page = await asyncio.gather(
            c.fetch(f"{origin}/robots.txt", "robots"),
            c.fetch(f"{origin}/.well-known/tdmrep.json", "tdmrep"),
            c.fetch(url, "page"),
        )
        policy: Fetched | None = None
        if tdm_f.ok:
            rule, _ = tdmrep.parse_tdmrep_file(tdm_f.body).rule_for(url)
            if rule is not None and rule.policy:
                policy_url = urljoin(tdm_f.final_url, rule.policy)
                policy = await c.fetch(policy_url, "tdm-policy")
        rsl_urls: list[str] = []
        if robots_f.ok:
            rf = robots.parse_robots(
                robots.decode_robots(robots_f.body), truncated=robots_f.truncated
            )
            rsl_urls += [u.value for g in rf.groups for u in g.usage if u.kind == "license"]
            rsl_urls += [u.value for u in rf.global_usage if u.kind == "license"]
        rsl_urls += rsl_links(page)
        docs: list[tuple[str, bytes]] = []
        for u in dict.fromkeys(urljoin(url, x) for x in rsl_urls):
            f = await c.fetch(u, "rsl")
            if f.ok:
                docs.append((u, f.body))
    return SiteCarriers(
        url,
        robots_txt=robots_f.body if robots_f.ok else None,
        robots_status=robots_f.status,
        robots_truncated=robots_f.truncated,
        tdmrep_json=tdm_f.body if tdm_f.ok else None,
        tdm_policy=policy.body if policy is not None and policy.ok else None,
        tdm_policy_type=policy.media_type() if policy is not None and policy.ok else None,
        page_headers=page.headers,
        page_html=page.body if page.ok and "html" in page.media_type() else None,
        rsl_documents=tuple(docs),
    )
