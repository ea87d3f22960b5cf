"""Decoding web pages and text bodies to text, in the order browsers use (pure).

:func:`decode_html` tries, in order: a byte-order mark; the charset of the HTTP
``Content-Type`` header; the document's own ``<meta charset>`` or
``<meta http-equiv="Content-Type" content="...; charset=...">`` (in its first 4 KiB);
bytes that are valid UTF-8; detection with ``charset-normalizer``; and last UTF-8 with
replacement characters. A label
that names no codec, or a declared charset the bytes do not decode in, falls through to the
next step, so a wrong header cannot turn a page into mojibake silently. As in the WHATWG
Encoding standard, ``iso-8859-1``, ``latin1`` and ``us-ascii`` labels mean windows-1252.

Before this, HTML was handed to the parser as bytes and a charset given only in the HTTP
header was never seen: the page was read as Latin-1 and a registered Japanese or Russian
text in it could not be found.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["charset_of", "decode_html", "decode_text"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.+\-]+)""", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_PRESCAN = 4096  # bytes of a document searched for a <meta> charset


def charset_of(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a ``Content-Type`` value, if any."""
    if not content_type:
        return None
    m = _CHARSET.search(content_type.encode("latin-1", errors="replace"))
    return m.group(1).decode("ascii").lower() if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    if label in ("utf-16", "utf-32"):  # without a BOM these are little-endian on the web
        label += "-le"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _strict(data: bytes, label: str | None) -> str | None:
    codec = _codec(label)
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _meta_charset(data: bytes) -> str | None:
    for tag in _META.finditer(data[:_PRESCAN]):
        m = _CHARSET.search(tag.group(0))
        if m:
            return m.group(1).decode("ascii")
    return None


def _bom(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    return None


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


def decode_text(data: bytes, http_charset: str | None = None) -> str:
    """A text body: BOM, then the HTTP charset, then UTF-8, then detection."""
    for text in (_bom(data), _strict(data, http_charset), _strict(data, "utf-8")):
        if text is not None:
            return text
    return _detected(data) or data.decode("utf-8", errors="replace")


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """An HTML document: BOM, HTTP charset, ``<meta>`` charset, detection, then UTF-8."""
    text = _bom(data)
    if text is None:
        text = _strict(data, http_charset)
    if text is None:
        text = _strict(data, _meta_charset(data))
    if text is None:  # valid UTF-8 is UTF-8: no other encoding in use produces it by chance
        text = _strict(data, "utf-8")
    if text is None:
        text = _detected(data)
    return text if text is not None else data.decode("utf-8", errors="replace")
