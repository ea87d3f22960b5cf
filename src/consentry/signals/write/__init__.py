"""Write every signal carrier from one set of terms: ``write(terms, fmt, ...) -> bytes``.

Each format is one module in this package; :data:`FORMATS` lists them with what they are.
Formats that write *into* a file (``epub``, ``pdf``, ``image``) need ``data`` (the file's
bytes) and return the whole rewritten file. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from collections.abc import Callable

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.formats import FORMATS, Format
from consentry.signals.write import aitxt, c2pa, epub, headers, html, iptc, pdf, robots, rsl, tdmrep
from consentry.signals.write.options import WriteOptions

__all__ = ["FORMATS", "Format", "WriteOptions", "write"]


_Render = Callable[[TermsSet, WriteOptions], bytes]
_Embed = Callable[[bytes, TermsSet, WriteOptions], bytes]

_RENDER: dict[str, _Render] = {
    "robots": lambda t, o: robots.render(t, o),
    "tdmrep": tdmrep.render,
    "tdmrep-policy": tdmrep.render_policy,
    "headers": headers.render_dump,
    "nginx": headers.render_nginx,
    "apache": headers.render_apache,
    "caddy": headers.render_caddy,
    "cloudflare": headers.render_cloudflare,
    "html": html.render,
    "rsl": rsl.render,
    "xmp": lambda t, o: iptc.packet(t, o),
    "aitxt": aitxt.render,
}
_EMBED: dict[str, _Embed] = {
    "epub": epub.write_epub,
    "pdf": pdf.write_pdf,
    "image": iptc.write_image,
    "c2pa": c2pa.write_c2pa,
}


def write(
    terms: TermsSet,
    fmt: str,
    *,
    options: WriteOptions | None = None,
    data: bytes | None = None,
) -> bytes:
    """The carrier ``fmt`` for ``terms``; ``data``: the file to write into (epub/pdf/image)."""
    opts = options or WriteOptions()
    key = fmt.strip().lower()
    if key not in FORMATS:
        raise SignalError(
            f"unknown signal format {fmt!r}, expected one of {', '.join(FORMATS)}",
            field="format",
            value=fmt,
            expected=", ".join(FORMATS),
        )
    if key in _EMBED:
        if data is None:
            raise SignalError(
                f"format {key!r} writes into a file: give the input file (--in FILE)",
                field="in",
                value=None,
                expected=f"the {FORMATS[key].filename.rsplit('.', 1)[-1]} file to write into",
            )
        return _EMBED[key](data, terms, opts)
    if data is not None:
        raise SignalError(
            f"format {key!r} is a standalone file and takes no input file",
            field="in",
            value="<bytes>",
            expected="no --in for this format",
        )
    return _RENDER[key](terms, opts)
