"""Fold tables of the numpy kernel (:mod:`.kernel`): per spec version and OCR fold, the
folded code point of each code point (or 0 = separator, DROP, SOLO | c, MULTI), and the
one-for-one ASCII translation of mostly-ASCII text. Pure: no I/O (the caches are memo tables).
"""

from __future__ import annotations

import codecs
import threading

import numpy as np
import numpy.typing as npt

from consentry.fingerprints.spec import CANON_VERSION, OCR_SINGLE, fold_char

DROP = np.uint32(0xFFFFFFFE)  # folds to nothing
MULTI = np.uint32(0xFFFFFFFF)  # folds to several characters: handled one at a time
SOLO = np.uint32(0x80000000)  # SOLO | c: folds to (separator, c, separator), canon-v2's tokens


def fold_code(c: str, ocr_fold: bool, version: str) -> list[int]:
    out = []
    for f in fold_char(c, version):
        if f == " ":
            out.append(0)
        else:
            out.append(ord(OCR_SINGLE.get(f, f) if ocr_fold else f))
    return out


_tables: dict[tuple[int, bool, str], npt.NDArray[np.uint32]] = {}


def fold_table(size: int, ocr_fold: bool, version: str) -> npt.NDArray[np.uint32]:
    """Fold table for code points < size: folded code point, 0 (separator), DROP, SOLO | c
    or MULTI."""
    t = _tables.get((size, ocr_fold, version))
    if t is None:
        t = np.zeros(size, dtype=np.uint32)
        for cp in range(size):
            if 0xD800 <= cp <= 0xDFFF:
                t[cp] = 0  # lone surrogates are separators
                continue
            codes = fold_code(chr(cp), ocr_fold, version)
            if len(codes) == 3 and codes[0] == codes[2] == 0 and codes[1]:
                t[cp] = SOLO | codes[1]
            else:
                t[cp] = codes[0] if len(codes) == 1 else (DROP if not codes else MULTI)
        _tables[(size, ocr_fold, version)] = t
    return t


_ascii_tables: dict[bool, bytes] = {}


def ascii_translation(ocr_fold: bool) -> bytes:
    t = _ascii_tables.get(ocr_fold)
    if t is None:
        # ASCII folds the same under every version
        t = bytes(int(c) for c in fold_table(128, ocr_fold, CANON_VERSION)) + bytes(128)
        _ascii_tables[ocr_fold] = t
    return t


class _FoldFailed(Exception):
    """A code point without a one-for-one ASCII equivalent: use the code-point path."""


def _ascii_fold_errors(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    extra = _density.extra
    equivalent = _ascii_equivalent[_density.version]
    for c in exc.object[exc.start : exc.end]:
        got = equivalent.get(c)
        if got is None:
            f = " " if 0xD800 <= ord(c) <= 0xDFFF else fold_char(c, _density.version)
            got = (
                f if len(f) == 1 and f.isascii() else "",
                len(c.encode("utf-8", "surrogatepass")) - 1,
            )
            equivalent[c] = got
        r, more = got
        extra += more
        if not r or extra * 20 > len(exc.object):
            raise _FoldFailed
        out.append(r)
    _density.extra = extra
    return "".join(out), exc.end


codecs.register_error("consentry-canon-v1", _ascii_fold_errors)
# per version: non-ASCII code point -> (its one ASCII equivalent or "", its UTF-8 length - 1)
_ascii_equivalent: dict[str, dict[str, tuple[str, int]]] = {}
_density = threading.local()  # UTF-8 bytes beyond one per code point, so far in this text


def ascii_bytes(text: str, version: str) -> bytes | None:
    """The text as ASCII with each non-ASCII code point replaced, one for one, by the ASCII
    character it folds to; None when some code point has no such character or when non-ASCII
    text is dense (UTF-8 bytes beyond one per code point more than 1/20 of the length: the
    code-point table path is faster then). The density is counted while encoding, by the
    error handler, so the text is encoded once."""
    if text.isascii():
        return text.encode("ascii")
    _density.extra = 0
    _density.version = version
    _ascii_equivalent.setdefault(version, {})
    try:
        return text.encode("ascii", "consentry-canon-v1")
    except _FoldFailed:
        return None
