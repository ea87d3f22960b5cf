"""Canonical text at string speed: the words of :func:`.spec.canonical_text`, for confirming
matches against stored work texts (``--store-text``) with the same canonicalisation as the
fingerprints. Pure: no I/O.

:func:`.spec.canonical_text` is the definition (one code point at a time, with offsets); this
gives the same string with ``str.translate`` over a per-version table of every code point
seen so far (each filled from :func:`.spec.fold_char` once), the hyphenated line breaks
deleted first and ``rn -> m`` applied by ``str.replace`` (left to right, non-overlapping,
as the reference merges them).
"""

from __future__ import annotations

from consentry.fingerprints.spec import (
    CANON_VERSION,
    OCR_SINGLE,
    check_version,
    fold_char,
    hyphen_joins,
)

_maps: dict[tuple[bool, str], dict[int, str]] = {}


def _folded(c: str, ocr_fold: bool, version: str) -> str:
    if 0xD800 <= ord(c) <= 0xDFFF:
        return " "  # lone surrogates are separators
    f = fold_char(c, version)
    if ocr_fold:
        f = "".join(OCR_SINGLE.get(x, x) for x in f)
    return f


def canonical_words_text(text: str, *, ocr_fold: bool = True, version: str = CANON_VERSION) -> str:
    """Equals ``spec.canonical_text(text, ocr_fold=..., version=...)``, faster."""
    check_version(version)
    table = _maps.setdefault((ocr_fold, version), {})
    missing = {c for c in set(text) if ord(c) not in table}
    for c in missing:
        table[ord(c)] = _folded(c, ocr_fold, version)
    if "-" in text:
        joins = hyphen_joins(text)
        if joins:
            parts, at = [], 0
            for a, b in joins:
                parts.append(text[at:a])
                at = b
            parts.append(text[at:])
            text = "".join(parts)
    folded = text.translate(table)
    if ocr_fold:
        folded = folded.replace("rn", "m")
    return " ".join(folded.split())
