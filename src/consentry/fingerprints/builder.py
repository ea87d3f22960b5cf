"""Building an index file (see :mod:`.index` for the layout): :class:`IndexBuilder`, out
of core, from texts or from fingerprints already stored in the registry."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import zstandard

from consentry.errors import ScanError, ValidationError
from consentry.fingerprints.canonical import canonical_words_text
from consentry.fingerprints.common import (
    CommonFilter,
    common_mask_groups,
    drop_repeats,
    in_sorted,
    protected_works,
)
from consentry.fingerprints.duplicates import (
    TextGroups,
    batch_keys,
    find_groups,
    signatures,
)
from consentry.fingerprints.index import FORMAT, MAGIC, POSTING, U64
from consentry.fingerprints.kernel import canon_batch, gram_hashes, winnow_positions
from consentry.fingerprints.spec import CANON_V1, CanonSpec
from consentry.text import is_utf8


def _check_work_id(work_id: str) -> None:
    if (
        not work_id
        or len(work_id) > 512
        or any(c in work_id for c in "\n\r\x00")
        or not is_utf8(work_id)  # e.g. a file name's undecodable bytes, as surrogates
    ):
        raise ValidationError(
            f"work id {work_id!r} is not valid, expected 1-512 characters of UTF-8 text "
            "without line breaks",
            field="work_id",
            value=work_id,
            expected="1-512 characters of UTF-8 text, no line breaks",
        )


def _same_length(name: str, values: Any, want: int, of: str) -> None:
    if len(values) != want:
        raise ValidationError(
            f"{len(values)} {name} for {want} {of}, expected one each",
            field=name,
            value=len(values),
            expected=str(want),
        )


@dataclass
class IndexBuilder:
    """Adds works one at a time; :meth:`finish` writes the index file.

    ``spec.selection`` is the default selection; :meth:`add_text` can override it per work
    (for example dense for a curated set, winnowing for a huge bulk), and the header records
    each work's selection. Scans always look up every gram, so either kind is found.
    """

    out: Path
    spec: CanonSpec = field(default_factory=CanonSpec)
    common: CommonFilter = field(default_factory=CommonFilter)
    background: U64 | None = None  # sorted unique fingerprints to drop
    shard_bits: int = 6
    store_text: bool = False
    spill_dir: Path | None = None
    buffer_postings: int = 1 << 24
    # works whose fingerprint sets have at least this estimated Jaccard resemblance share a
    # text (one text for the common-gram filter; reported together)
    same_text_jaccard: float = 0.8

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if not 0.0 < self.same_text_jaccard <= 1.0:
            raise ValidationError(
                f"same_text_jaccard {self.same_text_jaccard} is out of range, expected a "
                "number in (0, 1]",
                field="same_text_jaccard",
                value=self.same_text_jaccard,
                expected="(0, 1]",
            )
        if not 0 <= self.shard_bits <= 12:
            raise ValidationError(
                f"shard_bits {self.shard_bits} is out of range, expected 0..12",
                field="shard_bits",
                value=self.shard_bits,
                expected="0..12",
            )
        self._tmp = Path(tempfile.mkdtemp(prefix="csfidx-", dir=self.spill_dir))
        self._works: list[str] = []
        self._ids: set[str] = set()
        self._words: list[int] = []
        self._selection: list[str] = []
        self._buf: list[npt.NDArray[Any]] = []
        self._buffered = 0
        self._texts: list[bytes] = []
        self._zc = zstandard.ZstdCompressor(level=9)
        # per work, to find works sharing a text (see .duplicates): key, signature, postings?
        self._keys = bytearray()
        self._sigs: list[npt.NDArray[np.uint16]] = []
        self._has: list[npt.NDArray[np.bool_]] = []

    # ----------------------------------------------------------------- adding works
    def add_text(self, work_id: str, text: str, *, selection: str | None = None) -> int:
        """Fingerprint ``text`` under the spec and add it; returns the fingerprints kept."""
        spec = (
            self.spec
            if selection is None
            else CanonSpec(
                k=self.spec.k,
                ocr_fold=self.spec.ocr_fold,
                selection=selection,
                version=self.spec.version,
            )
        )
        batch = canon_batch([text], ocr_fold=spec.ocr_fold, version=spec.version)
        h, pos = gram_hashes(batch, spec.k)
        if spec.window > 1:
            sel = winnow_positions(h, spec.window)
            h, pos = h[sel], pos[sel]
        canon = None
        if self.store_text:
            # canon-v1 stored the words as written; canon-v2 stores the canonical words, and
            # confirmation canonicalises the document's side the same way (scan.match)
            canon = (
                _canonical_from_batch(text, batch)
                if spec.version == CANON_V1
                else canonical_words_text(text, ocr_fold=spec.ocr_fold, version=spec.version)
            )
        return self.add_fingerprints(
            work_id, h, pos, words=len(batch.word_hash), selection=spec.selection, text=canon
        )

    def add_fingerprints(
        self,
        work_id: str,
        fps: U64,
        positions: npt.NDArray[Any],
        *,
        words: int,
        selection: str = "all",
        text: str | None = None,
    ) -> int:
        """Add a work from fingerprints already computed under this builder's spec."""
        self._check_new_ids([work_id])
        _same_length("positions", positions, len(fps), f"fingerprints of {work_id!r}")
        wnum = len(self._works)
        self._ids.add(work_id)
        self._works.append(work_id)
        self._words.append(int(words))
        self._selection.append(selection)
        if self.store_text:
            self._texts.append(self._zc.compress((text or "").encode("utf-8")))
        fps = np.asarray(fps, dtype=np.uint64)
        keep = drop_repeats(fps, self.common.max_repeats)
        self._note_texts(fps[keep], np.asarray(positions)[keep], None, [int(words)], selection)
        return self._buffer(fps, keep, wnum, positions)

    def add_batch(
        self,
        work_ids: list[str],
        fps: U64,
        positions: npt.NDArray[Any],
        owners: npt.NDArray[Any],
        *,
        words: list[int],
        selection: str = "all",
    ) -> int:
        """Add many works at once: ``owners[i]`` is the index in ``work_ids`` of ``fps[i]``
        (for bulk builds of very large registries; no per-work Python work)."""
        self._check_new_ids(work_ids)
        _same_length("words", words, len(work_ids), "work ids")
        _same_length("positions", positions, len(fps), "fingerprints")
        _same_length("owners", owners, len(fps), "fingerprints")
        owners = np.asarray(owners, dtype=np.int64)
        if len(owners) and (int(owners.min()) < 0 or int(owners.max()) >= len(work_ids)):
            bad = int(owners.min()) if int(owners.min()) < 0 else int(owners.max())
            raise ValidationError(
                f"owner {bad} is out of range, expected 0..{len(work_ids) - 1} "
                "(an index into work_ids)",
                field="owners",
                value=bad,
                expected=f"0..{len(work_ids) - 1}",
            )
        if self.store_text:  # bulk works have no stored words: confirmed by hit coverage
            empty = self._zc.compress(b"")
            self._texts.extend([empty] * len(work_ids))
        first = len(self._works)
        self._works.extend(work_ids)
        self._ids.update(work_ids)
        self._words.extend(int(w) for w in words)
        self._selection.extend([selection] * len(work_ids))
        order = np.lexsort((fps, owners))
        f_sorted, o_sorted = fps[order], owners[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (f_sorted[1:] != f_sorted[:-1]) | (o_sorted[1:] != o_sorted[:-1])
        run = np.cumsum(new) - 1
        counts = np.bincount(run)
        keep = np.empty(len(order), dtype=bool)
        keep[order] = counts[run] <= self.common.max_repeats
        self._note_texts(
            fps[keep], np.asarray(positions)[keep], owners[keep], [int(w) for w in words], selection
        )
        return self._buffer(fps, keep, owners + first, positions)

    def _note_texts(
        self,
        fps: U64,
        positions: npt.NDArray[Any],
        owners: npt.NDArray[np.int64] | None,
        words: list[int],
        selection: str,
    ) -> None:
        """Text key, signature and whether it has postings, of each work added (``owners``
        numbers them from 0 among these; None: one work)."""
        n = len(words)
        if owners is None:
            owners = np.zeros(len(fps), dtype=np.int64)
        self._keys += batch_keys(fps, positions, owners, n, words, selection)
        self._sigs.append(signatures(fps, owners, n))
        self._has.append(np.bincount(owners, minlength=n) > 0)

    def _buffer(
        self, fps: U64, keep: npt.NDArray[np.bool_], work: Any, positions: npt.NDArray[Any]
    ) -> int:
        """Postings of the fingerprints ``keep`` selects, less the background's, buffered
        (spilled to disk past ``buffer_postings``); ``work`` is one number or one per
        fingerprint. Returns the postings kept."""
        if self.background is not None:
            keep &= ~in_sorted(fps, self.background)
        rec = np.empty(int(keep.sum()), dtype=POSTING)
        rec["fp"] = fps[keep]
        rec["work"] = work if np.isscalar(work) else np.asarray(work)[keep]
        rec["pos"] = np.asarray(positions)[keep]
        self._buf.append(rec)
        self._buffered += len(rec)
        if self._buffered >= self.buffer_postings:
            self._spill()
        return len(rec)

    def _check_new_ids(self, work_ids: list[str]) -> None:
        """Each id valid, not added before and not twice among these; room in the index."""
        seen: set[str] = set()
        for wid in work_ids:
            _check_work_id(wid)
            if wid in self._ids or wid in seen:
                raise ValidationError(
                    f"work id {wid!r} is added twice, expected each work once",
                    field="work_id",
                    value=wid,
                    expected="unique work ids",
                )
            seen.add(wid)
        if len(self._works) + len(work_ids) > 0xFFFFFFFF:
            raise ScanError("an index holds at most 2**32-1 works")

    def _spill(self) -> None:
        if not self._buf:
            return
        rec = np.concatenate(self._buf)
        self._buf, self._buffered = [], 0
        shard = (
            (rec["fp"] >> np.uint64(64 - self.shard_bits)).astype(np.int64)
            if self.shard_bits
            else np.zeros(len(rec), dtype=np.int64)
        )
        order = np.argsort(shard, kind="stable")
        rec, shard = rec[order], shard[order]
        bounds = np.searchsorted(shard, np.arange((1 << self.shard_bits) + 1))
        for s in range(1 << self.shard_bits):
            a, b = int(bounds[s]), int(bounds[s + 1])
            if a < b:
                with open(self._tmp / f"shard-{s:04d}.bin", "ab") as f:
                    f.write(rec[a:b].tobytes())

    # ----------------------------------------------------------------- writing
    def finish(self) -> IndexInfo:
        """Sort each partition, drop common fingerprints, and write the single index file."""
        self._spill()
        groups = self._text_groups()
        shard_starts, total, dropped, kept = self._sort_partitions(groups)
        duplicates = _duplicates_summary(groups, self._works, self.same_text_jaccard)
        header: dict[str, Any] = {
            "format": FORMAT,
            "spec": self.spec.to_dict(),
            "common": self.common.to_dict(),
            "count": total,
            "dropped_common": dropped,
            # works that keep their common fingerprints (CommonFilter.max_dropped_share)
            "common_kept": [self._works[w] for w in kept],
            "shard_bits": self.shard_bits,
            "shard_starts": shard_starts,
            "works": self._works,
            "work_words": self._words,
            "work_selection": _runs(self._selection),
            "texts": bool(self._texts),
            "duplicates": {k: v for k, v in duplicates.items() if k != "works"},
            "text_groups": groups.groups,
            "identical_texts": groups.identical,
        }
        if self._texts:
            offs = np.zeros(len(self._texts) + 1, dtype=np.int64)
            offs[1:] = np.cumsum([len(t) for t in self._texts])
            header["text_offsets"] = offs.tolist()
        self._write_file(header)
        return IndexInfo(
            path=self.out,
            works=len(self._works),
            fingerprints=total,
            dropped_common=dropped,
            bytes=self.out.stat().st_size,
            common_kept=[self._works[w] for w in kept],
            text_bytes=sum(len(t) for t in self._texts),
            duplicates=duplicates,
        )

    def _text_groups(self) -> TextGroups:
        """The works that share a text (identical or near-identical), from what was noted
        as they were added."""
        n = len(self._works)
        if not n:
            return TextGroups([], [], 0)
        keys = np.frombuffer(bytes(self._keys), dtype="<u8").reshape(n, 2)
        sigs = np.concatenate(self._sigs)
        has = np.concatenate(self._has)
        self._sigs, self._has = [], []
        return find_groups(keys, sigs, has, self.same_text_jaccard)

    def _sort_partitions(self, groups: TextGroups) -> tuple[list[int], int, int, list[int]]:
        """Each spilled partition sorted, the postings of identical copies and common
        fingerprints (in more than ``max_works`` texts) dropped, appended to the column
        files; returns where each partition starts, the postings kept, those dropped as
        common, and the works that keep their common fingerprints.

        Two passes: the first sorts each partition, writes it back sorted with its common
        mask, and counts per work what the mask would drop; a work that would lose more
        than ``max_dropped_share`` of its postings keeps them all
        (:func:`~consentry.fingerprints.common.protected_works`); the second writes."""
        n = len(self._works)
        copies = groups.members(n) if groups.identical else None
        group_of = groups.group_of(n) if groups.groups else None
        lost = np.zeros(n, dtype=np.int64)
        held = np.zeros(n, dtype=np.int64)
        parts = 1 << self.shard_bits
        for s in range(parts):
            p = self._tmp / f"shard-{s:04d}.bin"
            if not p.exists():
                continue
            rec = np.fromfile(p, dtype=POSTING)
            order = np.lexsort((rec["pos"], rec["work"], rec["fp"]))
            rec = rec[order]
            if copies is not None:  # their first work holds the same postings
                rec = rec[~copies[rec["work"]]]
            keep = common_mask_groups(rec["fp"], rec["work"], group_of, self.common.max_works)
            held += np.bincount(rec["work"], minlength=n)
            lost += np.bincount(rec["work"][~keep], minlength=n)
            rec.tofile(p)
            keep.tofile(self._tmp / f"keep-{s:04d}.bin")
        protected = protected_works(lost, held, self.common.max_dropped_share)
        cols = {c: open(self._tmp / f"col-{c}.bin", "wb") for c in ("fp", "work", "pos")}  # noqa: SIM115
        shard_starts = [0]
        total = 0
        dropped = 0
        try:
            for s in range(parts):
                p, k = self._tmp / f"shard-{s:04d}.bin", self._tmp / f"keep-{s:04d}.bin"
                if p.exists():
                    rec = np.fromfile(p, dtype=POSTING)
                    keep = np.fromfile(k, dtype=bool) | protected[rec["work"]]
                    p.unlink()
                    k.unlink()
                    dropped += int(len(rec) - keep.sum())
                    rec = rec[keep]
                    for c in cols:
                        cols[c].write(np.ascontiguousarray(rec[c]).tobytes())
                    total += len(rec)
                shard_starts.append(total)
        finally:
            for f in cols.values():
                f.close()
        return shard_starts, total, dropped, np.flatnonzero(protected).tolist()

    def _write_file(self, header: dict[str, Any]) -> None:
        """Header, the three columns and the texts, as one file written atomically."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = self.out.with_name(self.out.name + ".part")
        with open(tmp_out, "wb") as f:
            _write_header(f, header)
            for c in ("fp", "work", "pos"):
                with open(self._tmp / f"col-{c}.bin", "rb") as src:
                    shutil.copyfileobj(src, f, 1 << 22)
            for t in self._texts:
                f.write(t)
        os.replace(tmp_out, self.out)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def _runs(values: list[str]) -> list[list[Any]]:
    """Run-length form ``[[first_work, last_work, value], ...]``."""
    out: list[list[Any]] = []
    for i, v in enumerate(values):
        if out and out[-1][2] == v:
            out[-1][1] = i
        else:
            out.append([i, i, v])
    return out


def _canonical_from_batch(text: str, batch: Any) -> str:
    start, end = batch.offsets(np.arange(len(batch.word_hash)))
    return " ".join(surface_words(text, start, end))


def surface_words(text: str, starts: npt.NDArray[Any], ends: npt.NDArray[Any]) -> list[str]:
    """The words as written (case-folded, no spaces inside), for confirming alignments."""
    return [
        "".join(text[a:b].casefold().split())
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _write_header(f: BinaryIO, header: dict[str, Any]) -> None:
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    pad = (-(16 + len(raw))) % 64
    raw += b" " * pad
    f.write(MAGIC)
    f.write(len(raw).to_bytes(8, "little"))
    f.write(raw)


@dataclass(frozen=True, slots=True)
class IndexInfo:
    path: Path
    works: int
    fingerprints: int
    dropped_common: int
    bytes: int
    text_bytes: int = 0
    # works sharing a text: counts, and "works" (the groups as lists of work ids)
    duplicates: dict[str, Any] = field(default_factory=dict)
    # works the common-gram filter would have stripped of more than its max_dropped_share:
    # they keep every fingerprint
    common_kept: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "works": self.works,
            "fingerprints": self.fingerprints,
            "dropped_common": self.dropped_common,
            "bytes": self.bytes,
            "text_bytes": self.text_bytes,
            "duplicates": self.duplicates,
            "common_kept": self.common_kept,
        }


def _duplicates_summary(groups: TextGroups, works: list[str], jaccard: float) -> dict[str, Any]:
    """What the build found of works sharing a text, for its output and the index header."""
    return {
        "groups": len(groups.groups),
        "works_in_groups": sum(len(g) for g in groups.groups),
        "identical_groups": len(groups.identical),
        "identical_copies": sum(len(g) - 1 for g in groups.identical),
        "near_identical_pairs": groups.near_pairs,
        "same_text_jaccard": jaccard,
        "method": "identical: BLAKE2b-128 of (fingerprint, position) postings, words and "
        "selection; near-identical: one-permutation 16-bit MinHash, 32 bins, LSH 8 bands x 4",
        "works": [[works[w] for w in g] for g in groups.groups],
    }


def build_index_from_fingerprints(
    out: str | Path,
    works: Iterator[tuple[str, U64, npt.NDArray[Any], int]],
    *,
    spec: CanonSpec = CanonSpec(),
    common: CommonFilter = CommonFilter(),
) -> IndexInfo:
    """Build an index from ``(work_id, fingerprints, positions, words)`` already stored in the
    registry (computed under ``spec``); used by ``consentry bundle export``."""
    b = IndexBuilder(Path(out), spec=spec, common=common)
    try:
        for work_id, fps, pos, words in works:
            b.add_fingerprints(work_id, fps, pos, words=words, selection=spec.selection)
        return b.finish()
    except BaseException:
        b.abort()
        raise
