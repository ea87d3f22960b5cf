"""Write every signal carrier from one set of terms: ``write(terms, fmt, ...) -> bytes``.

Each format is one module in this package; :data:`FORMATS` lists them with what they are.
Formats that write *into* a file (``epub``, ``pdf``, ``image``) need ``data`` (the file's
bytes) and return the whole rewritten file. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consentry.errors import SignalError
from consentry.registry.terms import TermsSet
from consentry.signals.write import aitxt, epub, headers, html, iptc, pdf, robots, rsl, tdmrep
from consentry.signals.write.options import WriteOptions

__all__ = ["FORMATS", "Format", "WriteOptions", "write"]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    description: str
    filename: str  # usual file name or where it goes
    carrier: str  # the carrier name ``consentry signals read --carrier`` takes
    needs_input: bool = False


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
}

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "robots",
            "robots.txt: per-agent groups, Content-Usage, Content-Signal, License",
            "/robots.txt",
            "robots",
        ),
        Format("tdmrep", "TDMRep origin file", "/.well-known/tdmrep.json", "tdmrep"),
        Format(
            "tdmrep-policy",
            "TDMRep ODRL Offer policy (licence terms only)",
            "/.well-known/tdm-policy.json",
            "tdmrep-policy",
        ),
        Format("headers", "HTTP response headers as a plain dump", "headers.txt", "headers"),
        Format("nginx", "nginx add_header snippet", "consentry-headers.conf", "headers"),
        Format("apache", "Apache mod_headers snippet", ".htaccess", "headers"),
        Format("caddy", "Caddyfile header block", "Caddyfile", "headers"),
        Format("cloudflare", "Cloudflare Pages / Netlify _headers file", "_headers", "headers"),
        Format("html", "HTML <meta>/<link> elements for <head>", "head.html", "html"),
        Format("rsl", "RSL 1.0 licence document", "/license.xml", "rsl"),
        Format("xmp", "XMP packet: IPTC plus:DataMining + TDMRep", "signals.xmp", "iptc"),
        Format("aitxt", "Spawning ai.txt", "/ai.txt", "aitxt"),
        Format(
            "epub",
            "TDMRep OPF metadata written into an .epub (EPUB 2 and 3)",
            "book.epub",
            "epub",
            needs_input=True,
        ),
        Format(
            "pdf", "TDMRep + IPTC XMP written into a .pdf", "document.pdf", "pdf", needs_input=True
        ),
        Format(
            "image", "IPTC XMP written into a JPEG or PNG", "image.jpg", "iptc", needs_input=True
        ),
    )
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
