"""RSL 1.0 ``license.xml`` (and pre-1.0 files, leniently).

Decisions (docs/signals.md, "RSL"):

* The ``<content>`` whose ``url`` matches the asked URL best applies (absolute URL prefix, or
  an RFC 9309 path pattern; longest wins). No URL asked, or none matches: every ``<content>``
  is read and combined.
* Within a ``<license>``: usage tokens from every ``<permits type="usage">`` (several are
  merged, diagnosed) get the licence's payment status; a licence without usage permits
  covers ``all``. ``<prohibits type="usage">`` tokens are ``disallowed`` and win over
  permits. Payment ``free``/absent/``attribution`` -> ``allowed`` (attribution noted); any paid
  type -> ``licence``. A ``server`` attribute (licence token required) -> ``licence``.
* Across licences (alternative offers): a purpose prohibited anywhere is ``disallowed``
  (RSL: conflicts resolve to the most restrictive); otherwise the most permissive offer
  holds. Purposes no licence mentions stay ``unknown``.
* Tokens may be space- or comma-separated; pre-1.0 tokens are mapped (crosswalk) with a note.
* The file must come from the site (location based); parsing ignores DTDs and entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from consentry.registry.purposes import Purpose
from consentry.signals.model import RESTRICTIVENESS, Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import RSL_PAYMENT_STATUS, rsl_token_mapping
from consentry.signals.robots import normalise_path, request_path, rule_regex


@dataclass(frozen=True, slots=True)
class RslLicence:
    permits: tuple[str, ...]
    prohibits: tuple[str, ...]
    payment: str  # payment type, "free" when absent
    urls: tuple[str, ...]  # <standard>/<custom> URLs
    amount: str | None = None


@dataclass(frozen=True, slots=True)
class RslContent:
    url: str
    server: str | None
    licences: tuple[RslLicence, ...]


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _tokens(text: str | None) -> list[str]:
    return [t for t in (text or "").replace(",", " ").split() if t]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def parse_document(content: bytes | str) -> tuple[list[RslContent], list[str]]:
    data = content.encode("utf-8", errors="replace") if isinstance(content, str) else content
    diags: list[str] = []
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as e:
        return [], [f"not XML: {e}"]
    if root is None:
        return [], ["not XML: empty document"]
    if _local(root.tag) != "rsl":
        found = [e for e in root.iter() if _local(e.tag) == "rsl"]
        if not found:
            return [], [f"root element is <{_local(root.tag)}>, expected <rsl>"]
        root = found[0]
    ns = etree.QName(root).namespace
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
            for el in lic:
                name = _local(el.tag)
                if name in ("permits", "prohibits") and el.get("type", "usage") == "usage":
                    (permits if name == "permits" else prohibits).extend(_tokens(el.text))
                    n_permits += name == "permits"
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
            lics.append(RslLicence(tuple(permits), tuple(prohibits), payment, tuple(urls), amount))
        contents.append(RslContent(url, c.get("server"), tuple(lics)))
    if not contents:
        diags.append("no <content> element")
    return contents, diags


def _content_match(content_url: str, url: str | None) -> int:
    """Length of the match of ``url`` against a content url, -1 if none."""
    if url is None:
        return 0
    cu = content_url.strip()
    if cu.startswith(("http://", "https://")):
        target = url if url.startswith(("http://", "https://")) else None
        if target is None:
            # only a path asked: compare paths
            cu_path = urlsplit(cu).path or "/"
            return len(cu_path) if (request_path(url) or "/").startswith(cu_path) else -1
        return len(cu) if target.startswith(cu) or target.rstrip("/") == cu.rstrip("/") else -1
    path = request_path(url) or "/"
    return len(cu) if rule_regex(cu).match(normalise_path(path)) else -1


def _rank(s: SignalStatus) -> int:
    return RESTRICTIVENESS.index(s)


def statuses_for(
    contents: list[RslContent], url: str | None, diags: list[str]
) -> tuple[dict[Purpose, SignalStatus], tuple[str, ...]]:
    scored = [(c, _content_match(c.url, url)) for c in contents]
    best = max((n for _, n in scored), default=-1)
    chosen = [c for c, n in scored if n == best and n >= 0] if best >= 0 else list(contents)
    if url is not None and best < 0 and contents:
        diags.append(f"no <content url> matches {url!r}; read every <content>")
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
