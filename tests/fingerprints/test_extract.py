"""Text extraction for registration from real files of each kind, and damaged files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from consentry.errors import ScanError
from consentry.fingerprints.extract import extract_text
from consentry.fingerprints.spec import canonical_text

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
PROSE = (DATA / "persuasion.txt").read_text(encoding="utf-8")[:1200]
PARAS = [p.replace("\n", " ").strip() for p in PROSE.split("\n\n") if p.strip()]


def same_words(a: str, b: str) -> bool:
    return canonical_text(a) == canonical_text(b)


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text lines, written by hand (objects + xref)."""
    esc = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
    stream = "BT /F1 10 Tf 40 800 Td 12 TL " + " ".join(f"({s}) Tj T*" for s in esc) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_txt_html_docx_pdf_epub(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_bytes(b"\xef\xbb\xbf" + PROSE.encode())
    assert extract_text(tmp_path / "w.txt") == PROSE

    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "<script>var x = 'not text';</script></body></html>"
    )
    (tmp_path / "w.html").write_text(html, encoding="utf-8")
    got = extract_text(tmp_path / "w.html")
    assert same_words(got, " ".join(PARAS)) and "not text" not in got

    d = docx.Document()
    for p in PARAS:
        d.add_paragraph(p)
    d.save(str(tmp_path / "w.docx"))
    assert same_words(extract_text(tmp_path / "w.docx"), " ".join(PARAS))

    words = " ".join(PARAS).split()
    lines = [" ".join(words[i : i + 10]) for i in range(0, 60, 10)]
    (tmp_path / "w.pdf").write_bytes(pdf_bytes(lines))
    assert same_words(extract_text(tmp_path / "w.pdf"), " ".join(lines))

    with zipfile.ZipFile(tmp_path / "w.epub", "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf"/></rootfiles></container>',
        )
        z.writestr(
            "OEBPS/content.opf",
            '<package xmlns="http://www.idpf.org/2007/opf"><manifest>'
            '<item id="c2" href="c2.xhtml"/><item id="c1" href="c1.xhtml"/></manifest>'
            '<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>',
        )
        z.writestr("OEBPS/c1.xhtml", f"<html><body><p>{PARAS[0]}</p></body></html>")
        z.writestr("OEBPS/c2.xhtml", f"<html><body><p>{PARAS[1]}</p></body></html>")
    assert same_words(extract_text(tmp_path / "w.epub"), PARAS[0] + " " + PARAS[1])


@pytest.mark.parametrize("name", ["bad.pdf", "bad.docx", "bad.epub"])
def test_damaged_files_raise_scan_error(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x00\x01 this is not a real file")
    with pytest.raises(ScanError, match=rf"cannot extract text from .*{name}"):
        extract_text(tmp_path / name)


def test_unknown_type_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "w.mp3").write_bytes(b"ID3")
    with pytest.raises(ScanError, match=r"file type '\.mp3' is not supported"):
        extract_text(tmp_path / "w.mp3")
    with pytest.raises(ScanError, match="cannot read"):
        extract_text(tmp_path / "missing.txt")
