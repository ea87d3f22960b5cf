"""XMP metadata: IPTC ``plus:DataMining`` and TDMRep ``tdm:reservation``/``tdm:policy``.

The XMP packet is found by scanning the bytes for ``<x:xmpmeta`` ... ``</x:xmpmeta>`` (works
for JPEG APP1, PNG iTXt, TIFF, WebP, uncompressed PDF streams, or a bare .xmp file). Values
may be elements or attributes of ``rdf:Description``, plain text or ``rdf:resource``; the
DMI value may be a full PLUS vocabulary URI or the bare code. Both TDMRep namespaces
(``.../ns/tdmrep/`` as in PDF, ``.../ns/tdmrep#`` as in EPUB) are accepted. Never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from consentry.registry.purposes import Purpose
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import IPTC_DMI, iptc_dmi_code
from consentry.signals.tdmrep import combine, tdm_signal
from consentry.signals.xmlnames import split_name

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
TDM_NAMESPACES = frozenset(
    {"http://www.w3.org/ns/tdmrep/", "http://www.w3.org/ns/tdmrep#", "http://www.w3.org/ns/tdmrep"}
)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PACKET = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta\s*>", re.DOTALL)
MAX_XMP = 4 * 1024 * 1024


def extract_xmp(data: bytes) -> list[bytes]:
    """Every XMP packet in ``data`` (bounded size)."""
    return [m.group(0) for m in _PACKET.finditer(data) if len(m.group(0)) <= MAX_XMP]


@dataclass(frozen=True, slots=True)
class XmpValues:
    reservation: str | None = None
    policy: str | None = None
    dmi: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()


def _value(el: etree._Element) -> str:
    res = el.get(f"{{{RDF_NS}}}resource")
    if res:
        return res.strip()
    return "".join(str(t) for t in el.itertext()).strip()


def read_xmp(packet: bytes) -> XmpValues:
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(packet, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        return XmpValues(diagnostics=(f"XMP packet not parseable: {e}",))
    if root is None:
        return XmpValues(diagnostics=("XMP packet empty",))
    reservation: str | None = None
    policy: str | None = None
    dmi: list[str] = []
    diags: list[str] = [
        f"XMP packet malformed (line {e.line}: {e.message.strip()}); read what the parser recovered"
        for e in list(parser.error_log)[:1]
        if e.level >= etree.ErrorLevels.ERROR
    ]
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ens, elocal = split_name(el.tag)
        candidates: list[tuple[str | None, str, str]] = [(ens, elocal, "")]
        for k, v in el.attrib.items():
            ans, alocal = split_name(k)
            candidates.append((ans, alocal, str(v)))
        for i, (ns, local, attr_value) in enumerate(candidates):
            value = _value(el) if i == 0 else attr_value.strip()
            if ns in TDM_NAMESPACES and local == "reservation":
                reservation = value
            elif ns in TDM_NAMESPACES and local == "policy":
                policy = value or None
            elif value and (
                (ns == PLUS_NS and local == "DataMining")
                or (ns == IPTC_EXT_NS and local.upper().startswith("DMI"))
            ):
                dmi.append(value)
    return XmpValues(reservation, policy, tuple(dmi), tuple(diags))


def dmi_statuses(values: tuple[str, ...], diags: list[str]) -> dict[Purpose, SignalStatus]:
    out: dict[Purpose, SignalStatus] = {}
    for v in values:
        code = iptc_dmi_code(v)
        if code is None:
            diags.append(f"plus:DataMining {v!r} is not a PLUS DMI value, ignored")
            continue
        diags.append(f"plus:DataMining {code}")
        out = combine(out, IPTC_DMI[code])
    return out


def signal_from_xmp(
    data: bytes, carrier: Carrier, *, source: str, agent: str, diagnostics: list[str] | None = None
) -> ParsedSignal:
    diags = list(diagnostics or [])
    packets = extract_xmp(data)
    if not packets:
        diags.append("no XMP packet found")
    reservation: str | None = None
    policy: str | None = None
    other: dict[Purpose, SignalStatus] = {}
    for packet in packets:
        v = read_xmp(packet)
        diags.extend(v.diagnostics)
        reservation = v.reservation if v.reservation is not None else reservation
        policy = v.policy if v.policy is not None else policy
        other = combine(other, dmi_statuses(v.dmi, diags))
    return tdm_signal(
        carrier,
        source,
        agent=agent,
        reservation=reservation,
        policy_url=policy,
        other=other,
        diagnostics=diags,
    )


def parse(content: bytes | str, *, source: str = "<memory>", agent: str = "*") -> ParsedSignal:
    """Read an image (or any file) for IPTC DataMining and TDMRep XMP; never raises."""
    data = content.encode("utf-8", errors="replace") if isinstance(content, str) else content
    return signal_from_xmp(data, Carrier.IPTC, source=source, agent=agent)
