"""The catalogue of signal formats ``consentry signals write`` produces: names and what
each is. Kept apart from the writers (``consentry.signals.write``, which loads lxml, pypdf
and cryptography) so the command line can list the formats without loading them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "Format"]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    description: str
    filename: str  # usual file name or where it goes
    carrier: str  # the carrier name ``consentry signals read --carrier`` takes
    needs_input: bool = False


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
        Format(
            "c2pa",
            "signed C2PA manifest with the CAWG training-mining assertion, in a JPEG, PNG or PDF",
            "image.jpg",
            "c2pa",
            needs_input=True,
        ),
    )
}
