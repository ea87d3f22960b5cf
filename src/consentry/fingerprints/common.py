"""Distinctiveness: grams common to many works, or found in public background text, are dropped.

A fingerprint that occurs in more than ``max_works`` registered texts (boilerplate, licence
text, epigraphs, famous quotations), more than ``max_repeats`` times inside one work
(running heads, refrains), or in a background sample of public text is not evidence of
copying, so the index builder drops it. Works registered with the same or a near-identical
text count as one text (:mod:`.duplicates`), never as many.

The ``max_works`` rule never takes more than ``max_dropped_share`` of one text's
fingerprints: a text it would strip of more keeps them all (:func:`protected_works`).
Boilerplate is a small part of each text that carries it; a text that is mostly made of
grams found in other registrations is a work copied into them, and near-identity cannot
catch every copy (padded with enough other text, a copy resembles the work less than any
threshold). Without this, anyone able to register texts could hide a work by registering
it a few times with padding. Pure functions over sorted arrays; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from consentry.errors import ValidationError
from consentry.fingerprints.kernel import canon_batch, gram_hashes
from consentry.fingerprints.spec import CanonSpec

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class CommonFilter:
    """How common grams are dropped when an index is built; recorded in its header."""

    max_works: int = 3  # drop a fingerprint found in more than this many texts
    max_repeats: int = 16  # drop a fingerprint repeated more often inside one work
    background: str = ""  # name or hash of the background sample, "" for none
    # a text the max_works rule would strip of more than this share of its fingerprints
    # keeps them all (a work copied into other registrations, not boilerplate)
    max_dropped_share: float = 0.25

    def __post_init__(self) -> None:
        for name in ("max_works", "max_repeats"):
            v = getattr(self, name)
            if v < 1:
                raise ValidationError(
                    f"{name} must be at least 1, got {v}", field=name, value=v, expected=">= 1"
                )
        if not 0.0 <= self.max_dropped_share <= 1.0:
            raise ValidationError(
                f"max_dropped_share must be in 0..1, got {self.max_dropped_share}",
                field="max_dropped_share",
                value=self.max_dropped_share,
                expected="0..1",
            )

    def to_dict(self) -> dict[str, object]:
        return {
            "max_works": self.max_works,
            "max_repeats": self.max_repeats,
            "background": self.background,
            "max_dropped_share": self.max_dropped_share,
        }


def drop_repeats(fps: U64, max_repeats: int) -> npt.NDArray[np.bool_]:
    """Mask keeping fingerprints that occur at most ``max_repeats`` times in ``fps``."""
    if not len(fps):
        return np.ones(0, dtype=bool)
    uniq, inverse, counts = np.unique(fps, return_inverse=True, return_counts=True)
    del uniq
    return np.asarray(counts[inverse] <= max_repeats)


def common_mask(
    sorted_fps: U64, works: npt.NDArray[np.uint32], max_works: int
) -> npt.NDArray[np.bool_]:
    """Mask (over postings sorted by fingerprint, then work) keeping fingerprints that occur
    in at most ``max_works`` distinct works."""
    n = len(sorted_fps)
    if not n:
        return np.ones(0, dtype=bool)
    new_fp = np.ones(n, dtype=bool)
    new_fp[1:] = sorted_fps[1:] != sorted_fps[:-1]
    new_pair = new_fp.copy()
    new_pair[1:] |= works[1:] != works[:-1]
    group = np.cumsum(new_fp) - 1
    distinct = np.bincount(group, weights=new_pair.astype(np.float64)).astype(np.int64)
    return np.asarray(distinct[group] <= max_works)


def common_mask_groups(
    sorted_fps: U64,
    works: npt.NDArray[np.uint32],
    group_of: npt.NDArray[np.uint32] | None,
    max_works: int,
) -> npt.NDArray[np.bool_]:
    """:func:`common_mask` counting distinct texts: works in one group (``group_of``, each
    work's group; None for none) count once, so a text registered under many works keeps
    its fingerprints."""
    keep = common_mask(sorted_fps, works, max_works)
    if group_of is None:
        return keep
    over = np.flatnonzero(~keep)  # only fingerprints in too many works can change
    if not len(over):
        return keep
    f, g = sorted_fps[over], group_of[works[over]]
    order = np.lexsort((g, f))
    keep[over[order]] = common_mask(f[order], g[order], max_works)
    return keep


def protected_works(
    dropped: npt.NDArray[np.int64], total: npt.NDArray[np.int64], max_share: float
) -> npt.NDArray[np.bool_]:
    """Which works keep every fingerprint: those the ``max_works`` rule would strip of more
    than ``max_share`` of their postings (``dropped`` and ``total`` per work)."""
    return np.asarray(dropped > max_share * total)


def background_fingerprints(texts: Iterable[str], spec: CanonSpec) -> U64:
    """Sorted unique fingerprints (all grams) of a background sample of public text."""
    parts = []
    for t in texts:
        batch = canon_batch([t], ocr_fold=spec.ocr_fold, version=spec.version)
        h, _ = gram_hashes(batch, spec.k)
        parts.append(h)
    if not parts:
        return np.empty(0, dtype=np.uint64)
    return np.unique(np.concatenate(parts))


def in_sorted(values: U64, sorted_set: U64) -> npt.NDArray[np.bool_]:
    """Which ``values`` are in the sorted array ``sorted_set``."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    i = np.searchsorted(sorted_set, values)
    i[i == len(sorted_set)] = 0
    return np.asarray(sorted_set[i] == values)
