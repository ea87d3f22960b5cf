"""The single-file fingerprint index (bundle): its layout, and :class:`Index`, which reads it
memory-mapped (:mod:`.builder` writes it, out of core).

Layout (all integers little-endian)::

    8 bytes   magic  b"CSFIDX1\\n"
    8 bytes   header length H (uint64)
    H bytes   header: UTF-8 JSON (spec, filter, works, counts, sections), space-padded so the
              arrays start on a 64-byte boundary
    8N bytes  fingerprints, uint64, sorted ascending (ties by work, then position)
    4N bytes  work numbers, uint32 (index into header["works"])
    4N bytes  word positions, uint32 (first word of the gram in the work)
    ...       optional: the works' words as written (case-folded), zstd frames (only when asked for)

16 bytes per stored fingerprint. The postings are built in ``2**shard_bits`` partitions by the
top bits of the fingerprint, each sorted in memory on its own, so registries far larger than
memory build in one pass plus one sort per partition. The optional prefilter is a blocked
Bloom filter of 16 bits (2 bytes) per fingerprint, built in memory when the index is opened.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import zstandard

from consentry.caches import BoundedCache
from consentry.errors import ScanError
from consentry.fingerprints.kernel import (
    CanonBatch,
    WordSpans,
    bloom_contains,
    candidate_grams,
    i64,
    u64,
)
from consentry.fingerprints.spec import CanonSpec

try:  # the compiled look-ups; numpy serves where the extension was not built
    from consentry.fingerprints import _canon as _c
except ImportError:
    _c = None  # type: ignore[assignment]

MAGIC = b"CSFIDX1\n"
FORMAT = "consentry-index-1"
POSTING = np.dtype([("fp", "<u8"), ("work", "<u4"), ("pos", "<u4")])
U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- reading
def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    """The index's JSON header and its length in bytes; ScanError naming what is wrong."""
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
            if magic != MAGIC:
                raise ScanError(
                    f"{path} is not a consentry index: starts with {magic!r}, expected {MAGIC!r}",
                    path=str(path),
                )
            hlen = int.from_bytes(f.read(8), "little")
            if hlen > 1 << 34:
                raise ScanError(f"{path}: header length {hlen} is not plausible")
            raw = f.read(hlen)
        header: dict[str, Any] = json.loads(raw)
    except OSError as exc:
        raise ScanError(f"cannot read index {path}: {exc.strerror}", path=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError(f"{path}: index header is not valid JSON ({exc})") from exc
    if header.get("format") != FORMAT:
        raise ScanError(f"{path}: index format {header.get('format')!r}, expected {FORMAT!r}")
    return header, hlen


def _check_layout(path: Path, base: int, n: int) -> None:
    """The file holds ``n`` entries' arrays from byte ``base``, 8-byte aligned."""
    size = path.stat().st_size
    need = base + 16 * n
    if size < need:
        raise ScanError(
            f"{path} is truncated: {size} bytes, expected at least {need}", path=str(path)
        )
    if base % 8:
        raise ScanError(
            f"{path}: arrays start at byte {base}, expected a multiple of 8 "
            "(the header is padded to a 64-byte boundary)",
            path=str(path),
        )


class Index:
    """A memory-mapped index with an optional in-memory Bloom prefilter (2 bytes/fingerprint)."""

    def __init__(self, path: str | Path, *, prefilter: bool = True) -> None:
        self.path = Path(path)
        self.header, hlen = _read_header(self.path)
        self.spec = CanonSpec.from_dict(self.header["spec"])
        n = int(self.header["count"])
        base = 16 + hlen
        _check_layout(self.path, base, n)
        self.count = n
        # large per-work lists move out of the header into compact arrays
        self.work_ids: list[str] = self.header.pop("works")
        self.work_words = np.asarray(self.header.pop("work_words"), dtype=np.int64)
        self._text_offsets = np.asarray(self.header.pop("text_offsets", [0]), dtype=np.int64)
        self.header["works"] = len(self.work_ids)
        self._read_text_groups()
        if n:
            # plain arrays over one read-only map of the file (np.memmap's subclass costs
            # about 0.1 ms per indexing call, and the matcher indexes it a few times a batch)
            with open(self.path, "rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            self.fps: U64 = np.frombuffer(self._map, dtype="<u8", count=n, offset=base)
            self.works: U32 = np.frombuffer(self._map, dtype="<u4", count=n, offset=base + 8 * n)
            self.pos: U32 = np.frombuffer(self._map, dtype="<u4", count=n, offset=base + 12 * n)
        else:
            self.fps = np.empty(0, dtype=np.uint64)
            self.works = np.empty(0, dtype=np.uint32)
            self.pos = np.empty(0, dtype=np.uint32)
        self._text_base = base + 16 * n
        # Texts of matched works: bounded in bytes (one book is megabytes; 64 of them were
        # kept whatever their size).
        self._text_cache: BoundedCache[int, tuple[str, I64]] = BoundedCache(
            "work texts", max_entries=64, max_bytes=64 * 1024 * 1024, max_key_bytes=64
        )
        self._sorted_checked = False
        self.bloom: U64 | None = self._build_bloom() if prefilter and n else None
        self._buckets: I64 | None = None  # built on first look-up (see _lower_bound)

    def _read_text_groups(self) -> None:
        """Works that share a text (see :mod:`.duplicates`): ``copies[w]`` the works whose
        postings work ``w`` holds (identical texts), ``text_group[w]`` the ids of every work
        sharing w's text, w's included. Empty for indexes built before groups existed."""
        n = len(self.work_ids)
        self.copies: dict[int, list[int]] = {}
        self.text_group: dict[int, tuple[str, ...]] = {}
        for same in self.header.pop("identical_texts", []):
            if any(not 0 <= int(w) < n for w in same):
                raise self._damaged_groups(same)
            self.copies[int(same[0])] = [int(w) for w in same[1:]]
        for group in self.header.pop("text_groups", []):
            if any(not 0 <= int(w) < n for w in group):
                raise self._damaged_groups(group)
            ids = tuple(sorted(self.work_ids[int(w)] for w in group))
            for w in group:
                self.text_group[int(w)] = ids

    def _damaged_groups(self, group: list[Any]) -> ScanError:
        return ScanError(
            f"{self.path} is damaged: a text group names works {group}, expected work "
            f"numbers < {len(self.work_ids)} (the works in its header)",
            path=str(self.path),
        )

    # Bloom: word = fastrange(top 32 bits); two bits from the low 12 bits of the fingerprint
    def _build_bloom(self) -> U64:
        nwords = max(1, (self.count + 3) // 4)  # 64 bits per 4 fingerprints = 2 bytes each
        if _c is not None:
            try:
                bloom = u64(_c.bloom_build(self.fps, nwords))
            except ValueError as exc:  # the fingerprints are out of order
                raise self._damaged(str(exc)) from None
            self._sorted_checked = True
            return bloom
        self._check_sorted()
        bloom = np.zeros(nwords, dtype=np.uint64)
        nw = np.uint64(nwords)
        step = 1 << 22
        for a in range(0, self.count, step):
            h = np.asarray(self.fps[a : a + step])
            w = ((h >> np.uint64(32)) * nw) >> np.uint64(32)
            m = (np.uint64(1) << (h & np.uint64(63))) | (
                np.uint64(1) << ((h >> np.uint64(6)) & np.uint64(63))
            )
            first = np.flatnonzero(np.concatenate(([True], w[1:] != w[:-1])))
            bloom[w[first].astype(np.int64)] |= np.bitwise_or.reduceat(m, first)
        return bloom

    def maybe_contains(self, q: U64) -> npt.NDArray[np.bool_]:
        if self.bloom is None:
            return np.ones(len(q), dtype=bool)
        return bloom_contains(self.bloom, q)

    def candidates(self, texts: Sequence[str]) -> tuple[WordSpans | CanonBatch, U64, I64]:
        """The words of a batch of texts, and their k-gram fingerprints (with the first word of
        each) that may be in the index: the prefilter passes them (all, without one)."""
        return candidate_grams(
            texts,
            self.spec.k,
            ocr_fold=self.spec.ocr_fold,
            version=self.spec.version,
            bloom=self.bloom,
        )

    def lookup(self, q: U64, *, prefiltered: bool = False) -> tuple[I64, U32, U32]:
        """All postings of the query fingerprints: (query index, work number, work position).
        ``prefiltered``: the caller already dropped what the prefilter rules out."""
        if not len(q) or not self.count:
            e = np.empty(0, dtype=np.uint32)
            return np.empty(0, dtype=np.int64), e, e
        if _c is not None:
            if not prefiltered:
                keep = np.flatnonzero(self.maybe_contains(q))
                q = q[keep]
            buckets = self._bucket_table()
            qi_b, idx_b = _c.lookup(
                np.ascontiguousarray(q, dtype=np.uint64), self.fps, buckets, self._bucket_shift
            )
            qi = i64(qi_b)
            idx = i64(idx_b)
            if not prefiltered:
                qi = keep[qi]
            return qi, self._checked_works(self.works[idx]), self.pos[idx]
        if prefiltered:
            cand = np.arange(len(q), dtype=np.int64)
        else:
            cand = np.flatnonzero(self.maybe_contains(q))
        if not len(cand):
            e = np.empty(0, dtype=np.uint32)
            return np.empty(0, dtype=np.int64), e, e
        qc = q[cand]
        order = np.argsort(qc)  # sorted keys make the binary searches cache-friendly
        cand, qc = cand[order], qc[order]
        lo = self._lower_bound(qc)
        lo_ok = lo < self.count
        lo, cand, qc = lo[lo_ok], cand[lo_ok], qc[lo_ok]
        hit = np.asarray(self.fps[lo]) == qc
        cand, lo, qc = cand[hit], lo[hit], qc[hit]
        # postings of one fingerprint are adjacent; most fingerprints have one
        qs, idxs = [cand], [lo]
        nxt = lo + 1
        while len(nxt):
            ok = nxt < self.count
            nxt, cand, qc = nxt[ok], cand[ok], qc[ok]
            same = np.asarray(self.fps[nxt]) == qc
            nxt, cand, qc = nxt[same], cand[same], qc[same]
            if len(nxt):
                qs.append(cand)
                idxs.append(nxt)
                nxt = nxt + 1
        qi = np.concatenate(qs)
        idx = np.concatenate(idxs)
        return (
            qi.astype(np.int64, copy=False),
            self._checked_works(np.asarray(self.works[idx])),
            np.asarray(self.pos[idx]),
        )

    def _checked_works(self, works: U32) -> U32:
        """Work numbers of postings, each an index into the header's works (else the file is
        damaged: checked on the postings found, not the whole file)."""
        if len(works) and int(works.max()) >= len(self.work_ids):
            raise ScanError(
                f"{self.path} is damaged: a posting names work number {int(works.max())}, "
                f"expected < {len(self.work_ids)} (the works in its header)",
                path=str(self.path),
            )
        return works

    def _damaged(self, detail: str) -> ScanError:
        return ScanError(
            f"{self.path} is damaged: {detail}, expected fingerprints in ascending order",
            path=str(self.path),
        )

    def _check_sorted(self) -> None:
        """Look-ups rely on the fingerprints' order; a damaged file fails here, once, instead
        of silently missing matches (the compiled prefilter build checks it on the way)."""
        if self._sorted_checked:
            return
        step = 1 << 22
        for a in range(0, self.count, step):
            chunk = self.fps[a : a + step + 1]
            bad = np.flatnonzero(chunk[1:] < chunk[:-1])
            if len(bad):
                i = a + int(bad[0]) + 1
                raise self._damaged(f"keys are not sorted: keys[{i}] < keys[{i - 1}]")
        self._sorted_checked = True

    def _bucket_table(self) -> I64:
        """Where each value of the top ``bits`` bits of the fingerprints starts (about 64
        fingerprints a bucket, at most 2**16 + 1 entries), built on first use."""
        if self._buckets is None:
            self._check_sorted()
            bits = max(0, min(16, self.count.bit_length() - 7))
            shift = 64 - bits
            bounds = np.arange(1, 1 << bits, dtype=np.uint64) << np.uint64(shift)
            t = np.empty((1 << bits) + 1, dtype=np.int64)
            t[0] = 0
            t[1:-1] = np.searchsorted(self.fps, bounds, side="left")
            t[-1] = self.count
            self._buckets = t
            self._bucket_shift = shift
            self._bucket_steps = int(np.max(np.diff(t))).bit_length()
        return self._buckets

    def _lower_bound(self, qc: U64) -> I64:
        """``np.searchsorted(self.fps, qc, side="left")``, faster for many keys: a table of
        where each value of the top ``bits`` bits starts (about 64 fingerprints a bucket, at
        most 2**16 + 1 entries) narrows each key's range, then a vectorised binary search
        runs in those small ranges (fewer page and cache misses than searching the whole
        memory map)."""
        t = self._bucket_table()
        if self._bucket_shift < 64:
            b = (qc >> np.uint64(self._bucket_shift)).astype(np.int64)
        else:
            b = np.zeros(len(qc), dtype=np.int64)
        lo, hi = t[b], t[b + 1]
        fps = self.fps
        last = self.count - 1
        for _ in range(self._bucket_steps):
            mid = (lo + hi) >> 1
            less = (lo < hi) & (np.asarray(fps[np.minimum(mid, last)]) < qc)
            lo = np.where(less, mid + 1, lo)
            hi = np.where(less | (lo >= hi), hi, mid)
        return lo

    @property
    def n_works(self) -> int:
        return len(self.work_ids)

    def has_texts(self) -> bool:
        return bool(self.header.get("texts"))

    def work_words_text(self, work: int) -> list[str] | None:
        """Surface words (as written, case-folded) of a work, if the index stores them."""
        if not self.has_texts():
            return None
        return self.work_text(work)[0].split(" ")

    def work_text(self, work: int) -> tuple[str, I64]:
        """The stored surface words of a work joined by single spaces, and where each word
        starts in that string (one more entry: the string's length + 1), so the words
        ``i..j-1`` joined by spaces are ``text[off[i] : off[j] - 1]``. ("", [0, 1]) when the
        index stores no texts."""
        got = self._text_cache.get(work)
        if got is None:
            if not self.has_texts():
                return "", np.array([0, 1], dtype=np.int64)
            a, b = int(self._text_offsets[work]), int(self._text_offsets[work + 1])
            with open(self.path, "rb") as f:
                f.seek(self._text_base + a)
                raw = f.read(b - a)
            text = zstandard.ZstdDecompressor().decompress(raw).decode("utf-8")
            if text.isascii():
                cps: npt.NDArray[Any] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
            else:
                cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            off = np.empty(int(np.count_nonzero(cps == 32)) + 2, dtype=np.int64)
            off[0] = 0
            off[1:-1] = np.flatnonzero(cps == 32) + 1
            off[-1] = len(text) + 1
            got = (text, off)
            self._text_cache.put(work, got, size=sys.getsizeof(text) + off.nbytes)
        return got

    def memory_bytes(self) -> int:
        """Bytes held in memory beyond the memory map (the prefilter)."""
        return 0 if self.bloom is None else int(self.bloom.nbytes)

    def describe(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sha256_header": hashlib.sha256(
                json.dumps(self.header, sort_keys=True).encode()
            ).hexdigest(),
            "format": FORMAT,
            "spec": self.spec.to_dict(),
            "common": self.header.get("common"),
            "works": len(self.work_ids),
            "fingerprints": self.count,
            "work_selection": self.header.get("work_selection"),
            "guaranteed_words": {
                sel: CanonSpec(k=self.spec.k, selection=sel).guaranteed_words
                for _, _, sel in self.header.get("work_selection", [])
            },
            "texts": self.has_texts(),
            "duplicates": self.header.get("duplicates"),
        }
