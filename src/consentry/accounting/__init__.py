"""Accounting (issue 12): usage reports, distribution, statements, past-use claims.

Pure cores: ``usage.py`` (report format and validation), ``distribution.py`` (the four rules,
exact integer arithmetic), ``books.py`` (double-entry postings), ``statements.py`` (CSV and
HTML statements), ``claims.py`` (matching rules for past-use claims). I/O: ``service.py``
(use cases over the unit of work) and ``pdf.py`` (HTML to PDF with WeasyPrint).
"""
