"""robots.txt per RFC 9309, plus the usage lines (Content-Usage, Content-Signal, License).

Pure: parses text, answers questions; fetching is ``check.py``'s job.

Decisions (see docs/signals.md, "robots.txt"):

* Lines end at CR, LF or CRLF (RFC 9309 2.2: ``EOL = %x0D / %x0A / %x0D.0A``); a whole or
  partial UTF-8 byte order mark is skipped (as Google's parser does).
* Groups: one or more ``User-agent`` lines then rules; a ``User-agent`` line after an
  ``Allow``/``Disallow`` line starts a new group. Every other record (``Sitemap``, usage
  lines, ``Crawl-delay``, unknown lines) neither ends a group nor splits a run of
  ``User-agent`` lines (RFC 9309 2.2.4: "Parsing of other records MUST NOT interfere with the
  parsing of explicitly defined records"). Blank lines do not end a group (as Google and
  protego read files). Groups naming the same token are merged. Rules before the first
  ``User-agent`` line are ignored (diagnostic).
* A line whose key and value are separated by whitespace instead of the colon
  (``Disallow /``) is read as Google and protego read it, when it has exactly two words
  (diagnosed; ``lint`` warns).
* A file cut at the size limit (RFC 9309 2.5) loses its partial last line, which could
  otherwise be a shorter rule than the site wrote (``Allow: /public-x`` cut to ``Allow: /``).
* Agent matching: the product token of each ``User-agent`` value (its leading ``[A-Za-z0-9_-]``
  run, as Google's parser extracts it) compared case-insensitively with the product token of
  the crawler's name. Only ``*`` itself (or ``*`` followed by whitespace) is the ``*`` group
  (RFC 9309 2.2.1: ``product-token = identifier / "*"``); ``*GPTBot`` names GPTBot (as
  protego reads it; Google ignores the line, which errs toward allowed), with a diagnostic.
  A value that is not a valid token (``https://hada.news``, ``FAST Enterprise Crawler 6 /
  Scirus``) gets a diagnostic. No matching group: the ``*``
  groups; none of those either: everything allowed.
* Paths: longest matching pattern wins, ``Allow`` beats ``Disallow`` on a tie, ``*`` matches
  any run, a final ``$`` anchors the end; empty ``Disallow:`` is no rule; ``/robots.txt`` is
  always allowed. Percent-escapes of unreserved characters are decoded and non-ASCII is
  UTF-8 percent-encoded on both sides before comparing.
* Usage lines belong to the group they appear in (RSL 1.0 errata 2026-01-16 and aipref
  attach); lines before the first group are global and apply only when the selected group has
  none of the same kind. A ``License:`` after the last group therefore belongs to that group.
* Purposes: a ``Disallow`` for the path makes every purpose the agent serves (catalogue;
  ``*`` and unknown agents: all) ``disallowed``. An ``Allow`` in a group naming the agent makes
  them ``allowed``; crawl permission from the ``*`` group says nothing about AI uses, so only
  ``search`` becomes ``allowed``. Content-Usage and Content-Signal then apply (most
  restrictive wins).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import quote, urlsplit

from consentry.caches import memo_str
from consentry.registry.purposes import Purpose
from consentry.signals import aipref
from consentry.signals.agents import Catalogue, load_catalogue, product_token
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import most_restrictive

MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2: follow at least five redirect hops
_VALID_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_UA_KEYS = {"user-agent", "useragent", "user agent", "user-agnet"}
_ALLOW_KEYS = {"allow"}
_DISALLOW_KEYS = {"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"}
_SITEMAP_KEYS = {"sitemap", "site-map"}
USAGE_KEYS = {"content-usage": "content-usage", "content-signal": "content-signal"}
_LICENSE_KEYS = {"license", "licence"}
_UNSAFE = frozenset(' "<>\\^`{|}')
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class FetchState(StrEnum):
    PARSE = "parse"  # 2xx: read the file
    NO_RESTRICTIONS = "no-restrictions"  # 4xx (incl. 404): crawl anything
    COMPLETE_DISALLOW = "complete-disallow"  # 5xx / unreachable: crawl nothing


def status_from_fetch(http_status: int | None) -> FetchState:
    """RFC 9309 2.3.1: what a robots.txt fetch result means for crawling.

    ``None`` (network error, timeout) and 5xx: complete disallow. 4xx: no restrictions.
    3xx here means redirects were exhausted (more than :data:`MAX_REDIRECTS` hops), which RFC
    9309 lets a crawler treat as unavailable (4xx). 2xx: parse the body.
    """
    if http_status is None or http_status >= 500 or http_status < 200:
        return FetchState.COMPLETE_DISALLOW
    if http_status >= 300:
        return FetchState.NO_RESTRICTIONS
    return FetchState.PARSE


@dataclass(frozen=True, slots=True)
class Rule:
    allow: bool
    pattern: str
    line: int

    def match_length(self, path: str) -> int:
        """Length of the pattern if it matches ``path`` (normalised), else -1."""
        return len(self.pattern) if rule_regex(self.pattern).match(path) else -1


@dataclass(frozen=True, slots=True)
class UsageLine:
    kind: str  # "content-usage" | "content-signal" | "license"
    value: str  # the preference (or the licence URL)
    path: str | None  # optional path pattern (Content-Usage / Content-Signal)
    line: int


@dataclass(frozen=True, slots=True)
class Group:
    agents: tuple[str, ...]  # raw User-agent values
    rules: tuple[Rule, ...] = ()
    usage: tuple[UsageLine, ...] = ()
    line: int = 0

    @property
    def tokens(self) -> frozenset[str]:
        return frozenset(t for t in (group_token(a) for a in self.agents) if t)


@dataclass(frozen=True, slots=True)
class CrawlDecision:
    allowed: bool
    rule: Rule | None  # the rule that decided (None: no rule matched)
    specific: bool  # a group naming the agent was selected (not only ``*``)
    reason: str


@dataclass(frozen=True, slots=True)
class RobotsFile:
    groups: tuple[Group, ...] = ()
    global_usage: tuple[UsageLine, ...] = ()
    sitemaps: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()
    state: FetchState = FetchState.PARSE

    @classmethod
    def for_fetch_state(cls, state: FetchState) -> RobotsFile:
        return cls(state=state)

    def select(self, agent: str) -> tuple[list[Group], bool]:
        """Groups that apply to ``agent`` (merged), and whether they name it specifically."""
        token = product_token(agent)
        if token and token != "*":
            named = [g for g in self.groups if token in g.tokens]
            if named:
                return named, True
        return [g for g in self.groups if "*" in g.tokens], False

    def decide(self, agent: str, path_or_url: str) -> CrawlDecision:
        path = request_path(path_or_url)
        if self.state is FetchState.COMPLETE_DISALLOW:
            return CrawlDecision(
                False, None, False, "robots.txt unreachable or 5xx: complete disallow"
            )
        if self.state is FetchState.NO_RESTRICTIONS:
            return CrawlDecision(True, None, False, "robots.txt 4xx: no restrictions")
        if path is None:
            return CrawlDecision(True, None, False, f"{path_or_url!r} is not a path or URL")
        if path == "/robots.txt":
            return CrawlDecision(True, None, False, "/robots.txt is always allowed")
        groups, specific = self.select(agent)
        norm = normalise_path(path)
        best: Rule | None = None
        best_len = -1
        for g in groups:
            for r in g.rules:
                n = r.match_length(norm)
                if n > best_len or (
                    n == best_len and n >= 0 and r.allow and best and not best.allow
                ):
                    best, best_len = r, n
        who = f"group for {agent!r}" if specific else "group '*'"
        if best is None or best_len < 0:
            if not groups:
                return CrawlDecision(True, None, False, "no group applies: allowed")
            return CrawlDecision(True, None, specific, f"no rule in {who} matches {path!r}")
        verb = "Allow" if best.allow else "Disallow"
        return CrawlDecision(
            best.allow, best, specific, f"{verb}: {best.pattern} (line {best.line}, {who})"
        )

    def can_fetch(self, agent: str, path_or_url: str) -> bool | None:
        """True/False per RFC 9309; None when ``path_or_url`` is neither a path nor a URL."""
        if request_path(path_or_url) is None and self.state is FetchState.PARSE:
            return None
        return self.decide(agent, path_or_url).allowed

    def usage_lines(self, agent: str, kind: str) -> list[UsageLine]:
        """Lines of ``kind`` for ``agent``: its group's own, else the global ones."""
        groups, _ = self.select(agent)
        own = [u for g in groups for u in g.usage if u.kind == kind]
        return own or [u for u in self.global_usage if u.kind == kind]

    def licence_urls(self, agent: str) -> tuple[str, ...]:
        return tuple(u.value for u in self.usage_lines(agent, "license"))


def request_path(path_or_url: str) -> str | None:
    """``https://h/a?b`` -> ``/a?b``; ``/a`` -> ``/a``; anything else None."""
    if path_or_url.startswith("/"):
        return path_or_url
    s = path_or_url.strip()
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def normalise_path(s: str) -> str:
    """Decode %XX of unreserved characters, upper-case other escapes, and percent-encode
    (UTF-8) what may not appear raw in a URL: controls, space, non-ASCII, ``"<>\\^`{|}``."""

    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else m.group(0).upper()

    s = re.sub(r"%([0-9A-Fa-f]{2})", fix, s)
    return "".join(
        quote(c, safe="", errors="replace") if c in _UNSAFE or not 32 < ord(c) < 127 else c
        for c in s
    )


# Bounded in bytes: a pattern over MAX_CACHED_PATTERN characters (a hostile robots.txt) is
# compiled each time, never kept.
MAX_CACHED_PATTERN = 1024


@memo_str(16384, MAX_CACHED_PATTERN)
def rule_regex(pattern: str) -> re.Pattern[str]:
    """A robots.txt path pattern, normalised and compiled (cached)."""
    return compile_pattern(normalise_path(pattern))


@memo_str(4096, MAX_CACHED_PATTERN)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    rx = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(rx + (r"\Z" if anchored else ""), re.DOTALL)


_EOL = re.compile(r"\r\n|\r|\n")
_BOMS = (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef")


def group_token(value: str) -> str:
    """The token a ``User-agent`` value names a group by: ``*`` only for ``*`` itself (or
    ``*`` then whitespace, as Google reads it); otherwise the product token, lowercased, of
    the value after any leading ``*`` (``*GPTBot`` names GPTBot, as protego's substring
    match reads it; Google's parser finds no token there and ignores the line, which would
    leave GPTBot unrestricted: the reading that errs toward reserved wins); "" when there
    is none (``/bot``)."""
    v = value.strip()
    if v == "*" or (v.startswith("*") and v[1:2].isspace()):
        return "*"
    return product_token(v.lstrip("*"))


def decode_robots(body: bytes) -> str:
    """robots.txt bytes as text: a whole or partial UTF-8 BOM skipped, UTF-8 (RFC 9309 2.1:
    "The file MUST be UTF-8 encoded"), undecodable bytes replaced."""
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    return body.decode("utf-8", errors="replace")


def _split_line(line: str) -> tuple[str, str, bool] | None:
    """(key, value, colon missing) of a line without its comment, or None."""
    if ":" in line:
        key, value = line.split(":", 1)
        return key.strip().lower(), value.strip(), False
    # Google: "some people forget the colon, so we need to accept whitespace in its stead",
    # only when the line is exactly two runs of non-whitespace (protego reads these too).
    words = line.split()
    if len(words) == 2:
        return words[0].lower(), words[1], True
    return None


def parse_robots(text: str, *, truncated: bool = False) -> RobotsFile:
    """Parse robots.txt text; never raises. Unknown lines are skipped with a diagnostic.

    ``truncated``: the text is a prefix of the file (cut at the size limit); its last line,
    which may be partial, is dropped."""
    diags: list[str] = []
    groups: list[Group] = []
    global_usage: list[UsageLine] = []
    sitemaps: list[str] = []
    cur_agents: list[str] = []
    cur_rules: list[Rule] = []
    cur_usage: list[UsageLine] = []
    cur_line = 0
    in_agents = False  # last group line was a User-agent line

    def close() -> None:
        if cur_agents:
            groups.append(Group(tuple(cur_agents), tuple(cur_rules), tuple(cur_usage), cur_line))

    text = text.lstrip("\ufeff")
    lines = _EOL.split(text)
    if truncated and len(lines) > 1:
        cut = lines.pop()
        diags.append(
            f"file cut at the size limit: partial last line {cut[:80]!r} dropped (RFC 9309 2.5)"
        )
    elif truncated:
        diags.append("file cut at the size limit inside its first line: no rules read")
        lines = []
    for n, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kv = _split_line(line)
        if kv is None:
            diags.append(f"line {n}: no ':' in {raw.strip()[:80]!r}, skipped")
            continue
        key, value, no_colon = kv
        known = (
            key in _UA_KEYS
            or key in _ALLOW_KEYS
            or key in _DISALLOW_KEYS
            or key in _SITEMAP_KEYS
            or key in USAGE_KEYS
            or key in _LICENSE_KEYS
        )
        if no_colon and known:
            diags.append(
                f"line {n}: {raw.strip()[:80]!r} has whitespace instead of ':'; read as "
                f"'{line.split()[0]}: {value}' (as Google and protego read it)"
            )
        elif no_colon:
            diags.append(f"line {n}: no ':' in {raw.strip()[:80]!r}, skipped")
            continue
        if key in _UA_KEYS:
            if not in_agents:
                close()
                cur_agents, cur_rules, cur_usage, cur_line = [], [], [], n
            in_agents = True
            if value != "*" and not _VALID_TOKEN.match(value):
                token = group_token(value)
                diags.append(
                    f"line {n}: User-agent {value!r} is not a valid product token "
                    f"(RFC 9309: letters, '-' and '_'); matched as {token!r}"
                    if token
                    else f"line {n}: User-agent {value!r} has no usable product token, ignored"
                )
            cur_agents.append(value)
            continue
        if key in _SITEMAP_KEYS:
            if value:
                sitemaps.append(value)
            continue
        if key in _ALLOW_KEYS or key in _DISALLOW_KEYS:
            in_agents = False  # only a rule ends a run of User-agent lines (RFC 9309 2.2.4)
            if not cur_agents:
                diags.append(f"line {n}: {key} before any User-agent line, ignored")
                continue
            if value:
                cur_rules.append(Rule(key in _ALLOW_KEYS, value, n))
                if key in _ALLOW_KEYS and value.endswith("/index.html"):
                    # Google and protego: allowing a directory's index.html allows the
                    # directory URL itself.
                    cur_rules.append(Rule(True, value[: -len("index.html")] + "$", n))
            continue
        if key in USAGE_KEYS or key in _LICENSE_KEYS:
            kind = "license" if key in _LICENSE_KEYS else USAGE_KEYS[key]
            path: str | None = None
            pref = value
            if kind != "license" and value[:1] in ("/", "*"):
                bits = value.split(None, 1)
                path, pref = bits[0], (bits[1] if len(bits) > 1 else "")
            u = UsageLine(kind, pref, path, n)
            (cur_usage if cur_agents else global_usage).append(u)
            continue
        if key not in {
            "crawl-delay",
            "host",
            "request-rate",
            "visit-time",
            "clean-param",
            "noindex",
        }:
            diags.append(f"line {n}: unknown directive {key!r}, ignored")
    close()
    if len(groups) > 1 and groups[-1].rules:
        last = groups[-1]
        last_rule = max(r.line for r in last.rules)
        for kind, name in (
            ("license", "License"),
            ("content-signal", "Content-Signal"),
            ("content-usage", "Content-Usage"),
        ):
            if any(u.kind == kind and u.line > last_rule for u in last.usage):
                diags.append(
                    f"{name}: after the last group's rules belongs to that group only "
                    f"({', '.join(last.agents)}); put it in each group it is meant for"
                )
    return RobotsFile(tuple(groups), tuple(global_usage), tuple(sitemaps), tuple(diags))


def _usage_statuses(
    lines: list[UsageLine], path: str, kind: str, diags: list[str]
) -> dict[Purpose, SignalStatus]:
    """Longest matching path wins (no path means '/'); ties combine restrictively."""
    norm = normalise_path(path)
    best_len = -1
    chosen: list[UsageLine] = []
    for u in lines:
        pattern = u.path or "/"
        if not rule_regex(pattern).match(norm):
            continue
        if len(pattern) > best_len:
            best_len, chosen = len(pattern), [u]
        elif len(pattern) == best_len:
            chosen.append(u)
    out: dict[Purpose, SignalStatus] = {}
    for u in chosen:
        statuses, d = (
            aipref.parse_content_usage(u.value)
            if kind == "content-usage"
            else aipref.parse_content_signal(u.value)
        )
        diags.extend(f"line {u.line}: {x}" for x in d)
        for p, s in statuses.items():
            out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)
    return out


def signal_from(
    rf: RobotsFile,
    *,
    source: str = "<memory>",
    agent: str = "*",
    path: str = "/",
    catalogue: Catalogue | None = None,
) -> ParsedSignal:
    """Decisions per purpose for ``agent`` fetching ``path`` under the parsed file ``rf``."""
    cat = catalogue or load_catalogue()
    serves = cat.purposes_of(agent)
    diags = list(rf.diagnostics)
    decision = rf.decide(agent, path)
    out: dict[Purpose, SignalStatus] = {}
    if not decision.allowed:
        out = {p: SignalStatus.DISALLOWED for p in serves}
    elif decision.specific:
        out = {p: SignalStatus.ALLOWED for p in serves}
    elif Purpose.SEARCH in serves:
        out = {Purpose.SEARCH: SignalStatus.ALLOWED}
    diags.append(f"crawl {'allowed' if decision.allowed else 'disallowed'}: {decision.reason}")
    rpath = request_path(path) or "/"
    for kind in ("content-usage", "content-signal"):
        got = _usage_statuses(rf.usage_lines(agent, kind), rpath, kind, diags)
        for p, s in got.items():
            out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)
    licences = rf.licence_urls(agent)
    if licences:
        diags.append(f"RSL licence linked: {', '.join(licences)} (read it with the rsl carrier)")
    return ParsedSignal(
        Carrier.ROBOTS, source, out, tuple(diags), agent=agent, licence_urls=licences
    )


def parse(
    content: bytes | str,
    *,
    source: str = "<memory>",
    agent: str = "*",
    path: str = "/",
    catalogue: Catalogue | None = None,
) -> ParsedSignal:
    """Read a robots.txt for ``agent`` and ``path`` (a path or full URL); never raises."""
    text = decode_robots(content) if isinstance(content, bytes) else content
    return signal_from(
        parse_robots(text), source=source, agent=agent, path=path, catalogue=catalogue
    )


def fetch_signal(http_status: int | None, *, source: str, agent: str = "*") -> ParsedSignal | None:
    """The signal a failed robots.txt fetch gives; None when the body should be parsed.

    4xx: a robots signal with no rules (crawl anything). 5xx / unreachable: RFC 9309 2.3.1.4
    "If the robots.txt is unreachable due to server or network errors, this means the
    robots.txt is undefined and the crawler MUST assume complete disallow": a robots signal
    that disallows every purpose the agent serves (all of them rest on crawling), never
    ``unknown``.
    """
    state = status_from_fetch(http_status)
    if state is FetchState.PARSE:
        return None
    sig = signal_from(RobotsFile.for_fetch_state(state), source=source, agent=agent)
    if state is FetchState.NO_RESTRICTIONS:
        return sig
    what = "unreachable" if http_status is None else f"HTTP {http_status}"
    why = (
        f"could not fetch robots.txt ({what}): RFC 9309 2.3.1.4 complete disallow for every "
        "purpose that rests on crawling"
    )
    return replace(sig, diagnostics=(why, *sig.diagnostics))


def usage_summary(rf: RobotsFile, agent: str) -> Mapping[str, list[str]]:
    """The usage lines that apply to ``agent``, by kind (for lint and reports)."""
    return {
        k: [u.value if u.path is None else f"{u.path} {u.value}" for u in rf.usage_lines(agent, k)]
        for k in ("content-usage", "content-signal", "license")
    }
