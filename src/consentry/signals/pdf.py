"""PDF: TDMRep (``tdm:reservation``/``tdm:policy``) and IPTC DataMining in the XMP metadata.

The document catalogue's ``/Metadata`` stream is read with pypdf (decompressed) and parsed
with lxml; when pypdf cannot open the file, the raw bytes are scanned for an uncompressed
XMP packet instead (diagnosed). Never raises for bad content.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from consentry.signals.iptc import signal_from_xmp
from consentry.signals.model import Carrier, ParsedSignal


def metadata_stream(data: bytes) -> tuple[bytes | None, list[str]]:
    """The raw XMP stream of the catalogue, or None (with why)."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root = reader.trailer["/Root"].get_object()
        meta = root.get("/Metadata") if isinstance(root, dict) else None
        if meta is None:
            return None, ["PDF has no /Metadata stream"]
        return bytes(meta.get_object().get_data()), []
    except RecursionError:
        return None, ["pypdf recursion limit on a malformed PDF; scanned raw bytes"]
    except Exception as e:
        # pypdf on untrusted bytes can fail in many ways (PyPdfError, KeyError, struct.error,
        # zlib.error, warnings raised as errors...): a reader must never crash on content.
        kind = "PyPdfError" if isinstance(e, PyPdfError) else type(e).__name__
        return None, [f"pypdf could not read the PDF ({kind}: {e}); scanned raw bytes"]


def parse(content: bytes | str, *, source: str = "<memory>", agent: str = "*") -> ParsedSignal:
    data = content.encode("latin-1", errors="replace") if isinstance(content, str) else content
    stream, diags = metadata_stream(data)
    return signal_from_xmp(
        stream if stream is not None else data,
        Carrier.PDF,
        source=source,
        agent=agent,
        diagnostics=diags,
    )
