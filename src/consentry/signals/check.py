"""Check live sites: fetch every carrier that applies to a URL, resolve, keep the evidence.

The only network code of ``signals/``; decisions come from the pure readers and
:func:`consentry.signals.resolve.resolve`.

Per URL (docs/signals.md, "Writing and checking"):

* ``/robots.txt`` and ``/.well-known/tdmrep.json`` once per origin: cached, and de-duplicated
  under concurrency (the first caller's fetch is shared by every later one). robots.txt
  follows up to five redirect hops; 4xx = no restrictions; 5xx or unreachable = complete
  disallow for crawling, recorded as a ``fetch`` signal (never ``allowed``). tdmrep.json:
  4xx = no file (unset); 5xx/unreachable = a ``fetch`` signal. A ``tdm-policy`` that applies
  is fetched (cached) and read when served as JSON; ``text/html`` is not machine-readable.
* The page itself with GET: its headers and, for HTML, its ``<meta>``/``<link>``.
* An RSL licence linked from robots.txt (``License:``), a ``Link`` header or the HTML
  (``rel=license`` typed ``application/rsl+xml``, or any ``rel=license`` URL ending ``.xml``),
  fetched once per URL; one that cannot be fetched is a ``fetch`` signal (RSL: unlicensed).
* The registry: a URL registered as a work identifier adds its terms as a ``registry`` signal.

Each fetch is kept as evidence (SHA-256 of the bytes, status, headers, fetch time, redirect
hops). Limits: a global and a per-host concurrency limit, timeouts, retries with exponential
backoff on network errors, 429 and 5xx, and a cap on body size (the prefix is read; noted).
"""

from __future__ import annotations

import asyncio
import ssl
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from consentry.errors import SignalError
from consentry.signals import headers as headers_reader
from consentry.signals import html as html_reader
from consentry.signals import robots, rsl, tdmrep
from consentry.signals.fetched import (
    JSON_TYPES,
    MAX_POOLS,
    CheckConfig,
    CheckResult,
    Fetched,
    RegistryLookup,
    _fetch_failure,
    failed_result,
    origin_of,
    registry_signal,
    rsl_links,
    utc_now,
)
from consentry.signals.model import Carrier, ParsedSignal
from consentry.signals.resolve import resolve


class Checker:
    """Checks URLs against live sites. Use as ``async with Checker(cfg) as c: ...``."""

    def __init__(
        self,
        config: CheckConfig | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        registry: RegistryLookup | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config or CheckConfig()
        self._shared = client  # injected: used for every host, closed by its owner
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._inflight: dict[str, int] = {}
        self._ssl: ssl.SSLContext | None = None
        self._registry = registry
        self._now = now
        self._cache: dict[tuple[str, str], asyncio.Task[Fetched]] = {}
        self._robots_parsed: dict[tuple[str, str], robots.RobotsFile] = {}
        self._rsl_parsed: dict[str, tuple[list[rsl.RslContent], list[str]]] = {}
        self._tdm_parsed: dict[str, tdmrep.TdmFile] = {}
        self._policies: dict[str, tdmrep.Policy] = {}
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._urls = asyncio.Semaphore(self.config.concurrency)
        self._closing: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Checker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._cache.values():
            if not task.done():
                task.cancel()
        clients = list(self._clients.values())
        self._clients.clear()
        for c in clients:
            await c.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    # --- fetching -------------------------------------------------------------------------

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.config.per_host)
        return sem

    def _client_for(self, host: str) -> httpx.AsyncClient:
        """One connection pool per host (at most ``per_host`` connections), so pools stay
        small and keep-alive connections are reused; idle pools beyond
        :data:`MAX_POOLS` are closed, oldest first."""
        if self._shared is not None:
            return self._shared
        client = self._clients.get(host)
        if client is not None:
            self._clients.move_to_end(host)
            return client
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout),
            limits=httpx.Limits(
                max_connections=self.config.per_host,
                max_keepalive_connections=self.config.per_host,
            ),
            headers={"User-Agent": self.config.user_agent},
            follow_redirects=False,
            trust_env=False,
            verify=self._ssl,
        )
        self._clients[host] = client
        if len(self._clients) > MAX_POOLS:
            for old, c in list(self._clients.items()):
                if len(self._clients) <= MAX_POOLS:
                    break
                if old != host and not self._inflight.get(old):
                    del self._clients[old]
                    task = asyncio.ensure_future(c.aclose())
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)
        return client

    async def _get_once(self, url: str) -> tuple[int, tuple[tuple[str, str], ...], bytes, bool]:
        host = urlsplit(url).netloc
        async with self._host_limit(url):
            self._inflight[host] = self._inflight.get(host, 0) + 1
            try:
                return await self._get_with(self._client_for(host), url)
            finally:
                self._inflight[host] -= 1

    async def _get_with(
        self, client: httpx.AsyncClient, url: str
    ) -> tuple[int, tuple[tuple[str, str], ...], bytes, bool]:
        async with client.stream("GET", url) as resp:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            async for chunk in resp.aiter_bytes():  # Content-Encoding undone, capped below
                chunks.append(chunk)
                size += len(chunk)
                if size > self.config.max_body:
                    truncated = True
                    break
            body = b"".join(chunks)
            return (
                resp.status_code,
                tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw),
                body[: self.config.max_body],
                truncated,
            )

    async def fetch(
        self, url: str, carrier: str, *, max_hops: int = robots.MAX_REDIRECTS
    ) -> Fetched:
        """GET ``url`` following up to ``max_hops`` redirects, with retries; never raises."""
        fetched_at = self._now()
        hops: list[str] = []
        current = url
        attempts = 0
        while True:
            status: int | None = None
            error: str | None = None
            hdrs: tuple[tuple[str, str], ...] = ()
            body = b""
            truncated = False
            for attempt in range(self.config.retries + 1):
                attempts += 1
                try:
                    status, hdrs, body, truncated = await self._get_once(current)
                    error = None
                except httpx.HTTPError as e:
                    status, error = None, f"{type(e).__name__}: {e}".rstrip(": ")
                except (httpx.InvalidURL, httpx.StreamError, ValueError) as e:
                    # a malformed URL (e.g. a bad redirect target) or response
                    status, error = None, f"invalid response: {e}"
                    break
                retry = status is None or status == 429 or status >= 500
                if not retry or attempt == self.config.retries:
                    break
                await asyncio.sleep(self.config.backoff * (2**attempt))
            if status is not None and 300 <= status < 400:
                location = dict((n.lower(), v) for n, v in hdrs).get("location")
                if location and len(hops) < max_hops:
                    hops.append(current)
                    current = urljoin(current, location)
                    continue
                if location:
                    error = f"more than {max_hops} redirects"
            return Fetched(
                carrier,
                url,
                current,
                status,
                hdrs,
                body,
                fetched_at,
                tuple(hops),
                truncated,
                error,
                attempts,
            )

    def cached(self, url: str, carrier: str) -> asyncio.Task[Fetched]:
        """One fetch per (carrier, URL) for the life of the checker, shared by all callers."""
        key = (carrier, url)
        task = self._cache.get(key)
        if task is None:
            task = self._cache[key] = asyncio.ensure_future(self.fetch(url, carrier))
        return task

    # --- one URL --------------------------------------------------------------------------

    async def check(self, url: str, *, agent: str | None = None) -> CheckResult:
        """Check one URL; never raises for what a site serves or a registry answers.

        This is the isolation boundary between URLs: whatever fails while checking ``url``
        (a reader or registry bug) becomes this URL's result, every purpose ``unknown`` (never
        ``allowed``), with the exception's type, message and place in ``errors``, so every
        other URL of the run keeps its answer. Cancellation still propagates."""
        who = agent or self.config.agent
        async with self._urls:
            try:
                return await self._check(url, who)
            except Exception as e:  # the per-URL boundary: reported in the line, not hidden
                return failed_result(url, who, e, self._now())

    async def _check(self, url: str, agent: str) -> CheckResult:
        checked_at = self._now()
        errors: list[str] = []
        try:
            origin = origin_of(url)
        except SignalError as e:
            res = resolve([], agent=agent)
            return CheckResult(url, agent, res, (e.message,), checked_at, ())
        robots_task = self.cached(f"{origin}/robots.txt", "robots")
        tdm_task = self.cached(f"{origin}/.well-known/tdmrep.json", "tdmrep")
        page, robots_f, tdm_f = await asyncio.gather(self.fetch(url, "page"), robots_task, tdm_task)
        fetches = [robots_f, tdm_f, page]
        signals: list[ParsedSignal] = []
        for f in fetches:
            if f.error:
                errors.append(f"{f.carrier} {f.url}: {f.error}")
            if f.truncated:
                errors.append(
                    f"{f.carrier} {f.url}: body over {self.config.max_body} bytes, prefix read"
                )

        # robots.txt
        # 429 Too Many Requests is read as a server error (as Google does): a rate limit must
        # never turn into "no restrictions"
        robots_status = 503 if robots_f.status == 429 else robots_f.status
        rsig = robots.fetch_signal(robots_status, source=robots_f.url, agent=agent)
        if rsig is None:
            rf = self._robots_for(robots_f, agent)
            rsig = robots.signal_from(rf, source=robots_f.url, agent=agent, path=url)
        signals.append(rsig)

        # tdmrep.json (+ its policy)
        if tdm_f.ok:
            policy, perr = await self._policy_for(tdm_f, url)
            if policy is not None:
                fetches.append(policy)
            if perr:
                errors.append(perr)
            signals.append(self._tdm_signal(tdm_f, url, agent, policy if not perr else None))
        elif tdm_f.status is None or tdm_f.status >= 500:
            signals.append(_fetch_failure(tdm_f, agent, "TDMRep origin file"))

        # the page: headers and HTML
        if page.status is None or page.status >= 500:
            signals.append(_fetch_failure(page, agent, "page"))
        else:
            if not page.ok:
                errors.append(f"page {url}: HTTP {page.status}")
            hsig = headers_reader.from_pairs(page.headers, source=page.final_url, agent=agent)
            signals.append(await self._with_policy(hsig, page.final_url, fetches, errors))
            if "html" in page.media_type():
                msig = html_reader.parse(page.body, source=page.final_url, agent=agent, url=url)
                signals.append(await self._with_policy(msig, page.final_url, fetches, errors))

        # RSL licences
        if self.config.follow_rsl:
            links = list(rsig.licence_urls) + rsl_links(page)
            for link in dict.fromkeys(urljoin(url, u) for u in links):
                lic = await self.cached(link, "rsl")
                fetches.append(lic)
                if lic.ok:
                    contents, diags = self._rsl_document(lic)
                    found = list(diags)
                    decided, urls = rsl.statuses_for(contents, url, found)
                    signals.append(
                        ParsedSignal(
                            Carrier.RSL,
                            lic.url,
                            decided,
                            tuple(dict.fromkeys(found)),
                            agent=agent,
                            licence_urls=urls,
                        )
                    )
                    if not contents:
                        errors.append(f"rsl {link}: not a valid RSL document")
                        signals.append(
                            _fetch_failure(
                                lic, agent, "a valid RSL licence (treated as unlicensed)"
                            )
                        )
                else:
                    errors.append(f"rsl {link}: {lic.error or f'HTTP {lic.status}'}")
                    signals.append(
                        _fetch_failure(lic, agent, "RSL licence (treated as unlicensed)")
                    )

        # the registry
        if self._registry is not None:
            for work_id, terms in self._registry(url):
                signals.append(registry_signal(work_id, terms, agent))

        return CheckResult(
            url, agent, resolve(signals, agent=agent), tuple(errors), checked_at, tuple(fetches)
        )

    def _rsl_document(self, fetched: Fetched) -> tuple[list[rsl.RslContent], list[str]]:
        """An RSL document parsed once per URL (:func:`rsl.parse` does the same per call)."""
        doc = self._rsl_parsed.get(fetched.url)
        if doc is None:
            doc = self._rsl_parsed[fetched.url] = rsl.parse_document(fetched.body)
        return doc

    def _robots_for(self, fetched: Fetched, agent: str) -> robots.RobotsFile:
        """The parsed robots.txt cut down to the groups ``agent`` selects (cached per file
        and agent): the same answers as the whole file, without re-selecting among every
        group for each URL."""
        key = (fetched.url, agent)
        rf = self._robots_parsed.get(key)
        if rf is None:
            whole = self._robots_parsed.get((fetched.url, ""))
            if whole is None:
                whole = robots.parse_robots(
                    robots.decode_robots(fetched.body), truncated=fetched.truncated
                )
                self._robots_parsed[(fetched.url, "")] = whole
            groups, _ = whole.select(agent)
            rf = self._robots_parsed[key] = replace(whole, groups=tuple(groups))
        return rf

    def _policy_doc(self, fetched: Fetched) -> tdmrep.Policy:
        doc = self._policies.get(fetched.url)
        if doc is None:
            doc = self._policies[fetched.url] = tdmrep.parse_policy(fetched.body)
        return doc

    def _tdm_file(self, fetched: Fetched) -> tdmrep.TdmFile:
        doc = self._tdm_parsed.get(fetched.url)
        if doc is None:
            doc = self._tdm_parsed[fetched.url] = tdmrep.parse_tdmrep_file(fetched.body)
        return doc

    def _tdm_signal(
        self, fetched: Fetched, url: str, agent: str, policy: Fetched | None
    ) -> ParsedSignal:
        """:func:`tdmrep.parse` over the file parsed once per origin (same steps)."""
        f = self._tdm_file(fetched)
        rule, diags = f.rule_for(url)
        all_diags = list(f.diagnostics) + diags
        if rule is None:
            return ParsedSignal(Carrier.TDMREP, fetched.url, {}, tuple(all_diags), agent=agent)
        all_diags.append(f"rule {rule.index} location {rule.location!r} applies")
        return tdmrep.tdm_signal(
            Carrier.TDMREP,
            fetched.url,
            agent=agent,
            reservation=rule.reservation,
            policy_url=rule.policy,
            policy=self._policy_doc(policy) if policy is not None and rule.policy else None,
            diagnostics=all_diags,
            textual=False,
        )

    async def _policy_for(self, tdm_f: Fetched, url: str) -> tuple[Fetched | None, str | None]:
        rule, _ = self._tdm_file(tdm_f).rule_for(url)
        if rule is None or not rule.policy:
            return None, None
        value, _ = tdmrep.parse_reservation_value(rule.reservation)
        if value != 1:
            return None, None
        return await self._policy_at(urljoin(tdm_f.final_url, rule.policy))

    async def _policy_at(self, policy_url: str) -> tuple[Fetched, str | None]:
        """Fetch a tdm-policy (cached); the error says why it cannot be used, if so."""
        pol = await self.cached(policy_url, "tdm-policy")
        if not pol.ok:
            return (
                pol,
                f"tdm-policy {policy_url}: {pol.error or f'HTTP {pol.status}'}: conditions unknown",
            )
        if pol.media_type() not in JSON_TYPES:
            return pol, (
                f"tdm-policy {policy_url} is served as {pol.media_type() or 'no type'}, not "
                "application/json or application/ld+json: not machine-readable"
            )
        return pol, None

    async def _with_policy(
        self, sig: ParsedSignal, base: str, fetches: list[Fetched], errors: list[str]
    ) -> ParsedSignal:
        """A header or HTML signal whose ``tdm-reservation: 1`` names a ``tdm-policy``: read
        the policy too (the readers are pure and do not fetch it)."""
        if sig.tdm_reservation != 1 or not sig.policy_url:
            return sig
        policy_url = urljoin(base, sig.policy_url)
        pol, err = await self._policy_at(policy_url)
        if not any(f is pol for f in fetches):
            fetches.append(pol)
        if err:
            if err not in errors:
                errors.append(err)
            return sig
        return tdmrep.tdm_signal(
            sig.carrier,
            sig.source,
            agent=sig.agent,
            reservation=sig.tdm_reservation,
            policy_url=sig.policy_url,
            policy=self._policy_doc(pol),
            other=sig.other_purposes,
            diagnostics=[d for d in sig.diagnostics if "not read" not in d],
            licence_urls=sig.licence_urls,
        )

    # --- many URLs ------------------------------------------------------------------------

    async def check_many(
        self, urls: Iterable[str], *, progress: bool | None = None
    ) -> AsyncIterator[CheckResult]:
        """Results in completion order; a rich progress bar on a terminal."""
        todo = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
        show = sys.stderr.isatty() if progress is None else progress
        with Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show,
            transient=True,
        ) as bar:
            job = bar.add_task("check", total=len(todo))
            pending = {
                asyncio.ensure_future(self.check(u)) for u in todo[: self.config.concurrency * 2]
            }
            rest = iter(todo[self.config.concurrency * 2 :])
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    bar.advance(job)
                    nxt = next(rest, None)
                    if nxt is not None:
                        pending.add(asyncio.ensure_future(self.check(nxt)))
                    yield task.result()

    @property
    def fetch_counts(self) -> Mapping[str, int]:
        counts: dict[str, int] = {}
        for carrier, _ in self._cache:
            counts[carrier] = counts.get(carrier, 0) + 1
        return counts
