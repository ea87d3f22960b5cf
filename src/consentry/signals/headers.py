"""HTTP response headers: X-Robots-Tag, Content-Usage, Content-Signal, tdm-*, Link rel=license.

Input is a raw header dump (``Name: value`` lines; an optional status line first; a blank
line ends the headers, anything after is body) or, via :func:`from_pairs`, the
``(name, value)`` pairs a client returns. Names are case-insensitive and repeated headers
are all read (``X-Robots-Tag: noimageai`` then ``X-Robots-Tag: noai``).

``X-Robots-Tag`` values may be scoped to one crawler (``GPTBot: noai``); a scoped value
applies only when it names the agent being resolved. When several ``tdm-reservation``
headers disagree, they resolve to the reservation (diagnosed). Never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from consentry.registry.purposes import Purpose
from consentry.signals import aipref
from consentry.signals.agents import product_token
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import ROBOTS_DIRECTIVES, apply_mapping, most_restrictive
from consentry.signals.tdmrep import pick_reservation, tdm_signal

# X-Robots-Tag directives that carry their own "name: value" (not an agent prefix)
_VALUED_DIRECTIVES = {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def split_dump(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Header pairs from a raw dump; folded continuation lines are joined."""
    pairs: list[tuple[str, str]] = []
    diags: list[str] = []
    started = False
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            if started:
                break  # body follows
            continue
        if not started and raw.upper().startswith("HTTP/"):
            started = True
            continue
        if raw[:1] in (" ", "\t") and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {raw.strip()}")
            continue
        if ":" not in raw:
            diags.append(f"line {n}: {raw.strip()[:80]!r} is not a header, skipped")
            continue
        name, value = raw.split(":", 1)
        pairs.append((name.strip().lower(), value.strip()))
        started = True
    return pairs, diags


def robots_directives(value: str, agent: str) -> tuple[list[str], str | None]:
    """Directives of one X-Robots-Tag value that apply to ``agent``; and the scope, if any."""
    scope: str | None = None
    m = re.match(r"^\s*([A-Za-z0-9_\-]+)\s*:(.*)$", value)
    if m and m.group(1).lower() not in _VALUED_DIRECTIVES:
        scope, value = m.group(1), m.group(2)
        if product_token(agent) != product_token(scope):
            return [], scope
    return [d.strip().lower() for d in value.split(",") if d.strip()], scope


def parse_links(value: str) -> list[tuple[str, dict[str, str]]]:
    """``<url>; rel="license"; type="..."`` entries of one Link header value."""
    out: list[tuple[str, dict[str, str]]] = []
    for m in _LINK.finditer(value):
        params: dict[str, str] = {}
        for p in m.group(2).split(";"):
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip().lower()] = v.strip().strip('"')
        out.append((m.group(1).strip(), params))
    return out


def from_pairs(
    pairs: Iterable[tuple[str, str]],
    *,
    source: str = "<memory>",
    agent: str = "*",
    diagnostics: list[str] | None = None,
) -> ParsedSignal:
    diags = list(diagnostics or [])
    other: dict[Purpose, SignalStatus] = {}
    reservations: list[str] = []
    policy: str | None = None
    licences: list[str] = []
    for name, value in pairs:
        name = name.strip().lower()
        if name == "x-robots-tag":
            directives, scope = robots_directives(value, agent)
            for d in directives:
                mapping = ROBOTS_DIRECTIVES.get(d)
                if mapping is None:
                    continue
                apply_mapping(other, mapping, SignalStatus.DISALLOWED)
                where = f" (scoped to {scope})" if scope else ""
                diags.append(f"X-Robots-Tag {d}{where}: {mapping.note or 'read'}")
        elif name == "content-usage":
            got, d2 = aipref.parse_content_usage(value)
            diags.extend(d2)
            _fold(other, got)
        elif name == "content-signal":
            got, d2 = aipref.parse_content_signal(value)
            diags.extend(d2)
            _fold(other, got)
        elif name == "tdm-reservation":
            reservations.append(value.strip())
        elif name == "tdm-policy":
            policy = value.strip() or None
        elif name == "link":
            for url, params in parse_links(value):
                if "license" in params.get("rel", "").lower().split():
                    licences.append(url)
                    if params.get("type", "") != "application/rsl+xml":
                        diags.append(f"Link rel=license {url} has no type application/rsl+xml")
    reservation, picked = pick_reservation(reservations, "header")
    diags.extend(picked)
    return tdm_signal(
        Carrier.HEADERS,
        source,
        agent=agent,
        reservation=reservation,
        policy_url=policy,
        other=other,
        diagnostics=diags,
        licence_urls=tuple(licences),
    )


def _fold(out: dict[Purpose, SignalStatus], got: dict[Purpose, SignalStatus]) -> None:
    for p, s in got.items():
        out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)


def parse(content: bytes | str, *, source: str = "<memory>", agent: str = "*") -> ParsedSignal:
    """Read a raw header dump for ``agent``; never raises."""
    text = content.decode("latin-1") if isinstance(content, bytes) else content
    pairs, diags = split_dump(text)
    return from_pairs(pairs, source=source, agent=agent, diagnostics=diags)
