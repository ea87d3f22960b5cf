"""What the checker works with: its settings, one fetch with its evidence, one URL's result,
and the small pure helpers around them (origins, RSL links, the registry as a signal).
"""

from __future__ import annotations

import hashlib
import json
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urljoin, urlsplit

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals import headers as headers_reader
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


def _fetch_failure(f: Fetched, agent: str, what: str) -> ParsedSignal:
    why = f.error or f"HTTP {f.status}"
    return ParsedSignal(Carrier.FETCH, f.url, {}, (f"could not fetch {what} ({why})",), agent=agent)


def failed_result(url: str, agent: str, error: BaseException, when: datetime) -> CheckResult:
    """The line of a URL whose check failed: every purpose unknown, the error and where it
    was raised (file and line of the innermost frame) in ``errors``."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    message = f"check failed{where}: {type(error).__name__}: {error}"
    return CheckResult(url, agent, resolve([], agent=agent), (message,), when, ())
