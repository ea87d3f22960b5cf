"""robots.txt from terms: per-agent groups from the catalogue, usage lines, an RSL licence.

Layout (docs/signals.md, "Writing and checking"):

* A header comment states the reservation (EU DSM Directive Art. 4(3)) and the contact.
* ``License:`` (RSL) before the first group whenever a licence file is written: its URL is
  given (``--licence-url``; the file states prohibitions and free uses as well as paid
  ones), or some purpose is ``licence`` (``<site>/license.xml`` by default). A line before
  every group is read as global by the RSL 2025 guide *and* by RSL 1.0 group scoping (no
  group has its own ``License:``), so it applies to every crawler. A ``License:`` after the
  last group would bind only that group (the Medium pitfall).
* One group lists every catalogue agent that serves a purpose which is not ``allowed``:
  ``Disallow: /``. robots.txt cannot split one crawler's purposes, so a crawler is blocked
  when any purpose it serves is reserved or licensed. No usage lines go in this group (a
  "yes" there would contradict the block; ``consentry signals lint`` flags that).
* One group lists the agents whose every purpose is allowed: the usage lines, ``Allow: /``.
* The ``*`` group: ``Content-Usage`` (aipref) and ``Content-Signal`` for everything else,
  then ``Disallow: /`` when no purpose is allowed, else ``Allow: /``. Usage lines come
  right after the ``User-agent`` lines, so no reader can take them for lines after the
  last group's rules (the Cloudflare managed-file pitfall).
"""

from __future__ import annotations

import re

from consentry.registry.purposes import ALL_PURPOSES
from consentry.registry.purposes import Purpose as P
from consentry.registry.terms import TermsSet
from consentry.signals.agents import Catalogue, load_catalogue
from consentry.signals.write.options import (
    WriteOptions,
    allowed,
    content_signal,
    content_usage,
    one_line,
)

_PRODUCT_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def blocked_and_allowed(terms: TermsSet, catalogue: Catalogue) -> tuple[list[str], list[str]]:
    """Catalogue tokens to block and to allow explicitly, in catalogue order.

    Names that are not RFC 9309 product tokens (``ChatGPT Agent``) are left out: crawlers
    would read only their first word, which is another crawler's name or nothing. A token
    is blocked when any purpose the catalogue says it serves is not allowed (robots.txt
    cannot split one crawler's purposes), unless it is generic (:func:`shadowing`).
    """
    blocked: list[str] = []
    permitted: list[str] = []
    for agent in catalogue.agents:
        if not agent.purposes or not _PRODUCT_TOKEN.match(agent.token):
            continue
        if all(allowed(terms, p) for p in agent.purposes):
            permitted.append(agent.token)
        else:
            blocked.append(agent.token)
    protected = [*permitted, *(catalogue.search_engines if allowed(terms, P.SEARCH) else ())]
    return [t for t in blocked if not shadowing(t, protected)], permitted


def shadowing(token: str, protected: list[str]) -> list[str]:
    """The protected tokens that contain ``token`` (case-insensitively) and are not it.

    RFC 9309 s2.2.1 asks crawlers to match their product token exactly, but readers in use
    match substrings (Python's ``urllib.robotparser``: ``if agent in useragent``), so
    ``User-agent: Spider`` would also stop ``Baiduspider`` and ``YisouSpider``. Such a
    generic token is not written while a crawler it would catch is to be allowed; the
    crawler it names then falls under the ``*`` group's usage lines."""
    low = token.lower()
    return [p for p in protected if low in p.lower() and low != p.lower()]


def dual_use_notes(terms: TermsSet, catalogue: Catalogue, blocked: list[str]) -> list[str]:
    """Comment lines for blocked tokens that also serve search while search is allowed."""
    if not allowed(terms, P.SEARCH):
        return []
    out: list[str] = []
    for token in blocked:
        agent = catalogue.get(token)
        if agent is None or P.SEARCH not in agent.purposes:
            continue
        why = [p.value for p in ALL_PURPOSES if p in agent.purposes and not allowed(terms, p)]
        serves = ", ".join(p.value for p in ALL_PURPOSES if p in agent.purposes)
        out.append(f"# {token} serves {serves} (catalogue): blocked, {', '.join(why)} not allowed")
    return out


def render(
    terms: TermsSet,
    options: WriteOptions | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> bytes:
    opts = options or WriteOptions()
    cat = catalogue or load_catalogue()
    blocked, permitted = blocked_and_allowed(terms, cat)
    usage = [f"Content-Usage: {content_usage(terms)}", f"Content-Signal: {content_signal(terms)}"]
    lines = [
        "# robots.txt written by consentry from the declared AI-use terms",
        "# (catalogue v"
        + cat.version
        + "). Terms: "
        + ", ".join(f"{p.value}={terms.status(p).value}" for p in ALL_PURPOSES),
        "# Uses marked 'no' are an express reservation of rights under Article 4(3) of",
        "# Directive (EU) 2019/790 (text and data mining), including for AI training.",
    ]
    if opts.contact:
        lines.append(f"# Licensing contact: {one_line(opts.contact, 'contact')}")
    rsl = opts.linked_rsl_url(terms)
    if rsl:
        lines += ["", f"License: {one_line(rsl, 'licence-url')}"]
    skipped = [
        f"# {a.token} not named: generic, it would also block {', '.join(hits)} "
        "(substring matching)"
        for a in cat.agents
        if a.token not in blocked
        and a.token not in permitted
        and (hits := shadowing(a.token, [*permitted, *cat.search_engines]))
        and allowed(terms, P.SEARCH)
    ]
    if blocked:
        lines.append("")
        lines += dual_use_notes(terms, cat, blocked) + skipped
        lines += [f"User-agent: {t}" for t in blocked]
        lines.append("Disallow: /")
    if permitted:
        lines.append("")
        lines += [f"User-agent: {t}" for t in permitted]
        lines += usage
        lines.append("Allow: /")
    lines += ["", "User-agent: *"]
    lines += usage
    lines.append("Allow: /" if any(allowed(terms, p) for p in ALL_PURPOSES) else "Disallow: /")
    return ("\n".join(lines) + "\n").encode("utf-8")
