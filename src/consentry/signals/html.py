"""HTML ``<meta>`` and ``<link>`` signals, read leniently with lxml.html.

* ``<meta name="robots" content="noai, noimageai">`` and per-crawler ``<meta name="GPTBot">``
  (applies when it names the agent being resolved): ``noai``/``noimageai`` -> AI uses
  ``disallowed``; ``noindex``/``none`` -> ``search`` ``disallowed``. Other directives
  (``nofollow``...) say nothing about use and are noted.
* ``<meta name="tdm-reservation">`` / ``tdm-policy`` (TDMRep) inside ``<head>`` only (as the
  spec places them; libxml2 puts the leading ``<meta>`` of a page without ``<head>`` there);
  one in ``<body>`` is not a declaration (diagnosed). Values that disagree resolve to the
  reservation, with a diagnostic, as the header reader does.
* ``<link rel="license" href>`` -> licence URLs; inline ``<script type="application/rsl+xml">``
  is read as an RSL document for the page.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from consentry.registry.purposes import Purpose
from consentry.signals import rsl
from consentry.signals.agents import product_token
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import ROBOTS_DIRECTIVES, apply_mapping, most_restrictive
from consentry.signals.tdmrep import pick_reservation, tdm_signal

_TDM_NAMES = frozenset({"tdm-reservation", "tdm:reservation", "tdm-policy", "tdm:policy"})


def _in_head(el: lxml.html.HtmlElement) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag == "head":
            return True
        parent = parent.getparent()
    return False


def parse(
    content: bytes | str,
    *,
    source: str = "<memory>",
    agent: str = "*",
    url: str | None = None,
) -> ParsedSignal:
    """Read HTML for ``agent``; ``url`` is the page's URL (for an inline RSL document)."""
    diags: list[str] = []
    other: dict[Purpose, SignalStatus] = {}
    policy: str | None = None
    licences: list[str] = []
    try:
        if isinstance(content, str):
            content = content.encode("utf-8", errors="replace")
        doc = lxml.html.document_fromstring(content) if content.strip() else None
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        doc = None
        diags.append(f"not parseable as HTML: {e}")
    if doc is None:
        return ParsedSignal(
            Carrier.HTML, source, {}, tuple(diags or ["empty document"]), agent=agent
        )
    agent_token = product_token(agent)
    reservations: list[str] = []
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip()
        value = (meta.get("content") or "").strip()
        lname = name.lower()
        if lname in _TDM_NAMES and not _in_head(meta):
            diags.append(
                f"meta {name} {value!r} is outside <head>: not a TDMRep declaration, ignored"
            )
        elif lname in ("tdm-reservation", "tdm:reservation"):
            reservations.append(value)
        elif lname in ("tdm-policy", "tdm:policy"):
            policy = value or None
        elif lname == "robots" or (
            lname and agent_token not in ("", "*") and product_token(name) == agent_token
        ):
            for d in (x.strip().lower() for x in value.split(",") if x.strip()):
                mapping = ROBOTS_DIRECTIVES.get(d)
                if mapping is None:
                    diags.append(f"meta {name} {d!r}: no AI-use or search meaning, ignored")
                    continue
                apply_mapping(other, mapping, SignalStatus.DISALLOWED)
                diags.append(f"meta {name} {d}: {mapping.note or 'read'}")
        elif lname and any(d.strip().lower() in ROBOTS_DIRECTIVES for d in value.split(",")):
            diags.append(f"meta {name} is for another crawler than {agent!r}, not applied")
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "license" in rels and href:
            licences.append(href)
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/rsl+xml":
            inline = rsl.parse(script.text or "", source=source, agent=agent, url=url)
            diags.extend(f"inline RSL: {d}" for d in inline.diagnostics)
            for p, s in inline.purposes.items():
                if s is not SignalStatus.UNKNOWN:
                    other[p] = most_restrictive(other.get(p, SignalStatus.UNKNOWN), s)
            licences.extend(inline.licence_urls)
    reservation, picked = pick_reservation(reservations, "meta")
    diags.extend(picked)
    return tdm_signal(
        Carrier.HTML,
        source,
        agent=agent,
        reservation=reservation,
        policy_url=policy,
        other=other,
        diagnostics=diags,
        licence_urls=tuple(licences),
    )
