"""XMP packets (IPTC ``plus:DataMining`` + TDMRep) and writing them into JPEG and PNG.

The packet carries ``plus:DataMining`` (the PLUS DMI code that says the most of the terms
without granting more, :func:`consentry.signals.purposes.iptc_dmi_for`), written twice with
one value: as text (read by pikepdf, exiv2) and as ``rdf:resource`` (the URI form), then
``plus:OtherConstraints``
naming the licence URL when the code points to a constraint, and TDMRep
``tdm:reservation``/``tdm:policy`` (namespace ``http://www.w3.org/ns/tdmrep/``, as for PDF).

Merging into an existing packet keeps every other property: old consentry-written properties
(``plus:DataMining``, ``plus:OtherConstraints``, ``tdm:*``) are removed and one new
``rdf:Description`` is added. JPEG: the XMP APP1 segment is replaced (or inserted after
SOI/APP0); PNG: the ``iTXt`` ``XML:com.adobe.xmp`` chunk is replaced (or inserted before the
first ``IDAT``). Other formats are refused with a SignalError.
"""

from __future__ import annotations

import struct
import zlib

from lxml import etree

from consentry.errors import SignalError
from consentry.registry.purposes import ALL_PURPOSES
from consentry.registry.terms import TermsSet
from consentry.signals.iptc import MAX_XMP
from consentry.signals.purposes import PLUS_VOCAB, iptc_dmi_for, signal_status_for
from consentry.signals.write.options import WriteOptions, licence_urls, tdm_reservation

X_NS = "adobe:ns:meta/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
TDM_NS = "http://www.w3.org/ns/tdmrep/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {"x": X_NS, "rdf": RDF_NS, "plus": PLUS_NS, "tdm": TDM_NS}
_OURS = {(PLUS_NS, "DataMining"), (PLUS_NS, "OtherConstraints")}
JPEG_XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_SIG = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEY = b"XML:com.adobe.xmp"
MAX_JPEG_XMP = 65533 - 2 - len(JPEG_XMP_ID)


def dmi_code(terms: TermsSet) -> str:
    """The PLUS DMI code for ``terms`` (:func:`consentry.signals.purposes.iptc_dmi_for`):
    never more permissive than the terms, ``...-EXCEPTSEARCHENGINEINDEXING`` when search
    is allowed and the rest is restricted (plain ``DMI-PROHIBITED`` forbids indexing too)."""
    return iptc_dmi_for({p: signal_status_for(terms.status(p)) for p in ALL_PURPOSES})


def _descriptions(terms: TermsSet, opts: WriteOptions) -> list[etree._Element]:
    """Our ``rdf:Description`` elements: the first has ``plus:DataMining`` as text (what
    pikepdf and exiv2 read), the TDMRep properties and ``plus:OtherConstraints``; the second
    repeats the same DataMining value as an ``rdf:resource`` (the URI form IPTC's value type
    allows and RDF readers expect). Both name one value, so no reader can see two answers."""
    desc = etree.Element(f"{{{RDF_NS}}}Description", nsmap=NSMAP)
    desc.set(f"{{{RDF_NS}}}about", "")
    code = dmi_code(terms)
    dm = etree.SubElement(desc, f"{{{PLUS_NS}}}DataMining")
    dm.text = PLUS_VOCAB + code
    as_resource = etree.Element(f"{{{RDF_NS}}}Description", nsmap={"rdf": RDF_NS, "plus": PLUS_NS})
    as_resource.set(f"{{{RDF_NS}}}about", "")
    etree.SubElement(as_resource, f"{{{PLUS_NS}}}DataMining").set(
        f"{{{RDF_NS}}}resource", PLUS_VOCAB + code
    )
    urls = licence_urls(terms) or ([opts.contact] if opts.contact else [])
    if "SEE" in code and urls:
        oc = etree.SubElement(desc, f"{{{PLUS_NS}}}OtherConstraints")
        alt = etree.SubElement(oc, f"{{{RDF_NS}}}Alt")
        li = etree.SubElement(alt, f"{{{RDF_NS}}}li")
        li.set(f"{{{XML_NS}}}lang", "x-default")
        li.text = "AI and data-mining uses only under licence: " + ", ".join(urls)
    value, with_policy = tdm_reservation(terms)
    res = etree.SubElement(desc, f"{{{TDM_NS}}}reservation")
    res.text = str(value)
    policy = opts.tdm_policy_url()
    if with_policy and policy:
        pol = etree.SubElement(desc, f"{{{TDM_NS}}}policy")
        pol.text = policy
    return [desc, as_resource]


def _new_packet_root() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{X_NS}}}xmpmeta", nsmap={"x": X_NS})
    rdf = etree.SubElement(root, f"{{{RDF_NS}}}RDF", nsmap={"rdf": RDF_NS})
    return root, rdf


def _parse_existing(existing: bytes) -> tuple[etree._Element, etree._Element] | None:
    """The old packet's ``x:xmpmeta`` root and its ``rdf:RDF`` (a bare ``rdf:RDF`` packet, as
    some PDF producers write, is wrapped in a new ``x:xmpmeta``); None if unreadable."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root: etree._Element | None = None
    rdf: etree._Element | None = None
    start, end = existing.find(b"<x:xmpmeta"), existing.rfind(b"</x:xmpmeta>")
    try:
        if start >= 0 and end > start:
            root = etree.fromstring(existing[start : end + len(b"</x:xmpmeta>")], parser)
            rdf = root.find(f"{{{RDF_NS}}}RDF")
        else:
            start, end = existing.find(b"<rdf:RDF"), existing.rfind(b"</rdf:RDF>")
            if start >= 0 and end > start:
                rdf = etree.fromstring(existing[start : end + len(b"</rdf:RDF>")], parser)
                root = etree.Element(f"{{{X_NS}}}xmpmeta", nsmap={"x": X_NS})
                root.append(rdf)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or rdf is None or etree.QName(rdf).localname != "RDF":
        return None
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        parent = el.getparent()
        if parent is not None and ((q.namespace, q.localname) in _OURS or q.namespace == TDM_NS):
            parent.remove(el)
        for k in list(el.attrib):
            aq = etree.QName(k)
            if (aq.namespace, aq.localname) in _OURS or aq.namespace == TDM_NS:
                del el.attrib[k]
    for desc in rdf.findall(f"{{{RDF_NS}}}Description"):  # left empty by the removals
        if len(desc) == 0 and set(desc.attrib) <= {f"{{{RDF_NS}}}about"}:
            rdf.remove(desc)
    return root, rdf


def packet(
    terms: TermsSet, options: WriteOptions | None = None, *, existing: bytes | None = None
) -> bytes:
    """A complete XMP packet (``<?xpacket?>`` wrapped); merged into ``existing`` if given."""
    opts = options or WriteOptions()
    parsed = _parse_existing(existing) if existing else None
    root, rdf = parsed if parsed is not None else _new_packet_root()
    for desc in _descriptions(terms, opts):
        rdf.append(desc)
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        + body
        + b'<?xpacket end="w"?>'
    )


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """``(marker, start, end)`` of the segments before the scan data; SignalError if broken."""
    if not data.startswith(b"\xff\xd8"):
        raise SignalError("not a JPEG (no SOI marker)", field="in", expected="a JPEG file")
    out: list[tuple[int, int, int]] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise SignalError(
                f"JPEG segment at byte {pos} does not start with 0xFF",
                field="in",
                value=pos,
                expected="a well-formed JPEG",
            )
        marker = data[pos + 1]
        if marker == 0xDA or marker == 0xD9:  # start of scan / end of image
            return out
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise SignalError(
                f"JPEG segment at byte {pos} has length {length} past the end of the file",
                field="in",
                value=length,
                expected="a well-formed JPEG",
            )
        out.append((marker, pos, end))
        pos = end
    raise SignalError("JPEG ends before its scan data", field="in", expected="a complete JPEG")


def write_jpeg(data: bytes, xmp: bytes) -> bytes:
    if len(xmp) > MAX_JPEG_XMP:
        raise SignalError(
            f"XMP packet is {len(xmp)} bytes, over the {MAX_JPEG_XMP}-byte JPEG APP1 limit",
            field="xmp",
            value=len(xmp),
            expected=f"at most {MAX_JPEG_XMP} bytes",
        )
    segments = _jpeg_segments(data)
    keep: list[bytes] = [b"\xff\xd8"]
    insert_at = 1
    for marker, start, end in segments:
        seg = data[start:end]
        if marker == 0xE1 and seg[4:].startswith(JPEG_XMP_ID):
            continue  # old XMP packet
        keep.append(seg)
        if marker == 0xE0 and insert_at == len(keep) - 1:
            insert_at = len(keep)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(JPEG_XMP_ID) + len(xmp)) + JPEG_XMP_ID + xmp
    keep.insert(insert_at, app1)
    rest = segments[-1][2] if segments else 2
    return b"".join(keep) + data[rest:]


def existing_jpeg_xmp(data: bytes) -> bytes | None:
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xE1 and data[start + 4 : end].startswith(JPEG_XMP_ID):
            return data[start + 4 + len(JPEG_XMP_ID) : end]
    return None


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    if not data.startswith(PNG_SIG):
        raise SignalError("not a PNG (bad signature)", field="in", expected="a PNG file")
    out: list[tuple[bytes, int, int]] = []
    pos = len(PNG_SIG)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise SignalError(
                f"PNG chunk {ctype!r} at byte {pos} runs past the end of the file",
                field="in",
                value=pos,
                expected="a well-formed PNG",
            )
        out.append((ctype, pos, end))
        pos = end
        if ctype == b"IEND":
            return out
    raise SignalError("PNG has no IEND chunk", field="in", expected="a complete PNG")


def _is_xmp_chunk(data: bytes, ctype: bytes, start: int) -> bool:
    return ctype == b"iTXt" and data[start + 8 :].startswith(PNG_XMP_KEY + b"\x00")


def write_png(data: bytes, xmp: bytes) -> bytes:
    chunks = _png_chunks(data)
    body = PNG_XMP_KEY + b"\x00\x00\x00\x00\x00" + xmp  # no compression, no language/keyword
    chunk = (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    )
    out = [PNG_SIG]
    placed = False
    for ctype, start, end in chunks:
        if _is_xmp_chunk(data, ctype, start):
            continue
        if ctype == b"IDAT" and not placed:
            out.append(chunk)
            placed = True
        out.append(data[start:end])
    if not placed:
        out.insert(len(out) - 1, chunk)
    return b"".join(out)


def existing_png_xmp(data: bytes) -> bytes | None:
    for ctype, start, end in _png_chunks(data):
        if _is_xmp_chunk(data, ctype, start):
            return data[start + 8 + len(PNG_XMP_KEY) + 5 : end - 4]
    return None


def _bounded(existing: bytes | None) -> bytes | None:
    """The old packet, refused over the readers' cap (``signals.iptc.MAX_XMP``, 4 MiB)."""
    if existing is not None and len(existing) > MAX_XMP:
        raise SignalError(
            f"the image's XMP packet is {len(existing)} bytes, over the {MAX_XMP}-byte cap",
            field="in",
            expected=f"an XMP packet of at most {MAX_XMP} bytes",
        )
    return existing


def write_image(data: bytes, terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    """Write the packet into a JPEG or PNG (other XMP properties kept)."""
    if data.startswith(b"\xff\xd8"):
        old = _bounded(existing_jpeg_xmp(data))
        return write_jpeg(data, packet(terms, options, existing=old))
    if data.startswith(PNG_SIG):
        return write_png(data, packet(terms, options, existing=_bounded(existing_png_xmp(data))))
    raise SignalError(
        "image is neither JPEG nor PNG; write the XMP packet (--format xmp) into it with an "
        "XMP tool instead",
        field="in",
        value=data[:8].hex(),
        expected="a JPEG or PNG file",
    )
