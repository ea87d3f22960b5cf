"""The checker against real HTTP servers on 127.0.0.1 (started per test, no mocks).

:class:`LoopbackSites` is a small asyncio HTTP/1.1 server (keep-alive, GET) on one port per
site, in a thread; each site is a dict ``path -> Route``; it counts requests per path.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import TermsSet
from consentry.signals.check import Checker
from consentry.signals.checkrun import check_urls
from consentry.signals.fetched import CheckConfig
from consentry.signals.write import WriteOptions, write


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0


Handler = Route | Callable[[int], Route]  # a callable gets the request count for the path


class LoopbackSites:
    def __init__(self, sites: list[dict[str, Handler]]) -> None:
        self.sites = sites
        self.ports: list[int] = []
        self.counts: Counter[tuple[int, str]] = Counter()
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> LoopbackSites:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for s in self._servers:
                s.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for s in self._servers:
                await s.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        for i, routes in enumerate(self.sites):
            server = await asyncio.start_server(
                lambda r, w, i=i, routes=routes: self._serve(i, routes, r, w), "127.0.0.1", 0
            )
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    def url(self, site: int, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[site]}{path}"

    def count(self, site: int, path: str) -> int:
        return self.counts[(site, path)]

    async def _serve(
        self,
        site: int,
        routes: dict[str, Handler],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
                self.counts[(site, target)] += 1
                handler = routes.get(target) or routes.get("*") or Route(404, b"not found")
                route = handler(self.counts[(site, target)]) if callable(handler) else handler
                if route.delay:
                    await asyncio.sleep(route.delay)
                if route.status < 0:  # drop the connection without answering
                    return
                lines = [f"HTTP/1.1 {route.status} X", f"Content-Length: {len(route.body)}"]
                lines += [f"{n}: {v}" for n, v in route.headers]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + route.body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FAST = CheckConfig(timeout=2.0, retries=1, backoff=0.01)
HTML = [("Content-Type", "text/html; charset=utf-8")]
TERMS = TermsSet.from_statuses(
    {
        Purpose.TDM: Status.RESERVED,
        Purpose.AI_TRAIN: Status.RESERVED,
        Purpose.AI_INPUT: Status.RESERVED,
        Purpose.AI_INDEX: Status.RESERVED,
        Purpose.SEARCH: Status.ALLOWED,
    }
)


def page(meta: bytes = b"") -> Route:
    return Route(200, b"<html><head>" + meta + b"</head><body>hi</body></html>", HTML)


def run(urls: list[str], config: CheckConfig = FAST, **kw: object) -> list[dict[str, object]]:
    results = asyncio.run(check_urls(urls, config, progress=False, **kw))  # type: ignore[arg-type]
    return [r.to_json() for r in results]


@pytest.fixture
def written_site() -> Iterator[LoopbackSites]:
    opts = WriteOptions(site_url="http://127.0.0.1")
    site: dict[str, Handler] = {
        "/robots.txt": Route(200, write(TERMS, "robots", options=opts)),
        "/.well-known/tdmrep.json": Route(
            200, write(TERMS, "tdmrep", options=opts), [("Content-Type", "application/json")]
        ),
        "*": page(write(TERMS, "html", options=opts)),
    }
    with LoopbackSites([site]) as s:
        yield s


def test_json_line_has_exactly_the_issue_fields(written_site: LoopbackSites) -> None:
    [line] = run([written_site.url(0, "/articles/1")])
    assert set(line) == {"url", "agent", "purposes", "signals", "errors", "checked_at", "evidence"}
    assert set(line["purposes"]) == {p.value for p in Purpose}  # type: ignore[arg-type]
    for sig in line["signals"]:  # type: ignore[attr-defined]
        assert {"carrier", "source", "purposes", "diagnostics"} <= set(sig)
    assert str(line["checked_at"]).endswith("Z")
    json.dumps(line)  # serialisable as one JSON line


def test_written_site_resolves_to_the_terms(written_site: LoopbackSites) -> None:
    [star, gpt, google] = [
        run([written_site.url(0, "/a")], CheckConfig(agent=a, timeout=2.0))[0]
        for a in ("*", "GPTBot", "Googlebot")
    ]
    want_ai = {"tdm": "disallowed", "ai-train": "disallowed", "ai-input": "disallowed"}
    for line in (star, gpt, google):
        assert {k: line["purposes"][k] for k in want_ai} == want_ai  # type: ignore[index]
        assert line["purposes"]["ai-index"] == "disallowed"  # type: ignore[index]
        assert line["errors"] == []
    assert star["purposes"]["search"] == "allowed"  # type: ignore[index]
    assert google["purposes"]["search"] == "allowed"  # type: ignore[index]
    carriers = {s["carrier"] for s in star["signals"]}  # type: ignore[attr-defined]
    assert carriers == {"robots", "tdmrep", "headers", "html"}


def test_evidence_records_each_fetch_with_its_hash(written_site: LoopbackSites) -> None:
    [line] = run([written_site.url(0, "/a")])
    ev = line["evidence"]
    robots_url = written_site.url(0, "/robots.txt")
    served = write(TERMS, "robots", options=WriteOptions(site_url="http://127.0.0.1"))
    assert ev["sha256"][robots_url] == hashlib.sha256(served).hexdigest()  # type: ignore[index]
    fetches = {f["carrier"]: f for f in ev["fetches"]}  # type: ignore[index]
    assert set(fetches) == {"robots", "tdmrep", "page"}
    assert fetches["robots"]["status"] == 200 and fetches["robots"]["bytes"] == len(served)
    assert ["Content-Type", "text/html; charset=utf-8"] in [
        [n, v] for n, v in fetches["page"]["headers"]
    ]
    assert str(fetches["page"]["fetched_at"]).endswith("Z")


def test_robots_and_tdmrep_fetched_once_per_host_under_concurrency() -> None:
    slow_robots = Route(200, b"User-agent: *\nDisallow: /private/\n", delay=0.2)
    sites: list[dict[str, Handler]] = [
        {"/robots.txt": slow_robots, "*": page()},
        {"/robots.txt": slow_robots, "*": page()},
    ]
    with LoopbackSites(sites) as s:
        urls = [s.url(i % 2, f"/p/{i}") for i in range(60)]
        lines = run(urls, CheckConfig(concurrency=30, per_host=6, timeout=2.0))
        assert len(lines) == 60
        for site in (0, 1):
            assert s.count(site, "/robots.txt") == 1
            assert s.count(site, "/.well-known/tdmrep.json") == 1
            assert (
                sum(n for (i, p), n in s.counts.items() if i == site and p.startswith("/p/")) == 30
            )
    assert [line["url"] for line in lines] == urls  # input order kept


def test_robots_404_means_no_restrictions() -> None:
    with LoopbackSites([{"*": page()}]) as s:
        [line] = run([s.url(0, "/x")])
    robots = next(x for x in line["signals"] if x["carrier"] == "robots")  # type: ignore[attr-defined]
    assert robots["purposes"]["search"] == "allowed"
    assert line["purposes"]["search"] == "allowed"  # type: ignore[index]
    assert not any(x["carrier"] == "fetch" for x in line["signals"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_5xx_is_complete_disallow_and_never_allowed(status: int) -> None:
    with LoopbackSites([{"/robots.txt": Route(status, b"oops"), "*": page()}]) as s:
        [line] = run([s.url(0, "/x")])
        assert s.count(0, "/robots.txt") == 2  # one retry
    # RFC 9309 2.3.1.4: "the crawler MUST assume complete disallow" (issue 9: every purpose
    # resting on crawling is disallowed, not unknown)
    rsig = next(x for x in line["signals"] if x["carrier"] == "robots")  # type: ignore[attr-defined]
    assert "complete disallow" in rsig["diagnostics"][0]
    assert set(line["purposes"].values()) == {"disallowed"}  # type: ignore[attr-defined]


def test_unreachable_host_is_recorded_not_allowed() -> None:
    url = f"http://127.0.0.1:{closed_port()}/page"
    [line] = run([url])
    assert {x["carrier"] for x in line["signals"]} == {"robots", "fetch"}  # type: ignore[attr-defined]
    # RFC 9309 2.3.1.4: robots.txt unreachable due to network errors: complete disallow
    assert set(line["purposes"].values()) == {"disallowed"}  # type: ignore[attr-defined]
    assert any("robots" in e for e in line["errors"])  # type: ignore[attr-defined]


def redirect(to: str) -> Route:
    return Route(301, b"", [("Location", to)])


def test_robots_redirects_followed_up_to_five_hops() -> None:
    hops: dict[str, Handler] = {"/robots.txt": redirect("/r1")}
    for i in range(1, 5):
        hops[f"/r{i}"] = redirect(f"/r{i + 1}")
    hops["/r5"] = Route(200, b"User-agent: *\nDisallow: /\n")
    hops["*"] = page()
    with LoopbackSites([hops]) as s:
        [line] = run([s.url(0, "/x")])
    robots = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "robots")  # type: ignore[index]
    assert robots["status"] == 200 and len(robots["redirects"]) == 5
    assert robots["final_url"].endswith("/r5")
    assert set(line["purposes"].values()) == {"disallowed"}  # type: ignore[attr-defined]


def test_robots_six_redirects_is_treated_as_unavailable() -> None:
    hops: dict[str, Handler] = {"/robots.txt": redirect("/r1")}
    for i in range(1, 6):
        hops[f"/r{i}"] = redirect(f"/r{i + 1}")
    hops["/r6"] = Route(200, b"User-agent: *\nDisallow: /\n")
    hops["*"] = page()
    with LoopbackSites([hops]) as s:
        [line] = run([s.url(0, "/x")])
        assert s.count(0, "/r6") == 0
    assert any("more than 5 redirects" in e for e in line["errors"])  # type: ignore[attr-defined]
    assert line["purposes"]["search"] == "allowed"  # type: ignore[index]


def test_retry_with_backoff_recovers_from_a_503() -> None:
    flaky: dict[str, Handler] = {
        "/robots.txt": Route(404),
        "/page": lambda n: (
            Route(503, b"busy") if n == 1 else page(b'<meta name="robots" content="noai">')
        ),
    }
    with LoopbackSites([flaky]) as s:
        [line] = run([s.url(0, "/page")], CheckConfig(retries=2, backoff=0.05, timeout=2.0))
        assert s.count(0, "/page") == 2
    fetched = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "page")  # type: ignore[index]
    assert fetched["status"] == 200 and fetched["attempts"] == 2
    assert line["purposes"]["ai-train"] == "disallowed"  # type: ignore[index]


def test_timeout_is_an_error_and_a_fetch_signal() -> None:
    with LoopbackSites([{"/robots.txt": Route(404), "/slow": Route(200, b"x", delay=1.0)}]) as s:
        [line] = run([s.url(0, "/slow")], CheckConfig(timeout=0.2, retries=0))
    assert any("Timeout" in e for e in line["errors"])  # type: ignore[attr-defined]
    assert any(x["carrier"] == "fetch" for x in line["signals"])  # type: ignore[attr-defined]


def test_body_cap_reads_a_prefix_and_says_so() -> None:
    big = b"User-agent: *\nDisallow: /\n" + b"# padding\n" * 50_000
    with LoopbackSites([{"/robots.txt": Route(200, big), "*": page()}]) as s:
        [line] = run([s.url(0, "/x")], CheckConfig(max_body=64 * 1024, timeout=2.0))
    robots = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "robots")  # type: ignore[index]
    assert robots["truncated"] is True and robots["bytes"] == 64 * 1024
    assert any("prefix read" in e for e in line["errors"])  # type: ignore[attr-defined]
    assert line["purposes"]["search"] == "disallowed"  # type: ignore[index]


RSL_DOC = (
    b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
    b'<permits type="usage">ai-train</permits><payment type="training">'
    b"<custom>https://example.org/buy</custom></payment></license></content></rsl>"
)


@pytest.mark.parametrize("where", ["robots", "link-header", "html"])
def test_rsl_licence_followed_from_each_place(where: str) -> None:
    routes: dict[str, Handler] = {
        "/lic.xml": Route(200, RSL_DOC, [("Content-Type", "application/rsl+xml")])
    }
    with LoopbackSites([routes]) as s:
        lic = s.url(0, "/lic.xml")
        if where == "robots":
            routes["/robots.txt"] = Route(
                200, f"License: {lic}\nUser-agent: *\nAllow: /\n".encode()
            )
            routes["*"] = page()
        elif where == "link-header":
            routes["*"] = Route(
                200,
                b"<html></html>",
                [*HTML, ("Link", f'<{lic}>; rel="license"; type="application/rsl+xml"')],
            )
        else:
            routes["*"] = page(b'<link rel="license" type="application/rsl+xml" href="/lic.xml">')
        lines = run([s.url(0, "/a"), s.url(0, "/b")])
        assert s.count(0, "/lic.xml") == 1  # cached across URLs
    for line in lines:
        rsl = [x for x in line["signals"] if x["carrier"] == "rsl"]  # type: ignore[attr-defined]
        assert len(rsl) == 1 and rsl[0]["purposes"]["ai-train"] == "licence"
        assert line["purposes"]["ai-train"] == "licence"  # type: ignore[index]


@pytest.mark.parametrize(
    "served", [Route(404), Route(200, b"<html>not rsl</html>", HTML), Route(200, b"<:")]
)
def test_unfetchable_or_invalid_rsl_is_treated_as_unlicensed(served: Route) -> None:
    routes: dict[str, Handler] = {
        "/gone.xml": served,
        "*": page(b'<link rel="license" type="application/rsl+xml" href="/gone.xml">'),
    }
    with LoopbackSites([routes]) as s:
        [line] = run([s.url(0, "/a")])
    assert any("gone.xml" in e for e in line["errors"])  # type: ignore[attr-defined]
    assert any(x["carrier"] == "fetch" for x in line["signals"])  # type: ignore[attr-defined]
    assert "allowed" not in line["purposes"].values()  # type: ignore[attr-defined]


def test_non_rsl_licence_links_are_not_followed() -> None:
    routes: dict[str, Handler] = {
        "*": page(b'<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">')
    }
    with LoopbackSites([routes]) as s:
        [line] = run([s.url(0, "/a")])
    assert not any(f["carrier"] == "rsl" for f in line["evidence"]["fetches"])  # type: ignore[index]


def licence_terms() -> TermsSet:
    return TermsSet.from_statuses(
        {
            p: Status.LICENCE
            for p in (Purpose.TDM, Purpose.AI_TRAIN, Purpose.AI_INPUT, Purpose.AI_INDEX)
        }
        | {Purpose.SEARCH: Status.ALLOWED}
    )


@pytest.mark.parametrize(
    ("media_type", "want"), [("application/json", "licence"), ("text/html", "disallowed")]
)
def test_tdm_policy_is_read_only_when_machine_readable(media_type: str, want: str) -> None:
    routes: dict[str, Handler] = {"*": page()}
    with LoopbackSites([routes]) as s:
        opts = WriteOptions(site_url=s.url(0), contact="rights@example.org")
        t = licence_terms()
        routes["/.well-known/tdmrep.json"] = Route(200, write(t, "tdmrep", options=opts))
        routes["/.well-known/tdm-policy.json"] = Route(
            200, write(t, "tdmrep-policy", options=opts), [("Content-Type", media_type)]
        )
        [line] = run([s.url(0, "/a")])
    assert line["purposes"]["ai-train"] == want  # type: ignore[index]
    if want == "disallowed":
        assert any("not machine-readable" in e for e in line["errors"])  # type: ignore[attr-defined]


def test_registry_terms_are_one_more_signal() -> None:
    registered: dict[str, list[tuple[str, TermsSet]]] = {}

    def lookup(url: str) -> list[tuple[str, TermsSet]]:  # an in-memory registry adapter
        return registered.get(url, [])

    with LoopbackSites([{"/robots.txt": Route(404), "*": page()}]) as s:
        registered[s.url(0, "/book")] = [("w-1", TERMS)]
        lines = run([s.url(0, "/book"), s.url(0, "/other")], registry=lookup)
    book, other = lines
    reg = [x for x in book["signals"] if x["carrier"] == "registry"]  # type: ignore[attr-defined]
    assert reg and reg[0]["source"] == "registry:w-1"
    assert book["purposes"]["ai-train"] == "disallowed"  # type: ignore[index]
    assert other["purposes"]["ai-train"] == "unknown"  # type: ignore[index]


def test_invalid_url_is_an_error_line_not_a_crash() -> None:
    [line] = run(["ftp://example.org/x"])
    assert "not an absolute http(s) URL" in line["errors"][0]  # type: ignore[index]
    assert set(line["purposes"].values()) == {"unknown"}  # type: ignore[attr-defined]


def test_checker_fetch_counts_and_injected_clock() -> None:
    from datetime import UTC, datetime

    fixed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    async def go(url: str) -> tuple[str, dict[str, int]]:
        async with Checker(FAST, now=lambda: fixed) as c:
            r = await c.check(url)
            await c.check(url)
            return r.to_json()["checked_at"], dict(c.fetch_counts)  # type: ignore[return-value]

    with LoopbackSites([{"*": page()}]) as s:
        when, counts = asyncio.run(go(s.url(0, "/a")))
    assert when == "2026-01-02T03:04:05Z"
    assert counts == {"robots": 1, "tdmrep": 1}


def test_config_rejects_bad_limits() -> None:
    from consentry.errors import SignalError

    with pytest.raises(SignalError, match="per_host 0 must be at least 1"):
        CheckConfig(per_host=0)


def test_policy_named_by_headers_and_meta_is_read_too() -> None:
    from consentry.signals.write.headers import pairs

    routes: dict[str, Handler] = {"/robots.txt": Route(404)}
    with LoopbackSites([routes]) as s:
        opts = WriteOptions(site_url=s.url(0), contact="rights@example.org")
        t = licence_terms()
        routes["/.well-known/tdm-policy.json"] = Route(
            200, write(t, "tdmrep-policy", options=opts), [("Content-Type", "application/json")]
        )
        routes["/license.xml"] = Route(200, write(t, "rsl", options=opts))
        meta = write(t, "html", options=opts)
        routes["*"] = Route(200, b"<html><head>" + meta + b"</head></html>", HTML + pairs(t, opts))
        [line] = run([s.url(0, "/a"), s.url(0, "/b")])[:1]
        assert s.count(0, "/.well-known/tdm-policy.json") == 1
    by = {x["carrier"]: x for x in line["signals"]}  # type: ignore[attr-defined]
    assert by["headers"]["purposes"]["tdm"] == "licence"
    # tdm: the meta tdm-policy read; the AI uses also carry meta robots noai (training licensed)
    assert by["html"]["purposes"]["tdm"] == "licence"
    assert by["rsl"]["purposes"]["ai-train"] == "licence"
    assert line["purposes"]["tdm"] == "licence"  # type: ignore[index]
    # yes/no vocabularies state the reservation for licensed uses: most restrictive wins
    assert line["purposes"]["ai-train"] == "disallowed"  # type: ignore[index]
    assert line["errors"] == []


@pytest.mark.parametrize("location", ["http://[::1", "ftp://127.0.0.1/robots.txt"])
def test_bad_redirect_targets_are_errors_not_crashes(location: str) -> None:
    with LoopbackSites([{"/robots.txt": redirect(location), "*": page()}]) as s:
        [line] = run([s.url(0, "/x")])
    robots = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "robots")  # type: ignore[index]
    assert robots["status"] is None and robots["error"]
    rsig = next(x for x in line["signals"] if x["carrier"] == "robots")  # type: ignore[attr-defined]
    assert "could not fetch robots.txt (unreachable)" in rsig["diagnostics"][0]


def test_dropped_connection_and_garbage_response_are_fetch_errors() -> None:
    routes: dict[str, Handler] = {"/robots.txt": Route(404), "/drop": Route(-1)}
    with LoopbackSites([routes]) as s:
        [line] = run([s.url(0, "/drop")], CheckConfig(retries=1, backoff=0.01, timeout=2.0))
        assert s.count(0, "/drop") == 2  # retried once
    page_fetch = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "page")  # type: ignore[index]
    assert page_fetch["status"] is None and page_fetch["attempts"] == 2
    assert "allowed" not in line["purposes"].values()  # type: ignore[attr-defined]


def test_gzip_encoded_robots_is_decoded_and_hashed_as_received() -> None:
    import gzip

    body = b"User-agent: *\nDisallow: /\n"
    routes: dict[str, Handler] = {
        "/robots.txt": Route(200, gzip.compress(body), [("Content-Encoding", "gzip")]),
        "*": page(),
    }
    with LoopbackSites([routes]) as s:
        [line] = run([s.url(0, "/a")])
    robots = next(f for f in line["evidence"]["fetches"] if f["carrier"] == "robots")  # type: ignore[index]
    assert robots["sha256"] == hashlib.sha256(body).hexdigest()
    assert set(line["purposes"].values()) == {"disallowed"}  # type: ignore[attr-defined]
