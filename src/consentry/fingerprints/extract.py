"""Text extraction for registration: ``.txt``, ``.epub``, ``.pdf``, ``.docx``, ``.html``.

Edge module (reads files). Every failure is a :class:`~consentry.errors.ScanError` naming the
file and what was expected; damaged files never escape as library exceptions.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import Any

from consentry.errors import ScanError

SUFFIXES = (".txt", ".text", ".md", ".epub", ".pdf", ".docx", ".html", ".htm", ".xhtml")


def extract_text(path: str | Path) -> str:
    """The text of a work's file, chosen by its suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScanError(f"cannot read {p}: {exc.strerror}", path=str(p)) from exc
    try:
        if suffix in (".txt", ".text", ".md"):
            return _decode(data)
        if suffix in (".html", ".htm", ".xhtml"):
            from consentry.charsets import decode_html

            return html_text(decode_html(data))  # BOM, <meta> charset, detection
        if suffix == ".epub":
            return epub_text(data)
        if suffix == ".pdf":
            return pdf_text(data)
        if suffix == ".docx":
            return docx_text(data)
    except ScanError:
        raise
    except Exception as exc:  # damaged files: the libraries raise many kinds
        raise ScanError(
            f"cannot extract text from {p}: {type(exc).__name__}: {exc}", path=str(p)
        ) from exc
    raise ScanError(
        f"{p}: file type {suffix or '(none)'!r} is not supported, expected one of "
        + ", ".join(SUFFIXES),
        path=str(p),
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre"}


def html_text(data: bytes | str) -> str:
    """Visible text of an HTML or XHTML document (scripts and styles dropped)."""
    from lxml import etree, html

    encoding = None  # bytes: lxml reads the document's own declaration
    if isinstance(data, str):  # decoded already: the parser must not re-read a <meta>
        data, encoding = data.encode("utf-8"), "utf-8"
    if not data.strip():
        return ""
    parser = html.HTMLParser(recover=True, no_network=True, encoding=encoding)
    doc = html.fromstring(data, parser=parser)
    etree.strip_elements(doc, "script", "style", "head", etree.Comment, with_tail=False)
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    return str(doc.text_content()).strip()  # type: ignore[attr-defined]


def epub_text(data: bytes) -> str:
    """Text of an EPUB 2/3: the spine's documents in reading order."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        container = etree.fromstring(z.read("META-INF/container.xml"), parser)
        rootfiles: Any = container.xpath("//*[local-name()='rootfile']/@full-path")
        if not rootfiles:
            raise ScanError("EPUB has no rootfile in META-INF/container.xml")
        opf_path = str(rootfiles[0])
        opf = etree.fromstring(z.read(opf_path), parser)
        base = posixpath.dirname(opf_path)
        manifest: Any = opf.xpath("//*[local-name()='manifest']/*[local-name()='item']")
        items = {str(i.get("id")): str(i.get("href")) for i in manifest}
        spine: Any = opf.xpath("//*[local-name()='spine']/*[local-name()='itemref']/@idref")
        parts = []
        for ref in spine:
            href = items.get(str(ref))
            if href is None:
                continue
            name = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
            if name in names:
                parts.append(html_text(z.read(name)))
        return "\n\n".join(p for p in parts if p)


def pdf_text(data: bytes) -> str:
    """Text of a PDF's pages (pypdf), pages separated by blank lines."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data), strict=False)
    return "\n\n".join((page.extract_text() or "") for page in reader.pages)


def docx_text(data: bytes) -> str:
    """Text of a Word document's paragraphs and table cells (python-docx)."""
    import docx

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
