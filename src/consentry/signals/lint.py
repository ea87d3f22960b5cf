"""Lint a site's carriers: contradictions between them and the common errors, each with a fix.

Pure: :func:`lint` takes the fetched carriers (:class:`SiteCarriers`: bytes, headers, media
types) and returns :class:`Finding` values; ``consentry signals lint URL`` fetches them with
:mod:`consentry.signals.check`. Rules (codes are stable):

* ``robots-vs-usage``: a robots.txt group blocks a crawler (``Disallow: /``) while a usage
  line the crawler reads (``Content-Signal``/``Content-Usage``) says "yes" to a purpose the
  crawler serves, e.g. GPTBot blocked while ``Content-Signal: ai-train=yes``.
* ``carriers-disagree``: two carriers give opposite answers (allowed vs disallowed) for the
  same purpose for the same agent (robots, usage lines, TDMRep, headers, HTML, RSL).
* ``tdm-policy-not-machine-readable``: TDMRep reserves with a ``tdm-policy`` served as
  something other than JSON (``text/html``), or a policy that does not parse as an ODRL Offer.
* ``tdm-reservation-value``: a ``tdm-reservation`` other than the number 0 or 1 (``"1"``,
  ``true``, ``2``), in tdmrep.json, a header or HTML.
* ``tdmrep-shape``: tdmrep.json not an array of ``{location, tdm-reservation}`` rules.
* ``tdmrep-shadowed``: a later tdmrep.json rule is more specific than an earlier one that
  matches every path it does; TDMRep uses the first match in sequence, so it never applies.
* ``licence-after-last-group``: a ``License:`` line after the last group's rules binds only
  that group under RSL 1.0 scoping (reported when no other group has its own line of the
  kind, i.e. when it was most likely meant for every crawler: the Medium pitfall).
* ``usage-after-last-group``: the same for ``Content-Signal``/``Content-Usage`` (the
  Cloudflare managed-file pitfall).
* ``invalid-product-token``: a ``User-agent`` value that is not an RFC 9309 product token.
* ``unknown-usage-key``: a Content-Usage/Content-Signal key no vocabulary defines.
* ``robots-unreachable``: robots.txt answered 5xx or not at all (crawlers must stop).
* ``robots-missing-colon``: a directive with whitespace instead of its colon
  (``Disallow /``): read as Google and protego read it, skipped by strict parsers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.signals import aipref, headers, html, robots, rsl, tdmrep
from consentry.signals.agents import Catalogue, load_catalogue
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import AIPREF_TOKENS, CONTENT_SIGNAL_KEYS

_VALID_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_NO_COLON = re.compile(r"^line (\d+): (.*) has whitespace instead of ':'; read as ('.*') \(")
JSON_TYPES = ("application/json", "application/ld+json")
LINT_AGENTS: tuple[str, ...] = ("*", "GPTBot", "ClaudeBot", "Google-Extended", "CCBot")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # "error" (the signal is misread or contradicts) | "warning"
    carrier: str
    message: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "carrier": self.carrier,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class SiteCarriers:
    """What was fetched for one page of a site (None: not fetched or not found)."""

    url: str
    robots_txt: bytes | None = None
    robots_status: int | None = 200  # None: unreachable
    robots_truncated: bool = False  # robots_txt is a prefix cut at the size limit
    tdmrep_json: bytes | None = None
    tdm_policy: bytes | None = None
    tdm_policy_type: str | None = None  # media type the policy was served with
    page_headers: tuple[tuple[str, str], ...] = ()
    page_html: bytes | None = None
    rsl_documents: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)


def lint(site: SiteCarriers, *, catalogue: Catalogue | None = None) -> list[Finding]:
    cat = catalogue or load_catalogue()
    out: list[Finding] = []
    rf: robots.RobotsFile | None = None
    if site.robots_status is None or site.robots_status >= 500:
        what = "unreachable" if site.robots_status is None else f"HTTP {site.robots_status}"
        out.append(
            Finding(
                "robots-unreachable",
                "error",
                "robots",
                f"robots.txt is {what}: RFC 9309 crawlers must treat the site as fully "
                "disallowed, and no usage line can be read",
                "serve /robots.txt with status 200 (or 404 when there are no rules)",
            )
        )
    elif site.robots_txt is not None:
        rf = robots.parse_robots(
            robots.decode_robots(site.robots_txt), truncated=site.robots_truncated
        )
        out += _robots_file(rf, cat)
    if site.tdmrep_json is not None:
        out += _tdmrep_file(site)
    out += _header_values(site.page_headers)
    if site.page_html is not None:
        out += _html_values(site.page_html)
    out += _disagreements(site, rf, cat)
    return out


def _robots_file(rf: robots.RobotsFile, cat: Catalogue) -> list[Finding]:
    out: list[Finding] = []
    for d in rf.diagnostics:
        m = _NO_COLON.match(d)
        if m:
            out.append(
                Finding(
                    "robots-missing-colon",
                    "warning",
                    "robots",
                    f"line {m.group(1)}: {m.group(2)} has whitespace instead of ':' "
                    "(Google and protego read it as meant; RFC 9309 parsers and Python's "
                    "robotparser skip it)",
                    f"write it with its colon: {m.group(3)}",
                )
            )
    for g in rf.groups:
        for value in g.agents:
            v = value.strip()
            if v != "*" and not _VALID_TOKEN.match(v):
                out.append(
                    Finding(
                        "invalid-product-token",
                        "warning",
                        "robots",
                        f"group at line {g.line}: User-agent {v!r} is not an RFC 9309 product "
                        f"token; "
                        f"crawlers read it as {robots.group_token(v)!r} or ignore it",
                        _token_fix(v, cat),
                    )
                )
    if len(rf.groups) > 1 and rf.groups[-1].rules:
        last = rf.groups[-1]
        last_rule = max(r.line for r in last.rules)
        for u in last.usage:
            if u.line <= last_rule:
                continue
            if any(x.kind == u.kind for g in rf.groups[:-1] for x in g.usage):
                continue  # other groups have their own: this one is scoped on purpose
            name = {"license": "License", "content-signal": "Content-Signal"}.get(
                u.kind, "Content-Usage"
            )
            code = "licence-after-last-group" if u.kind == "license" else "usage-after-last-group"
            out.append(
                Finding(
                    code,
                    "warning",
                    "robots",
                    f"line {u.line}: '{name}: {u.value}' comes after the rules of the last "
                    f"group ({', '.join(last.agents)}); it binds only that group, not the "
                    "crawlers of the other groups",
                    f"move the {name}: line before the first User-agent line (global), or "
                    "repeat it inside every group it is meant for",
                )
            )
    for g in rf.groups:
        for u in g.usage:
            if u.kind == "license":
                continue
            out += _usage_keys(u.kind, u.value, f"robots line {u.line}")
    out += _blocked_but_yes(rf, cat)
    out += _generic_tokens(rf, cat)
    return out


_NAME_VERSION = re.compile(r"^\*?([A-Za-z0-9_-]+)/[A-Za-z0-9._-]+$")


def _token_fix(value: str, cat: Catalogue) -> str:
    """The fix for an invalid ``User-agent`` value: a product token only when we know it is
    the crawler's (a catalogue token, or the name of a ``Name/1.0`` string), never the
    leading run of a URL or a sentence (``https://hada.news`` is not ``User-agent: https``)."""
    agent = cat.get(value.strip().lstrip("*"))
    m = _NAME_VERSION.match(value.strip())
    token = agent.token if agent is not None else (m.group(1) if m else None)
    if token is not None and _VALID_TOKEN.match(token):
        return f"use the crawler's bare product token: 'User-agent: {token}'"
    return (
        "replace it with the product token the crawler's operator documents for it (letters, "
        "digits, '-' and '_' only; a URL or a description is not a token); "
        "docs/signals.md, 'AI agent catalogue', lists the known ones"
    )


def _usage_keys(kind: str, value: str, where: str) -> list[Finding]:
    known = AIPREF_TOKENS if kind == "content-usage" else CONTENT_SIGNAL_KEYS
    parsed = aipref.parse_sf_dictionary(value)
    out: list[Finding] = []
    if parsed is None:
        return [
            Finding(
                "unknown-usage-key",
                "error",
                "robots" if where.startswith("robots") else "headers",
                f"{where}: {kind} value {value!r} does not parse; every purpose is unknown",
                "write it as key=value pairs, e.g. 'train-ai=n, search=y'"
                if kind == "content-usage"
                else "write it as key=value pairs, e.g. 'search=yes, ai-train=no'",
            )
        ]
    for key in parsed:
        k = key if kind == "content-usage" else key.lower()
        if k not in known:
            out.append(
                Finding(
                    "unknown-usage-key",
                    "warning",
                    "robots" if where.startswith("robots") else "headers",
                    f"{where}: {kind} key {key!r} is not in any vocabulary consentry knows",
                    f"use {', '.join(sorted(known))}",
                )
            )
    return out


def _blocked_but_yes(rf: robots.RobotsFile, cat: Catalogue) -> list[Finding]:
    out: list[Finding] = []
    for g in rf.groups:
        if not any(r.pattern == "/" and not r.allow for r in g.rules):
            continue
        if any(r.pattern == "/" and r.allow for r in g.rules):
            continue
        for value in g.agents:
            agent = cat.get(value)
            if agent is None:
                continue
            for kind in ("content-usage", "content-signal"):
                for u in rf.usage_lines(agent.token, kind):
                    statuses, _ = (
                        aipref.parse_content_usage(u.value)
                        if kind == "content-usage"
                        else aipref.parse_content_signal(u.value)
                    )
                    yes = sorted(
                        p.value
                        for p, s in statuses.items()
                        if s is SignalStatus.ALLOWED and p in agent.purposes
                    )
                    if yes:
                        out.append(
                            Finding(
                                "robots-vs-usage",
                                "error",
                                "robots",
                                f"robots.txt blocks {agent.token} (Disallow: /) but line "
                                f"{u.line} '{kind}: {u.value}' allows {', '.join(yes)}, which "
                                f"{agent.token} serves",
                                f"decide one answer: drop 'Disallow: /' for {agent.token} or "
                                f"say no ({', '.join(yes)}) in the usage line it reads",
                            )
                        )
    return out


def _reservation_findings(value: object, carrier: str, where: str, textual: bool) -> list[Finding]:
    _, diag = tdmrep.parse_reservation_value(value, textual=textual)
    if not diag:
        return []
    return [
        Finding(
            "tdm-reservation-value",
            "error" if "protocol error" in diag or "unset" in diag else "warning",
            carrier,
            f"{where}: {diag}",
            "write tdm-reservation as the number 1 (reserved) or 0 (not reserved)",
        )
    ]


def _tdmrep_file(site: SiteCarriers) -> list[Finding]:
    assert site.tdmrep_json is not None
    out: list[Finding] = []
    f = tdmrep.parse_tdmrep_file(site.tdmrep_json)
    for d in f.diagnostics:
        out.append(
            Finding(
                "tdmrep-shape",
                "error",
                "tdmrep",
                f"tdmrep.json: {d}",
                'write a JSON array of rules: [{"location": "/", "tdm-reservation": 1}]',
            )
        )
    for r in f.rules:
        out += _reservation_findings(r.reservation, "tdmrep", f"rule {r.location!r}", False)
    for earlier, later in f.shadowed():
        out.append(
            Finding(
                "tdmrep-shadowed",
                "warning",
                "tdmrep",
                f"tdmrep.json rule {later.index} {later.location!r} is more specific than rule "
                f"{earlier.index} {earlier.location!r}, which comes first and matches every "
                "path it does: TDMRep uses the first match in sequence, so it never applies",
                f"move rule {later.index} ({later.location!r}) before rule {earlier.index} "
                f"({earlier.location!r}): list the most specific locations first",
            )
        )
    rule, _ = f.rule_for(site.url)
    if rule is not None and rule.policy:
        value, _ = tdmrep.parse_reservation_value(rule.reservation)
        if value == 1:
            out += _policy(site, rule.policy)
    return out


def _policy(site: SiteCarriers, url: str) -> list[Finding]:
    if site.tdm_policy is None:
        return [
            Finding(
                "tdm-policy-not-machine-readable",
                "error",
                "tdmrep",
                f"tdm-policy {url} could not be fetched: agents cannot know the licence terms",
                "serve the ODRL policy at that URL (consentry signals write --format "
                "tdmrep-policy)",
            )
        ]
    mt = (site.tdm_policy_type or "").split(";")[0].strip().lower()
    if mt not in JSON_TYPES:
        return [
            Finding(
                "tdm-policy-not-machine-readable",
                "error",
                "tdmrep",
                f"TDMRep reserves with tdm-policy {url}, served as {mt or 'no media type'}: "
                "a human-readable page, not a machine-readable policy",
                "serve an ODRL Offer as application/json or application/ld+json (consentry "
                "signals write --format tdmrep-policy) and point tdm-policy at it",
            )
        ]
    pol = tdmrep.parse_policy(site.tdm_policy)
    return [
        Finding(
            "tdm-policy-not-machine-readable",
            "warning",
            "tdmrep",
            f"tdm-policy {url}: {d}",
            "make the policy an ODRL Offer with profile http://www.w3.org/ns/tdmrep "
            "permitting tdm:mine",
        )
        for d in pol.diagnostics
        if "still a reserved" not in d
    ]


def _header_values(pairs: Sequence[tuple[str, str]]) -> list[Finding]:
    out: list[Finding] = []
    for name, value in pairs:
        n = name.strip().lower()
        if n == "tdm-reservation":
            out += _reservation_findings(value.strip(), "headers", "header tdm-reservation", True)
        elif n in ("content-usage", "content-signal"):
            out += _usage_keys(n, value, f"header {name}")
    return out


def _html_values(page: bytes) -> list[Finding]:
    sig = html.parse(page)
    return [
        Finding(
            "tdm-reservation-value",
            "error",
            "html",
            f"meta tdm-reservation: {d}",
            'write <meta name="tdm-reservation" content="1"> (or "0")',
        )
        for d in sig.diagnostics
        if "tdm-reservation" in d and ("protocol error" in d or "unset" in d)
    ]


def _disagreements(
    site: SiteCarriers, rf: robots.RobotsFile | None, cat: Catalogue
) -> list[Finding]:
    found: dict[tuple[Purpose, Carrier, Carrier], list[str]] = {}
    for agent in LINT_AGENTS:
        signals: list[ParsedSignal] = []
        if rf is not None:
            signals.append(robots.signal_from(rf, source="robots.txt", agent=agent, path=site.url))
        if site.tdmrep_json is not None:
            policy_ok = (site.tdm_policy_type or "").split(";")[0].strip() in JSON_TYPES
            signals.append(
                tdmrep.parse(
                    site.tdmrep_json,
                    source="tdmrep.json",
                    agent=agent,
                    path=site.url,
                    policy=site.tdm_policy if policy_ok else None,
                )
            )
        if site.page_headers:
            signals.append(headers.from_pairs(site.page_headers, source="headers", agent=agent))
        if site.page_html is not None:
            signals.append(html.parse(site.page_html, source="html", agent=agent, url=site.url))
        for src, doc in site.rsl_documents:
            signals.append(rsl.parse(doc, source=src, agent=agent, url=site.url))
        for p in ALL_PURPOSES:
            for a in signals:
                if a.purposes[p] is not SignalStatus.ALLOWED:
                    continue
                for b in signals:
                    if b.purposes[p] is SignalStatus.DISALLOWED and a.carrier is not b.carrier:
                        agents = found.setdefault((p, a.carrier, b.carrier), [])
                        if agent not in agents:
                            agents.append(agent)
    return [
        Finding(
            "carriers-disagree",
            "error",
            f"{a.value}+{b.value}",
            f"{a.value} allows {p.value} but {b.value} disallows it (for "
            f"{', '.join(agents)}); the most restrictive wins, so the allow is ineffective",
            "write every carrier from the same terms: consentry signals write --terms ... "
            "--format <each carrier>",
        )
        for (p, a, b), agents in found.items()
    ]


def findings_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2)


_SEARCH_NO = re.compile(r"(?:^|[,\s])search\s*=\s*(?:n|no)\b", re.IGNORECASE)


def _generic_tokens(rf: robots.RobotsFile, cat: Catalogue) -> list[Finding]:
    """While some search engine may crawl: a blocked generic token (``Spider``) that
    substring-matching readers apply to search engines (``Baiduspider``); the writer never
    writes one (docs/signals.md, "Writing")."""
    probe = "https://example.invalid/"
    if not any(rf.can_fetch(se, probe) for se in cat.search_engines):
        return []
    for kind in ("content-usage", "content-signal"):
        if any(_SEARCH_NO.search(u.value) for u in rf.usage_lines("*", kind)):
            return []  # the site reserves search: blocking an engine too is consistent
    out: list[Finding] = []
    for g in rf.groups:
        for value in g.agents:
            tok = value.strip()
            if tok == "*" or rf.can_fetch(tok, probe) is not False:
                continue
            low = tok.lower()
            # a token another engine's name starts with names that engine (Mojeek, MojeekBot)
            hits = [se for se in cat.search_engines if low in se.lower()[1:]]
            if hits:
                out.append(
                    Finding(
                        "generic-token",
                        "warning",
                        "robots",
                        f"group at line {g.line}: 'User-agent: {tok}' is blocked, and readers "
                        f"that match substrings (Python's urllib.robotparser) apply it to "
                        f"{', '.join(hits)} too, while search is allowed",
                        f"drop 'User-agent: {tok}' (its crawler then follows the * group's "
                        "usage lines) or name the crawler by a token no search engine contains",
                    )
                )
    return out
