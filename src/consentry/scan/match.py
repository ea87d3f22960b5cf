"""The matcher: registered works found in documents, by fingerprint hits on one alignment.

For a batch of documents: fingerprints of every gram under the index's spec, one vectorised
look-up in the index, then hits ``(doc, work, doc_pos, work_pos)`` are grouped by work and
diagonal ``work_pos - doc_pos`` (a band of +-``band`` words absorbs insertions and deletions),
split where consecutive hits are more than ``max_gap`` words apart. A cluster counts only
when its extent (first to last matched word) reaches ``min_words``; it is then confirmed by
aligning the document's words with the work's words with ``rapidfuzz`` when the index
stores them (canon-v1: the words as written, lower-cased; canon-v2: both sides canonicalised
like the fingerprints) (else the similarity is the share of the extent covered by hits). Every
claim is one document x one work with its own evidence: never chained transitively.
Spans are character offsets into the document's original text. Levels measure how much of
the *work* a document covers (distinct work word positions: a passage repeated a hundred
times in one document covers the passage's words once); the document's words matched are
reported beside them (``doc_words``). Works registered with the same text are all reported:
the index stores one copy of identical texts' postings, and a match on it is a match of each
of them; every match of a work sharing its text names the whole group (``group``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import I64, words_texts
from consentry.fingerprints.spec import CANON_V1
from consentry.fingerprints.unicode_sets import SOLO_BLOCKS
from consentry.scan.model import Document, Match, MatchLevel
from consentry.scan.options import MatchOptions

__all__ = ["MatchOptions", "match_documents"]


def match_documents(
    docs: Iterable[Document], index: Index, *, options: MatchOptions = MatchOptions()
) -> Iterator[Match]:
    """Matches, in document order (then work id), one per (document, work) found."""
    batch: list[Document] = []
    size = 0
    for d in docs:
        batch.append(d)
        size += len(d.text)
        if size >= options.batch_chars:
            yield from _match_batch(batch, index, options)
            batch, size = [], 0
    if batch:
        yield from _match_batch(batch, index, options)


@dataclass(frozen=True, slots=True)
class _Clusters:
    """Clusters that reach ``min_words``, as parallel arrays (one entry per cluster)."""

    doc: I64
    work: I64
    dfirst: I64  # first word of the first gram (document)
    dlast: I64  # last word covered (document), inclusive
    rfirst: I64
    rlast: I64
    covered: I64  # words covered by hit grams


# one cluster of a (document, work) pair: document character span (start, end), similarity,
# document extent in words, document word range (first, last), work word range (first, last)
_Part = tuple[int, int, float, int, int, int, int, int]


def _lexsort(keys: tuple[I64, ...]) -> I64:
    """``np.lexsort(keys[::-1])`` (first key most significant): one stable argsort of the keys
    packed into one int64 when their ranges fit in 63 bits, else lexsort itself."""
    lows = [int(k.min()) if len(k) else 0 for k in keys]
    widths = [
        (int(k.max()) - lo).bit_length() if len(k) else 0 for k, lo in zip(keys, lows, strict=True)
    ]
    if sum(widths) > 63:
        return np.lexsort(keys[::-1])
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    for k, lo, w in zip(keys, lows, widths, strict=True):
        packed <<= w
        packed |= k - lo
    return np.argsort(packed, kind="stable")


def _clusters(doc: I64, work: I64, dpos: I64, rpos: I64, k: int, opt: MatchOptions) -> _Clusters:
    diag = rpos - dpos
    order = _lexsort((doc, work, diag, dpos))
    doc, work, dpos, rpos, diag = doc[order], work[order], dpos[order], rpos[order], diag[order]
    n = len(doc)
    brk = np.ones(n, dtype=bool)
    brk[1:] = (doc[1:] != doc[:-1]) | (work[1:] != work[:-1]) | (diag[1:] - diag[:-1] > opt.band)
    band_id = np.cumsum(brk)
    order = _lexsort((band_id, dpos, rpos))
    doc, work, dpos, rpos, band_id = (
        doc[order],
        work[order],
        dpos[order],
        rpos[order],
        band_id[order],
    )
    brk = np.ones(n, dtype=bool)
    brk[1:] = (band_id[1:] != band_id[:-1]) | (dpos[1:] - dpos[:-1] > opt.max_gap)
    starts = np.flatnonzero(brk)
    dmin = np.minimum.reduceat(dpos, starts)
    dmax = np.maximum.reduceat(dpos, starts)
    extent = dmax + k - dmin
    # words covered by the hit grams: k for the first, then min(gap, k) for each next hit
    step = np.minimum(np.diff(dpos, prepend=dpos[:1]), k)
    step[starts] = 0
    covered = np.add.reduceat(step, starts) + k
    rmin = np.minimum.reduceat(rpos, starts)
    rmax = np.maximum.reduceat(rpos, starts)
    keep = np.flatnonzero(extent >= opt.min_words)
    first = starts[keep]
    return _Clusters(
        doc=doc[first],
        work=work[first],
        dfirst=dmin[keep],
        dlast=dmax[keep] + (k - 1),
        rfirst=rmin[keep],
        rlast=rmax[keep] + (k - 1),
        covered=covered[keep],
    )


def _aligned_form(
    index: Index, doc_spans: list[str]
) -> tuple[list[str], Callable[[str], str] | None]:
    """The document spans as confirmation compares them, and rapidfuzz's processor. canon-v1
    indexes store the words as written: rapidfuzz's default_process on both sides. canon-v2
    indexes store canonical words: the spans are canonicalised the same way as the
    fingerprints (ignorables, NFKC, Han/Kana/Thai tokens), with no further processing."""
    spec = index.spec
    if spec.version == CANON_V1:
        return doc_spans, default_process
    # the compiled kernel's pass (canonical_words_text's result, several times faster)
    return words_texts(doc_spans, ocr_fold=spec.ocr_fold, version=spec.version), None


_SOLO_CHAR = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b, _ in SOLO_BLOCKS) + "]")


def _solo_clusters(
    index: Index, raw: list[str], canon: list[str] | None, opt: MatchOptions
) -> npt.NDArray[np.bool_]:
    """Which clusters are mostly text written without spaces: at least ``solo_share`` of the
    document span's canonical tokens are canon-v2 one-character tokens (canon-v1 has none).
    ``raw`` are the spans as written, ``canon`` their canonical form when already made."""
    out = np.zeros(len(raw), dtype=bool)
    if index.spec.version == CANON_V1:
        return out
    todo = [i for i, span in enumerate(raw) if not span.isascii()]  # isascii: O(1) in CPython
    if not todo:
        return out
    if canon is None:
        texts = words_texts([raw[i] for i in todo], ocr_fold=index.spec.ocr_fold)
    else:
        texts = [canon[i] for i in todo]
    for i, text in zip(todo, texts, strict=True):
        if text:
            out[i] = len(_SOLO_CHAR.findall(text)) >= opt.solo_share * (text.count(" ") + 1)
    return out


def _similarities(
    index: Index, cl: _Clusters, raw: list[str], works_l: list[int], extent: I64
) -> tuple[npt.NDArray[np.float64], list[str] | None]:
    """Each cluster's similarity: the alignment of its document span (``raw``) with the
    work's words when the index stores them, else the share of its extent its hits cover;
    and the spans' canonical form when it was made (canon-v2, stored texts)."""
    if not index.has_texts():
        return np.asarray(cl.covered / extent, dtype=np.float64), None
    # one batched call: rapidfuzz's C++ default_process (lower case, non-alphanumerics to
    # spaces) on both sides, then the Indel ratio of each (document span, work span)
    doc_spans, processor = _aligned_form(index, raw)
    work_spans = []
    for w, r0, r1 in zip(works_l, cl.rfirst.tolist(), cl.rlast.tolist(), strict=True):
        text, off = index.work_text(w)
        n = len(off) - 1
        lo, hi = min(r0, n), min(max(r1 + 1, r0), n)
        work_spans.append(text[int(off[lo]) : int(off[hi]) - 1] if hi > lo else "")
    sims = process.cpdist(
        doc_spans, work_spans, scorer=fuzz.ratio, processor=processor, dtype=np.float64
    )
    return np.asarray(sims / 100.0, dtype=np.float64), doc_spans if processor is None else None


def _match_batch(batch: Sequence[Document], index: Index, opt: MatchOptions) -> Iterator[Match]:
    k = index.spec.k
    cb, h, first = index.candidates([d.text for d in batch])
    qi, work, rpos = index.lookup(h, prefiltered=True)
    if not len(qi):
        return
    qword = first[qi]
    doc = np.searchsorted(cb.doc_words, qword, side="right") - 1
    dpos = qword - cb.doc_words[doc]
    cl = _clusters(doc, work.astype(np.int64), dpos, rpos.astype(np.int64), k, opt)
    if not len(cl.doc):
        return
    docbase = cb.doc_words[cl.doc]
    starts, _ = cb.offsets(docbase + cl.dfirst)
    _, ends = cb.offsets(docbase + cl.dlast)
    extent = cl.dlast - cl.dfirst + 1
    docs_l, works_l = cl.doc.tolist(), cl.work.tolist()
    starts_l, ends_l = starts.tolist(), ends.tolist()
    raw = [batch[d].text[a:b] for d, a, b in zip(docs_l, starts_l, ends_l, strict=True)]
    sims, canon = _similarities(index, cl, raw, works_l, extent)
    by_pair: dict[tuple[int, int], list[_Part]] = {}
    ok = sims >= opt.min_similarity
    solo = _solo_clusters(index, raw, canon, opt)
    if solo.any():  # text without spaces: a longer extent, densely covered by hits
        dense = cl.covered >= opt.solo_min_coverage * extent
        ok &= ~solo | ((extent >= opt.solo_min_words) & dense)
    keep = np.flatnonzero(ok)
    # the kept clusters' fields as Python numbers, converted once per batch (a numpy scalar
    # per field and cluster cost about 4 us a cluster)
    parts = zip(
        [starts_l[i] for i in keep.tolist()],
        [ends_l[i] for i in keep.tolist()],
        sims[keep].tolist(),
        extent[keep].tolist(),
        cl.dfirst[keep].tolist(),
        cl.dlast[keep].tolist(),
        cl.rfirst[keep].tolist(),
        cl.rlast[keep].tolist(),
        strict=True,
    )
    for i, part in zip(keep.tolist(), parts, strict=True):
        by_pair.setdefault((docs_l[i], works_l[i]), []).append(part)
    yield from _matches(batch, index, by_pair, opt)


def _matches(
    batch: Sequence[Document],
    index: Index,
    by_pair: dict[tuple[int, int], list[_Part]],
    opt: MatchOptions,
) -> Iterator[Match]:
    """One match per (document, work), with the works sharing its text, in document order
    then work id."""
    found = []
    for (d, w), parts in by_pair.items():
        m = _to_match(batch[d], index, w, parts, opt)
        group = index.text_group.get(w, ())
        found.append((d, replace(m, group=group) if group else m))
        # works registered with the identical text: their postings are w's, so is the match
        for c in index.copies.get(w, ()):
            found.append((d, replace(m, work=index.work_ids[c], group=group)))
    found.sort(key=lambda dm: (dm[0], dm[1].work))
    for _, m in found:
        yield m


def _union_words(ranges: Iterable[tuple[int, int]]) -> int:
    """Words in the union of inclusive word ranges ``(first, last)``."""
    words = 0
    last = -1
    for lo, hi in sorted(ranges):
        if hi > last:
            words += hi - max(lo, last + 1) + 1
            last = hi
    return words


def _combine(parts: list[_Part]) -> tuple[tuple[tuple[int, int], ...], int, int, float]:
    """A (document, work) pair's clusters together: its character spans (overlaps merged),
    the work's words it covers (the union of the clusters' work ranges: a passage repeated
    in the document counts once), the document's words matched, and the similarity
    weighted by extent. Most pairs have one cluster: the same figures without the loops."""
    if len(parts) == 1:
        a, b, sim, extent, d0, d1, r0, r1 = parts[0]
        words = r1 - max(r0, 0) + 1 if r1 >= 0 else 0  # _union_words of one range
        doc_words = d1 - max(d0, 0) + 1 if d1 >= 0 else 0
        return ((a, b),), words, doc_words, sim * extent / max(1, extent)
    parts.sort()
    spans: list[list[int]] = []
    for a, b, *_ in parts:
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    words = _union_words((p[6], p[7]) for p in parts)
    doc_words = _union_words((p[4], p[5]) for p in parts)
    sim = sum(p[2] * p[3] for p in parts) / max(1, sum(p[3] for p in parts))
    return tuple((a, b) for a, b in spans), words, doc_words, sim


def _to_match(
    doc: Document,
    index: Index,
    work: int,
    parts: list[_Part],
    opt: MatchOptions,
) -> Match:
    spans, words, doc_words, sim = _combine(parts)
    total = int(index.work_words[work]) or 1
    share = words / total
    if share >= opt.copy_fraction:
        level = MatchLevel.COPY
    elif share >= opt.substantial_fraction:
        level = MatchLevel.SUBSTANTIAL
    elif words >= opt.excerpt_words and sim >= opt.excerpt_coverage:
        level = MatchLevel.EXCERPT
    else:
        level = MatchLevel.EVIDENCE
    return Match(
        doc=doc.id,
        work=index.work_ids[work],
        words=words,
        level=level,
        spans=spans,
        similarity=round(sim, 4),
        shard=doc.shard,
        doc_words=doc_words,
    )
