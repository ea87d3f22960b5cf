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
import hashlib
import json
import multiprocessing
import re
import ssl
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import unescape
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from urllib.parse import urljoin, urlsplit

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals import headers as headers_reader
from consentry.signals import html as html_reader
from consentry.signals import robots, rsl, tdmrep
from consentry.signals.lint import SiteCarriers
from consentry.signals.model import Carrier, ParsedSignal
from consentry.signals.purposes import signal_status_for
from consentry.signals.resolve import Resolution, resolve

USER_AGENT = "consentry-check/1 (+https://github.com/consentry/consentry)"
JSON_TYPES = ("application/json", "application/ld+json")
MAX_POOLS = 512  # per-host connection pools kept open at once
RegistryLookup = Callable[[str], Sequence[tuple[str, TermsSet]]]


@dataclass(frozen=True, slots=True)
class CheckConfig:
    agent: str = "*"
    concurrency: int = 64  # URLs checked at once
    per_host: int = 8  # requests in flight per host
    timeout: float = 10.0  # seconds, per request
    retries: int = 2  # extra attempts on network errors, 429 and 5xx
    backoff: float = 0.5  # seconds; doubles each retry
    max_body: int = 2 * 1024 * 1024  # bytes read per response
    user_agent: str = USER_AGENT
    follow_rsl: bool = True

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host", "max_body"):
            if getattr(self, name) < 1:
                raise SignalError(
                    f"{name} {getattr(self, name)} must be at least 1",
                    field=name,
                    value=getattr(self, name),
                    expected="a positive integer",
                )
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0:
            raise SignalError(
                f"timeout {self.timeout}, retries {self.retries}, backoff {self.backoff}: "
                "expected timeout > 0 and retries, backoff >= 0",
                field="timeout",
                value=self.timeout,
                expected="timeout > 0, retries >= 0, backoff >= 0",
            )


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch of one carrier, as evidence."""

    carrier: str  # robots, tdmrep, tdm-policy, page, rsl
    url: str
    final_url: str
    status: int | None  # None: unreachable
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    hops: tuple[str, ...] = ()  # redirect chain (URLs left)
    truncated: bool = False
    error: str | None = None
    attempts: int = 1
    sha256: str = ""  # of ``body``; computed once on construction

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        key = name.lower()
        return next((v for n, v in self.headers if n.lower() == key), None)

    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def to_json(self) -> dict[str, object]:
        return {
            "carrier": self.carrier,
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "headers": [[n, v] for n, v in self.headers],
            "sha256": self.sha256,
            "bytes": len(self.body),
            "fetched_at": iso(self.fetched_at),
            "redirects": list(self.hops),
            "truncated": self.truncated,
            "error": self.error,
            "attempts": self.attempts,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    url: str
    agent: str
    resolution: Resolution
    errors: tuple[str, ...]
    checked_at: datetime
    fetches: tuple[Fetched, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "agent": self.agent,
            "purposes": {p.value: s.value for p, s in self.resolution.purposes.items()},
            "signals": [
                {
                    "carrier": s.carrier.value,
                    "source": s.source,
                    "purposes": {p.value: v.value for p, v in s.purposes.items()},
                    "diagnostics": list(s.diagnostics),
                }
                for s in self.resolution.signals
            ],
            "errors": list(self.errors),
            "checked_at": iso(self.checked_at),
            "evidence": {
                "sha256": {f.url: f.sha256 for f in self.fetches},
                "fetches": [f.to_json() for f in self.fetches],
            },
        }

    def to_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc_now() -> datetime:
    return datetime.now(UTC)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SignalError(
            f"URL {url!r} is not an absolute http(s) URL",
            field="url",
            value=url,
            expected="an absolute URL such as https://example.org/page",
        )
    return f"{parts.scheme}://{parts.netloc}"


def registry_signal(work_id: str, terms: TermsSet, agent: str) -> ParsedSignal:
    return ParsedSignal(
        Carrier.REGISTRY,
        f"registry:{work_id}",
        {p: signal_status_for(t.status) for p, t in terms.purposes.items()},
        (f"work {work_id} registered under this URL",),
        agent=agent,
        licence_urls=tuple(
            dict.fromkeys(t.licence_url for t in terms.purposes.values() if t.licence_url)
        ),
    )


def rsl_links(page: Fetched) -> list[str]:
    """RSL licence URLs a page links to (``Link`` header and HTML), absolute."""
    out: list[str] = []
    for name, value in page.headers:
        if name.lower() != "link":
            continue
        for url, params in headers_reader.parse_links(value):
            rels = params.get("rel", "").lower().split()
            if "license" in rels and _rsl_like(url, params.get("type")):
                out.append(urljoin(page.final_url, url))
    if "html" in page.media_type() and b"license" in page.body.lower():
        for tag in _LINK_TAG.findall(page.body):
            attrs = {
                k.lower().decode("ascii"): html_unescape(v or w or x).strip()
                for k, v, w, x in _ATTR.findall(tag)
            }
            rels = attrs.get("rel", "").lower().split()
            href = attrs.get("href", "")
            if "license" in rels and href and _rsl_like(href, attrs.get("type")):
                out.append(urljoin(page.final_url, href))
    return list(dict.fromkeys(out))


_LINK_TAG = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def html_unescape(raw: bytes) -> str:
    return unescape(raw.decode("utf-8", errors="replace"))


def _rsl_like(url: str, media_type: str | None) -> bool:
    if media_type:
        return media_type.strip().lower() == "application/rsl+xml"
    return urlsplit(url).path.lower().endswith(".xml")


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
        async with self._urls:
            return await self._check(url, agent or self.config.agent)

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
            doc = self._rsl_parsed[fetched.url] = safe_rsl_document(fetched.body)
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
                whole = robots.parse_robots(fetched.body.decode("utf-8", errors="replace"))
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


def safe_rsl_document(body: bytes) -> tuple[list[rsl.RslContent], list[str]]:
    """:func:`rsl.parse_document`, guarded: the reader must never raise on content, but lxml
    can (``<:`` gives "Invalid tag name"); such a document is not a valid RSL document."""
    try:
        return rsl.parse_document(body)
    except Exception as e:
        return [], [f"RSL document not readable: {type(e).__name__}: {e}"]


def _fetch_failure(f: Fetched, agent: str, what: str) -> ParsedSignal:
    why = f.error or f"HTTP {f.status}"
    return ParsedSignal(Carrier.FETCH, f.url, {}, (f"could not fetch {what} ({why})",), agent=agent)


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
            rf = robots.parse_robots(robots_f.body.decode("utf-8", errors="replace"))
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
        tdmrep_json=tdm_f.body if tdm_f.ok else None,
        tdm_policy=policy.body if policy is not None and policy.ok else None,
        tdm_policy_type=policy.media_type() if policy is not None and policy.ok else None,
        page_headers=page.headers,
        page_html=page.body if page.ok and "html" in page.media_type() else None,
        rsl_documents=tuple(docs),
    )
