"""The kernels of ``canon-v1`` and ``canon-v2``: the same fingerprints as :mod:`.spec`, fast.

Two implementations, chosen once at import (:data:`KERNEL`): the compiled one (``_canon*.c``,
one pass per text over its code points, built by ``pip install``) and, where no C compiler
was available at install time, this numpy one (about half the scan speed). Both must equal
the reference; the tests run each against it (``impl="c"`` / ``impl="numpy"``).

In the numpy kernel, texts are processed in batches (joined by NUL, which is a separator
and cannot start or end a hyphenated line break), as arrays of code points: a 256- or
65,536-entry fold table, a numpy mask for the OCR ``rn -> m`` fold, word boundaries from the
separator mask, per-word polynomial hashes from chunked prefix sums (``sum cp_j * B**-j``,
rescaled by ``B**(end-1)``; ``uint64`` arithmetic wraps mod 2**64 for free) and k-gram hashes
combined from word hashes. Only rare code points (those that fold to zero or several
characters, or lie outside the BMP) go through
:func:`.spec.fold_char` one at a time. Pure: no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from consentry.errors import ValidationError
from consentry.fingerprints.fold_tables import (
    DROP,
    MULTI,
    SOLO,
    ascii_bytes,
    ascii_translation,
    fold_code,
    fold_table,
)
from consentry.fingerprints.spec import (
    BASE,
    CANON_VERSION,
    MASK64,
    VERSIONS,
    CanonSpec,
    check_version,
    hyphen_joins,
)

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

try:
    from consentry.fingerprints import _canon as _c
except ImportError:  # built without a C compiler: the numpy kernel serves
    _c = None  # type: ignore[assignment]

KERNEL = "c" if _c is not None else "numpy"
IMPLS = ("c", "numpy") if _c is not None else ("numpy",)

BASE_INV = pow(BASE, -1, 1 << 64)
SEGMENT = 1 << 18  # code points per prefix-sum segment (cache-sized)
_R, _N, _M = ord("r"), ord("n"), ord("m")

_pow_cache: dict[str, U64] = {}


# The cached power tables stop growing here (2 x 32 MiB): a longer text computes its own.
MAX_CACHED_POWS = 1 << 22


def _pows(n: int) -> tuple[U64, U64]:
    """B**j and B**-j mod 2**64 for j < n (at least), cached and grown by doubling up to
    MAX_CACHED_POWS entries (bounded in bytes); beyond that computed for the call only."""
    cur = _pow_cache.get("b")
    if cur is None or len(cur) < n:
        size = max(n, min(2 * (0 if cur is None else len(cur)), MAX_CACHED_POWS), 1 << 16)
        tables = []
        for base in (BASE, BASE_INV):
            a = np.full(size, base, dtype=np.uint64)
            a[0] = 1
            tables.append(np.cumprod(a, dtype=np.uint64))
        if size > MAX_CACHED_POWS:
            return tables[0], tables[1]
        _pow_cache["b"], _pow_cache["i"] = tables
    return _pow_cache["b"], _pow_cache["i"]


@dataclass(frozen=True, slots=True)
class _EditMap:
    """Maps indices of an edited array back to the array before the edits.

    Edits are sparse: input position ``pos[e]`` became ``out_len[e]`` output elements
    (0 = deleted, 2+ = expanded); every other element was copied one for one.
    """

    pos: I64
    out_len: I64
    first: I64  # output index of each edit's first element
    shift_after: I64  # output index - input index after each edit

    @classmethod
    def of(cls, pos: I64, out_len: I64) -> _EditMap:
        delta = out_len - 1
        after = np.cumsum(delta)
        return cls(pos=pos, out_len=out_len, first=pos + after - delta, shift_after=after)

    def forward(self, i: I64) -> I64:
        """Output index of input index ``i`` (where its first output element is or would be)."""
        e = np.searchsorted(self.pos, i, side="left") - 1
        out: I64 = np.where(e >= 0, i + self.shift_after[np.maximum(e, 0)], i)
        return out

    def __call__(self, j: I64) -> I64:
        e = np.searchsorted(self.first, j, side="right") - 1
        ok = e >= 0
        res = j.copy()
        if ok.any():
            ee, jj = e[ok], j[ok]
            inside = jj < self.first[ee] + self.out_len[ee]
            res[ok] = np.where(inside, self.pos[ee], jj - self.shift_after[ee])
        return res


@dataclass(frozen=True, slots=True)
class CanonBatch:
    """The canonical words of a batch of texts, as arrays (one entry per word).

    Original offsets are computed on demand (:meth:`offsets`), for the few words that matter.
    """

    doc_words: I64  # word index where each text starts, len = texts + 1
    word_hash: U64  # polynomial hash of the word (before fmix64)
    word_len: I64  # code points in the canonical word
    folded_start: I64  # [start, end) of the word in the folded batch (in the joined original
    folded_end: I64  # batch when ``maps`` is empty, as the compiled kernel gives them)
    maps: tuple[_EditMap, ...]  # folded -> original, outermost first
    base: I64  # offset of each text in the joined batch

    @property
    def texts(self) -> int:
        return len(self.doc_words) - 1

    def offsets(self, words: I64) -> tuple[I64, I64]:
        """[start, end) in the original text of its document, for batch word indices."""
        words = np.asarray(words, dtype=np.int64)
        start = self.folded_start[words]
        end = self.folded_end[words]
        last = end - 1
        for m in self.maps:
            start, end, last = m(start), m(end), m(last)
        if self.maps:
            end = np.maximum(end, last + 1)
        doc = np.searchsorted(self.doc_words, words, side="right") - 1
        return start - self.base[doc], end - self.base[doc]

    @property
    def word_start(self) -> I64:
        return self.offsets(np.arange(len(self.word_hash)))[0]

    @property
    def word_end(self) -> I64:
        return self.offsets(np.arange(len(self.word_hash)))[1]


def _edits(
    joined: str, codes: npt.NDArray[Any], joins: list[tuple[int, int]], ocr_fold: bool, version: str
) -> tuple[npt.NDArray[Any], _EditMap | None]:
    """Step 1's deleted ranges and the fold's non one-for-one code points (DROP: deleted,
    SOLO: separator, c, separator, MULTI: expanded one at a time) applied to the folded
    codes, with the edit map back to ``joined`` (None when there are none)."""
    special = np.flatnonzero(codes >= SOLO) if codes.dtype == np.uint32 else np.empty(0, np.int64)
    if not joins and not len(special):
        return codes, None
    deleted = [np.arange(a, b, dtype=np.int64) for a, b in joins]
    del_pos = np.concatenate(deleted) if deleted else np.empty(0, dtype=np.int64)
    if len(del_pos):
        marked = np.zeros(len(codes), dtype=bool)
        marked[special] = True
        marked[del_pos] = True
        pos = np.flatnonzero(marked)
        deleted_mask = np.zeros(len(codes), dtype=bool)
        deleted_mask[del_pos] = True
        is_del = deleted_mask[pos]
    else:
        pos, is_del = special, np.zeros(len(special), dtype=bool)
    out_len = np.zeros(len(pos), dtype=np.int64)  # deleted and DROP: 0
    expansions: dict[int, list[int]] = {}
    at = codes[pos]
    solo = ~is_del & (at >= SOLO) & (at < DROP)
    out_len[solo] = 3
    for e in np.flatnonzero(~is_del & (at == MULTI)).tolist():
        i = int(pos[e])
        exp = fold_code(joined[i], ocr_fold, version)
        expansions[i] = exp
        out_len[e] = len(exp)
    if expansions or solo.any():
        lengths = np.ones(len(codes), dtype=np.int64)
        lengths[pos] = out_len
        first = np.cumsum(lengths) - lengths
        out = np.repeat(codes, lengths)
        f = first[pos[solo]]  # (separator, c, separator), vectorised
        out[f] = 0
        out[f + 1] = at[solo] & ~SOLO
        out[f + 2] = 0
        for i, exp in expansions.items():
            p = int(first[i])
            out[p : p + len(exp)] = exp
        codes = out
    else:
        keep = np.ones(len(codes), dtype=bool)
        keep[pos] = False
        codes = codes[keep]
    return codes, _EditMap.of(pos, out_len)


def _fold(
    joined: str, ocr_fold: bool, version: str
) -> tuple[npt.NDArray[np.uint32], list[_EditMap]]:
    """Folded code points (0 = separator) and the edit maps back to the original (outermost
    edit first)."""
    joins = hyphen_joins(joined) if "-" in joined else []
    raw = ascii_bytes(joined, version)
    if raw is not None:
        folded = raw.translate(ascii_translation(ocr_fold))
        codes: npt.NDArray[Any] = np.frombuffer(folded, dtype=np.uint8)
    else:
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        big = cps >= 0x10000
        codes = fold_table(0x10000, ocr_fold, version)[np.where(big, 0, cps)]
        if big.any():
            codes[big] = MULTI
    maps: list[_EditMap] = []
    codes, edits = _edits(joined, codes, joins, ocr_fold, version)
    if edits is not None:
        maps.append(edits)
    if ocr_fold and len(codes) > 1:
        rn = np.flatnonzero((codes[:-1] == _R) & (codes[1:] == _N))
        if len(rn):
            codes = np.delete(codes, rn + 1)
            codes[rn - np.arange(len(rn))] = _M
            maps.insert(0, _EditMap.of(rn + 1, np.zeros(len(rn), dtype=np.int64)))
    return codes, maps


def _impl(impl: str | None) -> str:
    if impl is None:
        return KERNEL
    if impl not in IMPLS:
        raise ValidationError(
            f"fingerprint kernel {impl!r} is not available here, expected one of {IMPLS}",
            field="impl",
            value=impl,
            expected=" | ".join(IMPLS),
        )
    return impl


def canon_batch(
    texts: Sequence[str],
    *,
    ocr_fold: bool = True,
    version: str = CANON_VERSION,
    impl: str | None = None,
) -> CanonBatch:
    """Steps 1-4 of ``version`` over a batch of texts, with per-word hashes and original
    offsets."""
    check_version(version)
    if _impl(impl) == "c":
        return _canon_batch_c(texts, ocr_fold, version)
    joined = "\x00".join(texts)
    base = _bases(texts)
    codes, maps = _fold(joined, ocr_fold, version)
    is_word = np.zeros(len(codes) + 2, dtype=bool)
    np.not_equal(codes, 0, out=is_word[1:-1])
    change = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = change[0::2], change[1::2]
    word_len = (ends - starts).astype(np.int64, copy=False)
    word_hash = _word_hashes(codes, starts, ends)
    base_out = base.copy()
    for m in reversed(maps):
        base_out = m.forward(base_out)
    # first word of text i = words that start before text i does (base_out is sorted)
    doc_words = np.searchsorted(starts, base_out, side="left").astype(np.int64, copy=False)
    return CanonBatch(
        doc_words=doc_words,
        word_hash=word_hash,
        word_len=word_len,
        folded_start=starts.astype(np.int64, copy=False),
        folded_end=ends.astype(np.int64, copy=False),
        maps=tuple(maps),
        base=base,
    )


_c_tables: dict[tuple[bool, str], npt.NDArray[np.uint32]] = {}
C_UNKNOWN = 0xFFFFFFFD  # a table entry the compiled kernel has not needed yet


@lru_cache(maxsize=131072)
def _c_fold(cp: int, ocr_fold: bool, version: str) -> tuple[int, ...]:
    """The folded code points of one code point (0 = separator), for the compiled kernel
    (which keeps ``(0, c, 0)``, a token of its own, in its table as ``SOLO | c``)."""
    if 0xD800 <= cp <= 0xDFFF:
        return (0,)  # lone surrogates are separators
    return tuple(fold_code(chr(cp), ocr_fold, version))


_c_folds: dict[tuple[bool, str], Callable[[int], tuple[int, ...]]] = {
    (ocr, v): functools.partial(_c_fold, ocr_fold=ocr, version=v)
    for ocr in (False, True)
    for v in VERSIONS
}


def i64(buf: _c.Buf) -> I64:
    """An int64 result of the compiled kernel as a numpy array (no copy)."""
    return np.frombuffer(memoryview(buf), dtype=np.int64)


def u64(buf: _c.Buf) -> U64:
    """A uint64 result of the compiled kernel as a numpy array (no copy)."""
    return np.frombuffer(memoryview(buf), dtype=np.uint64)


def _c_table(
    ocr_fold: bool, version: str
) -> tuple[npt.NDArray[np.uint32], Callable[[int], tuple[int, ...]]]:
    table = _c_tables.get((ocr_fold, version))
    if table is None:  # filled in by the kernel, one code point at a time, as they occur
        table = _c_tables[(ocr_fold, version)] = np.full(1 << 16, C_UNKNOWN, dtype=np.uint32)
    return table, _c_folds[(ocr_fold, version)]


def _bases(texts: Sequence[str]) -> I64:
    """Offset of each text in the batch joined by one separator each (and of the end)."""
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    if texts:
        base[1:] = np.cumsum([len(t) + 1 for t in texts])
    return base


def _canon_batch_c(texts: Sequence[str], ocr_fold: bool, version: str) -> CanonBatch:
    assert _c is not None
    table, fold = _c_table(ocr_fold, version)
    doc_words, word_hash, word_len, start, end = _c.canon(list(texts), ocr_fold, table, fold)
    base = _bases(texts)
    return CanonBatch(
        doc_words=i64(doc_words),
        word_hash=u64(word_hash),
        word_len=i64(word_len),
        folded_start=i64(start),
        folded_end=i64(end),
        maps=(),
        base=base,
    )


def words_texts(
    texts: Sequence[str],
    *,
    ocr_fold: bool,
    version: str = CANON_VERSION,
    impl: str | None = None,
) -> list[str]:
    """Each text's canonical words joined by single spaces: ``spec.canonical_text`` of each
    (what ``canonical.canonical_words_text`` gives), in one compiled pass per text with the
    kernel's fold table; ``numpy`` (or no compiled kernel) is the string-speed Python path."""
    check_version(version)
    # a kernel built before words_text existed (an older build in place) takes the Python path
    if _impl(impl) == "c" and hasattr(_c, "words_text"):
        table, fold = _c_table(ocr_fold, version)
        return _c.words_text(list(texts), ocr_fold, table, fold)
    from consentry.fingerprints.canonical import canonical_words_text

    return [canonical_words_text(t, ocr_fold=ocr_fold, version=version) for t in texts]


def _word_hashes(codes: npt.NDArray[np.uint32], starts: I64, ends: I64) -> U64:
    out = np.empty(len(starts), dtype=np.uint64)
    if not len(starts):
        return out
    n_words = len(starts)
    w0 = 0
    while w0 < n_words:
        o = int(starts[w0])
        w1 = int(np.searchsorted(starts, o + SEGMENT, side="left"))
        w1 = max(w1, w0 + 1)
        o2 = int(ends[w1 - 1])
        bpow, binv = _pows(o2 - o + 1)
        q = np.zeros(o2 - o + 1, dtype=np.uint64)
        np.multiply(codes[o:o2], binv[: o2 - o], out=q[1:], dtype=np.uint64)
        np.cumsum(q[1:], out=q[1:])
        s = starts[w0:w1] - o
        e = ends[w0:w1] - o
        out[w0:w1] = bpow[e - 1] * (q[e] - q[s])
        w0 = w1
    return out


def bloom_contains(bloom: U64, q: U64) -> npt.NDArray[np.bool_]:
    """Which keys a Bloom prefilter may hold: ``bloom`` is uint64 words, a key sets two bits,
    ``key & 63`` and ``(key >> 6) & 63``, of word ``fastrange(key >> 32, len(bloom))``
    (``Index`` builds it; ``_canon_words.c`` reads it the same way)."""
    w = ((q >> np.uint64(32)) * np.uint64(len(bloom))) >> np.uint64(32)
    m = (np.uint64(1) << (q & np.uint64(63))) | (
        np.uint64(1) << ((q >> np.uint64(6)) & np.uint64(63))
    )
    return np.asarray((bloom[w.view(np.int64)] & m) == m)


@dataclass(frozen=True, slots=True)
class WordSpans:
    """Where the canonical words of a batch of texts are: the part of :class:`CanonBatch`
    that the scanner keeps (``start``/``end`` in the joined batch, ``base`` per text)."""

    doc_words: I64
    start: I64
    end: I64
    base: I64

    def offsets(self, words: I64) -> tuple[I64, I64]:
        """[start, end) in the original text of its document, for batch word indices."""
        words = np.asarray(words, dtype=np.int64)
        doc = np.searchsorted(self.doc_words, words, side="right") - 1
        return self.start[words] - self.base[doc], self.end[words] - self.base[doc]


def candidate_grams(
    texts: Sequence[str],
    k: int,
    *,
    ocr_fold: bool,
    bloom: U64 | None,
    version: str = CANON_VERSION,
    impl: str | None = None,
) -> tuple[WordSpans | CanonBatch, U64, I64]:
    """The scanner's step: the words of a batch, and its k-gram fingerprints (with their first
    word index) that ``bloom`` may hold (all of them when it is None). The compiled kernel
    does it in one pass per text, filtering while the text's words are in cache."""
    check_version(version)
    if _impl(impl) == "c":
        assert _c is not None
        table, fold = _c_table(ocr_fold, version)
        doc_words, start, end, h, first = _c.candidates(
            list(texts),
            ocr_fold,
            table,
            fold,
            k,
            None if bloom is None else np.ascontiguousarray(bloom, dtype=np.uint64),
        )
        spans = WordSpans(
            doc_words=i64(doc_words),
            start=i64(start),
            end=i64(end),
            base=_bases(texts),
        )
        return spans, u64(h), i64(first)
    cb = canon_batch(texts, ocr_fold=ocr_fold, version=version, impl="numpy")
    hashes, firsts = gram_hashes(cb, k, impl="numpy")
    if bloom is not None:
        keep = np.flatnonzero(bloom_contains(bloom, hashes))
        hashes, firsts = hashes[keep], firsts[keep]
    return cb, hashes, firsts


def fmix64(h: U64) -> U64:
    """murmur3 fmix64 over an array (wrapping uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def gram_hashes(batch: CanonBatch, k: int, *, impl: str | None = None) -> tuple[U64, I64]:
    """All k-gram fingerprints of the batch (not crossing texts) and their first word index."""
    if _impl(impl) == "c":
        assert _c is not None
        hb, fb = _c.grams(
            np.ascontiguousarray(batch.word_hash, dtype=np.uint64),
            np.ascontiguousarray(batch.word_len, dtype=np.int64),
            np.ascontiguousarray(batch.doc_words, dtype=np.int64),
            k,
        )
        return u64(hb), i64(fb)
    n = len(batch.word_hash)
    if n < k:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    m = n - k + 1
    bpow, _ = _pows(int(batch.word_len.max()) + 2)
    g = batch.word_hash[:m].copy()
    if k > 1:
        # appending " w" multiplies by B**(len(w)+1) and adds 32 * B**len(w) + hash(w)
        mul = bpow[batch.word_len + 1]
        add = np.uint64(32) * bpow[batch.word_len] + batch.word_hash
        for j in range(1, k):
            g *= mul[j : j + m]
            g += add[j : j + m]
    first = np.arange(m, dtype=np.int64)
    valid = np.ones(m, dtype=bool)
    for b in batch.doc_words[1:-1].tolist():  # grams that would cross into the next text
        valid[max(0, b - k + 1) : min(b, m)] = False
    if not valid.all():
        g, first = g[valid], first[valid]
    return fmix64(g), first


def winnow_positions(hashes: U64, window: int) -> I64:
    """Rightmost minimum of every window of ``window`` hashes, each position once."""
    n = len(hashes)
    if window <= 1 or n == 0:
        return np.arange(n, dtype=np.int64)
    if n <= window:
        rev = hashes[::-1]
        return np.array([n - 1 - int(np.argmin(rev))], dtype=np.int64)
    view = np.lib.stride_tricks.sliding_window_view(hashes, window)[:, ::-1]
    pos: I64 = np.arange(n - window + 1, dtype=np.int64) + (window - 1 - view.argmin(axis=1))
    keep = np.ones(len(pos), dtype=bool)
    keep[1:] = pos[1:] != pos[:-1]
    return pos[keep]


def fingerprints(
    text: str, spec: CanonSpec = CanonSpec(), *, impl: str | None = None
) -> tuple[U64, I64]:
    """(fingerprints, word positions) of one text under ``spec``; equals the reference."""
    batch = canon_batch([text], ocr_fold=spec.ocr_fold, version=spec.version, impl=impl)
    h, pos = gram_hashes(batch, spec.k, impl=impl)
    if spec.window > 1:
        sel = winnow_positions(h, spec.window)
        h, pos = h[sel], pos[sel]
    return h, pos


def as_int(h: np.uint64) -> int:
    return int(h) & MASK64
