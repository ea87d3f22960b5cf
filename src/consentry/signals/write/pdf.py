"""PDF: TDMRep and IPTC DataMining written into the document's XMP metadata (pypdf).

The existing ``/Metadata`` packet is kept and merged (other properties stay, old
``tdm:*``/``plus:DataMining`` are replaced); the file is re-written whole by pypdf. Encrypted
or unreadable PDFs are refused with a SignalError naming why.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.write.iptc import packet
from consentry.signals.write.options import WriteOptions


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
        writer = PdfWriter(clone_from=reader)
        root = writer._root_object
        existing: bytes | None = None
        old = root.get("/Metadata")
        if old is not None:
            try:
                existing = bytes(old.get_object().get_data())
            except Exception:
                existing = None  # unreadable old packet: replaced
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
