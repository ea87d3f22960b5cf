"""PDF: TDMRep and IPTC DataMining written into the document's XMP metadata (pypdf).

The existing ``/Metadata`` packet is kept and merged (other properties stay, old
``tdm:*``/``plus:DataMining`` are replaced); the file is re-written whole by pypdf. Encrypted
or unreadable PDFs are refused with a SignalError naming why.

Bounded like the readers: at most :data:`MAX_PAGES` pages, and the old XMP packet is inflated
at most :data:`~consentry.signals.iptc.MAX_XMP` bytes (4 MiB) and then refused (a Flate bomb
in ``/Metadata`` stops at the cap: it is never inflated whole).
"""

from __future__ import annotations

import io
import logging
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, StreamObject

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.iptc import MAX_XMP
from consentry.signals.write.iptc import packet
from consentry.signals.write.options import WriteOptions

MAX_PAGES = 100_000


def old_packet(stream: object) -> bytes | None:
    """The old ``/Metadata`` packet, inflated at most MAX_XMP bytes (over: SignalError);
    None when it has a filter other than Flate or cannot be read (it is then replaced)."""
    if not isinstance(stream, StreamObject):
        return None
    filters = stream.get("/Filter")
    names = list(filters) if isinstance(filters, ArrayObject) else [filters] if filters else []
    raw = bytes(stream._data)
    try:
        if not names:
            data = raw
        elif names == ["/FlateDecode"]:
            data = zlib.decompressobj().decompress(raw, MAX_XMP + 1)
        else:
            return None
    except zlib.error:
        return None
    if len(data) > MAX_XMP:
        raise SignalError(
            f"the PDF's XMP metadata inflates to more than {MAX_XMP} bytes",
            field="in",
            expected=f"an XMP packet of at most {MAX_XMP} bytes",
        )
    return data


def write_pdf(data: bytes, terms: TermsSet, options: WriteOptions | None = None) -> bytes:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise SignalError(
                "PDF is encrypted; decrypt it before writing metadata",
                field="in",
                expected="an unencrypted PDF",
            )
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise SignalError(
                f"PDF has {pages} pages, over the {MAX_PAGES}-page cap",
                field="in",
                expected=f"a PDF of at most {MAX_PAGES} pages",
            )
        writer = PdfWriter(clone_from=reader)
        root = writer._root_object
        existing: bytes | None = None
        old = root.get("/Metadata")
        if old is not None:
            existing = old_packet(old.get_object())
        xmp = packet(terms, options, existing=existing)
        stream = StreamObject()
        stream.set_data(xmp)
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        root[NameObject("/Metadata")] = writer._add_object(stream)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except SignalError:
        raise
    except Exception as e:  # pypdf raises many kinds on malformed input
        raise SignalError(
            f"cannot rewrite the PDF: {type(e).__name__}: {e}",
            field="in",
            expected="a readable PDF",
        ) from None
