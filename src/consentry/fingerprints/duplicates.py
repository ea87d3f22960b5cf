"""Registered works that share their text: identical or near-identical fingerprint sets.

The common-gram filter drops a fingerprint found in more than ``max_works`` works; counted
over registrations, one text registered under four works would lose every fingerprint and
none of those works could be found. So the index builder groups works by text and the filter
counts groups (distinct texts), never registrations:

- **identical**: the same postings ``(fingerprint, position)``, word count and selection,
  compared by a 128-bit BLAKE2b key of them. The index stores one copy of the postings (the
  group's first work) and the matcher reports every work of the group on a match.
- **near-identical**: estimated Jaccard resemblance of the fingerprint sets >= ``jaccard``
  (default 0.8; one edited word in 30 keeps about 0.8). One-permutation MinHash over the
  fingerprints themselves (they are already 64-bit hashes): 32 bins by the low 5 bits, the
  least fingerprint of each bin kept as 16 bits (b-bit minwise hashing); candidates are
  works equal on one of 8 bands of 4 bins (LSH), checked on all 32 bins. Each keeps its
  own postings (positions differ); they only count as one text for the filter.

Groups are closed transitively (union-find). Pure functions over arrays; no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

BINS = 32
BAND = 4  # bins per LSH band: 8 bands
EMPTY = np.uint16(0xFFFF)  # a bin without fingerprints
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)

U64 = npt.NDArray[np.uint64]
Sig = npt.NDArray[np.uint16]


def text_key(fps: U64, pos: npt.NDArray[Any], words: int, selection: str) -> bytes:
    """128-bit key of one work's postings (any order), word count and selection."""
    return batch_keys(fps, pos, np.zeros(len(fps), dtype=np.int64), 1, [words], selection)


def batch_keys(
    fps: U64, pos: npt.NDArray[Any], owners: npt.NDArray[Any], n: int, words: list[int], sel: str
) -> bytes:
    """The 128-bit BLAKE2b key of each of ``n`` works' postings ``(fingerprint, position)``
    in position order (a work has one fingerprint per position), word count and selection,
    16 bytes each, concatenated; ``owners[i]`` is the work of ``fps[i]``."""
    at = (np.asarray(owners, dtype=np.int64) << 32) | np.asarray(pos, dtype=np.int64)
    if len(at) > 1 and not bool((at[1:] > at[:-1]).all()):  # usually in order already
        order = np.argsort(at, kind="stable")
        at, fps, pos = at[order], fps[order], np.asarray(pos)[order]
    bounds = np.searchsorted(at >> 32, np.arange(n + 1))
    body = np.empty(len(at), dtype=[("fp", "<u8"), ("pos", "<u4")])
    body["fp"], body["pos"] = fps, pos
    raw = memoryview(body.tobytes())
    size = body.dtype.itemsize
    keys = bytearray()
    blake = hashlib.blake2b
    for i, (a, b) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        h = blake(raw[a * size : b * size], digest_size=16)
        h.update(b"\x00%d\x00%s" % (words[i], sel.encode()))
        keys += h.digest()
    return bytes(keys)


def signatures(fps: U64, owners: npt.NDArray[Any], n: int) -> Sig:
    """One-permutation b-bit MinHash signatures (``n`` x 32, uint16) of ``n`` works."""
    least = np.full(n * BINS, _ALL, dtype=np.uint64)
    if len(fps):
        slot = np.asarray(owners, dtype=np.int64) * BINS + (fps & np.uint64(BINS - 1)).astype(
            np.int64
        )
        np.minimum.at(least, slot, fps >> np.uint64(5))
    sig = (least & np.uint64(0xFFFF)).astype(np.uint16)
    sig[sig == EMPTY] = EMPTY - 1
    sig[least == _ALL] = EMPTY
    return sig.reshape(n, BINS)


def resemblance(a: Sig, b: Sig) -> npt.NDArray[np.float64]:
    """Estimated Jaccard resemblance of signature rows ``a[i]`` and ``b[i]``."""
    either = (a != EMPTY) | (b != EMPTY)
    agree = (a == b) & (a != EMPTY)
    return np.asarray(agree.sum(axis=1) / np.maximum(either.sum(axis=1), 1), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class TextGroups:
    """Works (by number) that share a text. ``identical``: each list's first work holds the
    postings of all of them. ``groups``: every group of works sharing an identical or
    near-identical text (each sorted), for the common-gram count and for reports."""

    identical: list[list[int]]
    groups: list[list[int]]
    near_pairs: int  # near-identical pairs confirmed (before closing the groups)

    def group_of(self, n: int) -> npt.NDArray[np.uint32]:
        """Each work's group (its lowest work number; itself when it is in none)."""
        g = np.arange(n, dtype=np.uint32)
        for members in self.groups:
            g[members] = members[0]
        return g

    def members(self, n: int) -> npt.NDArray[np.bool_]:
        """Works whose postings their identical group's first work holds."""
        m = np.zeros(n, dtype=bool)
        for same in self.identical:
            m[same[1:]] = True
        return m


def find_groups(
    keys: npt.NDArray[np.uint64], sigs: Sig, has_postings: npt.NDArray[np.bool_], jaccard: float
) -> TextGroups:
    """Identical groups by key (``keys``: n x 2 uint64), then near-identical pairs among the
    rest by LSH on ``sigs`` confirmed on all bins; works without postings are in no group."""
    n = len(keys)
    live = np.flatnonzero(has_postings)
    order = live[np.lexsort((live, keys[live, 1], keys[live, 0]))]
    k = keys[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (k[1:] != k[:-1]).any(axis=1)
    run = np.cumsum(new) - 1
    sizes = np.bincount(run) if len(run) else np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(new)
    identical = sorted(  # each ascending: the first is the lowest
        order[a : a + m].tolist()
        for a, m in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True)
    )
    member = np.zeros(n, dtype=bool)
    for same in identical:
        member[same[1:]] = True
    a, b = _candidates(sigs, np.flatnonzero(has_postings & ~member))
    ok = resemblance(sigs[a], sigs[b]) >= jaccard
    near = list(zip(a[ok].tolist(), b[ok].tolist(), strict=True))
    groups, pairs = _close(identical, near)
    return TextGroups(identical=identical, groups=groups, near_pairs=pairs)


def _close(identical: list[list[int]], near: list[tuple[int, int]]) -> tuple[list[list[int]], int]:
    """Groups (sorted, by their lowest work) joining the identical groups and the pairs; and
    how many pairs joined two groups."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def join(x: int, y: int) -> bool:
        rx, ry = root(x), root(y)
        if rx == ry:
            return False
        parent[max(rx, ry)] = min(rx, ry)
        return True

    for same in identical:
        for w in same[1:]:
            join(same[0], w)
    pairs = sum(join(x, y) for x, y in near)
    by_root: dict[int, list[int]] = {}
    for w in list(parent):
        by_root.setdefault(root(w), []).append(w)
    groups = sorted(sorted({r, *ws}) for r, ws in by_root.items())
    return [g for g in groups if len(g) > 1], pairs


def _candidates(sigs: Sig, works: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Pairs of ``works`` equal on some band of ``BAND`` bins (not all empty): each work
    paired with the first work of its run in that band."""
    xs: list[npt.NDArray[np.int64]] = []
    ys: list[npt.NDArray[np.int64]] = []
    if len(works) < 2:
        e = np.empty(0, dtype=np.int64)
        return e, e
    for start in range(0, BINS, BAND):
        band = np.ascontiguousarray(sigs[works, start : start + BAND]).view(np.uint64).ravel()
        live = band != _ALL
        v, w = band[live], works[live]
        order = np.argsort(v, kind="stable")
        v, w = v[order], w[order]
        new = np.ones(len(v), dtype=bool)
        new[1:] = v[1:] != v[:-1]
        head = w[np.flatnonzero(new)[np.cumsum(new) - 1]]
        dup = ~new
        xs.append(head[dup])
        ys.append(w[dup])
    x, y = np.concatenate(xs), np.concatenate(ys)
    pair = np.unique(np.stack([x, y], axis=1), axis=0) if len(x) else np.empty((0, 2), np.int64)
    return pair[:, 0].astype(np.int64), pair[:, 1].astype(np.int64)
