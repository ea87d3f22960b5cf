"""HTML statements to PDF with WeasyPrint (an edge: WeasyPrint reads fonts from the system).

Reproducible bytes: the creation and modification dates come from the HTML's
``dcterms.created`` / ``dcterms.modified`` metadata (the run's closing time), never the
clock, so the same statement gives the same PDF (tests/accounting/test_statements.py).
"""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # type: ignore[import-untyped]

    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
