"""Read one local file as a given carrier and resolve it: ``consentry signals read``.

The only I/O of the reading side (local files only; no network). ``url`` places the file
(robots.txt, tdmrep.json, ai.txt and RSL rules are per path; a page URL for HTML); without it
the site root ``/`` is assumed.
"""

from __future__ import annotations

from pathlib import Path

from consentry.errors import SignalError
from consentry.signals import (
    aipref,
    aitxt,
    c2pa,
    epub,
    headers,
    html,
    iptc,
    pdf,
    robots,
    rsl,
    tdmrep,
)
from consentry.signals.model import Carrier, ParsedSignal
from consentry.signals.resolve import Resolution, resolve

MAX_FILE = 256 * 1024 * 1024
READABLE: tuple[Carrier, ...] = (
    Carrier.ROBOTS,
    Carrier.TDMREP,
    Carrier.HEADERS,
    Carrier.HTML,
    Carrier.EPUB,
    Carrier.PDF,
    Carrier.RSL,
    Carrier.IPTC,
    Carrier.C2PA,
    Carrier.AITXT,
    Carrier.TDMAI,
)
_ALIASES = {
    "robots.txt": Carrier.ROBOTS,
    "tdmrep.json": Carrier.TDMREP,
    "header": Carrier.HEADERS,
    "meta": Carrier.HTML,
    "xmp": Carrier.IPTC,
    "image": Carrier.IPTC,
    "cawg": Carrier.C2PA,
    "ai.txt": Carrier.AITXT,
    "license.xml": Carrier.RSL,
}


def carrier_of(kind: Carrier | str) -> Carrier:
    c: Carrier | None
    if isinstance(kind, Carrier):
        c = kind
    else:
        key = kind.strip().lower()
        c = _ALIASES.get(key) or next((x for x in Carrier if x.value == key), None)
    if c is None or c not in READABLE:
        names = ", ".join(x.value for x in READABLE)
        raise SignalError(
            f"carrier {kind!r} cannot be read from a file, expected one of {names}",
            field="carrier",
            value=str(kind),
            expected=names,
        )
    return c


def parse_bytes(
    data: bytes,
    carrier: Carrier | str,
    *,
    source: str = "<memory>",
    url: str | None = None,
    agent: str = "*",
    policy: bytes | None = None,
    trust_anchors: bytes | None = None,
) -> ParsedSignal:
    """Dispatch ``data`` to the reader for ``carrier``; never raises for bad content.

    ``c2pa``: a JPEG, PNG or PDF is read through the C2PA library (signed manifests,
    validated; ``trust_anchors`` PEM decides "trusted"); anything else as assertion JSON."""
    c = carrier_of(carrier)
    where = url or "/"
    if c is Carrier.ROBOTS:
        return robots.parse(data, source=source, agent=agent, path=where)
    if c is Carrier.TDMREP:
        return tdmrep.parse(data, source=source, agent=agent, path=where, policy=policy)
    if c is Carrier.HEADERS:
        return headers.parse(data, source=source, agent=agent)
    if c is Carrier.HTML:
        return html.parse(data, source=source, agent=agent, url=url)
    if c is Carrier.EPUB:
        return epub.parse(data, source=source, agent=agent)
    if c is Carrier.PDF:
        return pdf.parse(data, source=source, agent=agent)
    if c is Carrier.RSL:
        return rsl.parse(data, source=source, agent=agent, url=url)
    if c is Carrier.IPTC:
        return iptc.parse(data, source=source, agent=agent)
    if c is Carrier.C2PA:
        from consentry.signals import c2pa_media

        if c2pa_media.media_type(data) is not None:
            return c2pa_media.read_media(
                data, source=source, agent=agent, trust_anchors=trust_anchors
            )
        return c2pa.parse(data, source=source, agent=agent)
    if c is Carrier.TDMAI:
        return aipref.parse_tdmai(data, source=source, agent=agent)
    return aitxt.parse(data, source=source, agent=agent, path=where)


def read_signal(
    path: Path,
    carrier: Carrier | str,
    *,
    url: str | None = None,
    agent: str = "*",
    trust_anchors: bytes | None = None,
) -> ParsedSignal:
    c = carrier_of(carrier)
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise SignalError(
                f"file {path} is {size} bytes, over the {MAX_FILE}-byte limit",
                field="path",
                value=str(path),
                expected=f"at most {MAX_FILE} bytes",
            )
        data = path.read_bytes()
    except OSError as e:
        raise SignalError(
            f"cannot read {path}: {e.strerror or e}",
            field="path",
            value=str(path),
            expected="a readable file",
        ) from None
    return parse_bytes(
        data, c, source=str(path), url=url, agent=agent, trust_anchors=trust_anchors
    )


def read_file(
    path: Path,
    carrier: Carrier | str,
    *,
    url: str | None = None,
    agent: str = "*",
    trust_anchors: bytes | None = None,
) -> Resolution:
    """Read ``path`` as ``carrier`` for ``agent`` (and ``url``) and resolve it."""
    signal = read_signal(path, carrier, url=url, agent=agent, trust_anchors=trust_anchors)
    return resolve([signal], agent=agent)
