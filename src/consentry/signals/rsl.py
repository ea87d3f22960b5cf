"""RSL 1.0 ``license.xml`` (and pre-1.0 files, leniently).

Decisions (docs/signals.md, "RSL"):

* The ``<content>`` whose ``url`` matches the asked URL best applies (absolute URL prefix on
  the same scheme and host, or an RFC 9309 path pattern; longest wins). No URL asked: every
  ``<content>`` is read and combined. A URL that no ``<content url>`` covers gets no terms
  at all ("no licence covers this URL"): every purpose stays ``unknown``.
* Within a ``<license>``: usage tokens from every ``<permits type="usage">`` (several are
  merged, diagnosed) get the licence's payment status; a licence without usage permits
  covers ``all`` (one with no child element at all states nothing: ``unknown``). An empty
  ``<permits>``, or any licence of a document the XML parser had to
  repair (malformed or truncated), grants nothing: its purposes stay ``unknown``, with a
  diagnostic (its ``<prohibits>`` still count: they only restrict).
  ``<prohibits type="usage">`` tokens are ``disallowed`` and win over permits. Payment
  ``free``/absent/``attribution`` -> ``allowed`` (attribution noted); any paid type ->
  ``licence``. A ``server`` attribute (licence token required) -> ``licence``.
* Across licences (alternative offers): a purpose prohibited anywhere is ``disallowed``
  (RSL: conflicts resolve to the most restrictive); otherwise the most permissive offer
  holds. Purposes no licence mentions stay ``unknown``.
* Tokens may be space- or comma-separated; pre-1.0 tokens are mapped (crosswalk) with a note.
* The file must come from the site (location based); parsing ignores DTDs and entities.
* Hostile markup (``<:``, undeclared prefixes) is a diagnostic, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from consentry.registry.purposes import Purpose
from consentry.signals.model import RESTRICTIVENESS, Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import RSL_PAYMENT_STATUS, rsl_token_mapping
from consentry.signals.robots import normalise_path, request_path, rule_regex
from consentry.signals.xmlnames import local_name, namespace


@dataclass(frozen=True, slots=True)
class RslLicence:
    permits: tuple[str, ...]
    prohibits: tuple[str, ...]
    payment: str  # payment type, "free" when absent
    urls: tuple[str, ...]  # <standard>/<custom> URLs
    amount: str | None = None
    unreadable: str | None = None  # why its grants cannot be read (they stay unknown)


@dataclass(frozen=True, slots=True)
class RslContent:
    url: str
    server: str | None
    licences: tuple[RslLicence, ...]


_local = local_name


def _tokens(text: str | None) -> list[str]:
    return [t for t in (text or "").replace(",", " ").split() if t]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def parse_document(content: bytes | str) -> tuple[list[RslContent], list[str]]:
    data = content.encode("utf-8", errors="replace") if isinstance(content, str) else content
    diags: list[str] = []
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        return [], [f"not XML: {e}"]
    if root is None:
        return [], ["not XML: empty document"]
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    broken: str | None = None
    if errors:
        first = errors[0]
        broken = (
            f"the document is malformed or truncated (line {first.line}: "
            f"{first.message.strip()}): its permits cannot be trusted"
        )
        diags.append(f"{broken}; what it permits stays unknown")
    if _local(root.tag) != "rsl":
        found = [e for e in root.iter() if _local(e.tag) == "rsl"]
        if not found:
            return [], [f"root element is <{_local(root.tag)}>, expected <rsl>"]
        root = found[0]
    ns = namespace(root.tag)
    if ns != "https://rslstandard.org/rsl":
        diags.append(f"namespace {ns!r}, expected 'https://rslstandard.org/rsl'")
    contents: list[RslContent] = []
    for c in root:
        if _local(c.tag) != "content":
            continue
        url = c.get("url")
        if not url:
            diags.append("<content> without url attribute, ignored")
            continue
        lics: list[RslLicence] = []
        for lic in c:
            if _local(lic.tag) != "license":
                continue
            permits: list[str] = []
            prohibits: list[str] = []
            payment = "free"
            urls: list[str] = []
            amount: str | None = None
            n_permits = 0
            empty = False
            for el in lic:
                name = _local(el.tag)
                if name in ("permits", "prohibits") and el.get("type", "usage") == "usage":
                    toks = _tokens("".join(str(t) for t in el.itertext()))
                    (permits if name == "permits" else prohibits).extend(toks)
                    n_permits += name == "permits"
                    empty = empty or (name == "permits" and not toks)
                elif name == "payment":
                    payment = (el.get("type") or "free").strip().lower()
                    for sub in el:
                        sn = _local(sub.tag)
                        if sn in ("standard", "custom") and (sub.text or "").strip():
                            urls.append((sub.text or "").strip())
                        elif sn == "amount":
                            amount = f"{(sub.text or '').strip()} {sub.get('currency', '')}".strip()
            if n_permits > 1:
                diags.append(
                    f'a <license> has {n_permits} <permits type="usage"> elements '
                    "(RSL allows one per type); merged"
                )
            why = broken
            if empty and why is None:
                why = 'a <permits type="usage"> is empty: it names no usage it permits'
                diags.append(f"{why}; that licence's permits stay unknown")
            if why is None and not any(isinstance(el.tag, str) for el in lic):
                # no permits, prohibits or payment at all: reading it as "all, free" would
                # be the most permissive reading of a licence that states nothing
                why = "a <license> is empty: it states no terms"
                diags.append(f"{why}; what it permits stays unknown")
            lics.append(
                RslLicence(tuple(permits), tuple(prohibits), payment, tuple(urls), amount, why)
            )
        contents.append(RslContent(url, c.get("server"), tuple(lics)))
    if not contents:
        diags.append("no <content> element")
    return contents, diags


def _content_match(content_url: str, url: str | None) -> int:
    """Length of the match of ``url`` against a content url, -1 if none.

    An absolute content url covers URLs of the same scheme and host whose path starts with
    its path (an absolute URL is not a pattern); a relative one is an RFC 9309 path pattern
    on the site that serves the document."""
    if url is None:
        return 0
    cu = content_url.strip()
    path = request_path(url)
    if cu.lower().startswith(("http://", "https://")):
        try:
            c = urlsplit(cu)
            t = urlsplit(url.strip()) if "://" in url else None
        except ValueError:
            return -1
        if t is not None and (
            t.scheme.lower() != c.scheme.lower() or t.netloc.lower() != c.netloc.lower()
        ):
            return -1
        cu_path = c.path or "/"
        asked = path or "/"
        if asked.startswith(cu_path) or asked.rstrip("/") == cu_path.rstrip("/"):
            return len(cu_path)
        return -1
    if path is None:
        return -1
    return len(cu) if rule_regex(cu).match(normalise_path(path)) else -1


def _rank(s: SignalStatus) -> int:
    return RESTRICTIVENESS.index(s)


def statuses_for(
    contents: list[RslContent], url: str | None, diags: list[str]
) -> tuple[dict[Purpose, SignalStatus], tuple[str, ...]]:
    scored = [(c, _content_match(c.url, url)) for c in contents]
    best = max((n for _, n in scored), default=-1)
    chosen = [c for c, n in scored if n == best and n >= 0]
    if url is not None and best < 0 and contents:
        diags.append(f"no licence covers this URL: no <content url> matches {url!r}")
    granted: dict[Purpose, SignalStatus] = {}
    prohibited: set[Purpose] = set()
    urls: list[str] = []
    for c in chosen:
        for lic in c.licences:
            urls.extend(lic.urls)
            status = RSL_PAYMENT_STATUS.get(lic.payment)
            if status is None:
                diags.append(f"payment type {lic.payment!r} unknown; read as licence")
                status = SignalStatus.LICENCE
            if lic.payment == "attribution":
                diags.append("allowed with attribution")
            if c.server and status is SignalStatus.ALLOWED:
                diags.append(f"licence server {c.server}: a licence token is required")
                status = SignalStatus.LICENCE
            for tok in lic.prohibits:
                m = rsl_token_mapping(tok)
                if not m.purposes:
                    diags.append(f"usage token {tok!r} unknown, ignored")
                if m.note:
                    diags.append(f"usage token {tok!r}: {m.note}")
                prohibited |= m.purposes
            if lic.unreadable is not None:
                continue
            for tok in lic.permits or ("all",):
                m = rsl_token_mapping(tok)
                if not m.purposes:
                    diags.append(f"usage token {tok!r} unknown, ignored")
                    continue
                if m.note:
                    diags.append(f"usage token {tok!r}: {m.note}")
                if not m.exact:
                    continue
                for p in m.purposes - set().union(
                    *(rsl_token_mapping(t).purposes for t in lic.prohibits)
                ):
                    old = granted.get(p)
                    # alternative offers: the most permissive offer holds
                    if old is None or _rank(status) > _rank(old):
                        granted[p] = status
    out = dict(granted)
    for p in prohibited:
        out[p] = SignalStatus.DISALLOWED
    return out, tuple(dict.fromkeys(urls))


def parse(
    content: bytes | str,
    *,
    source: str = "<memory>",
    agent: str = "*",
    url: str | None = None,
) -> ParsedSignal:
    """Read an RSL document for ``url`` (absolute URL or path; None: whole document)."""
    contents, diags = parse_document(content)
    out, urls = statuses_for(contents, url, diags)
    return ParsedSignal(
        Carrier.RSL, source, out, tuple(dict.fromkeys(diags)), agent=agent, licence_urls=urls
    )
