"""The single-file index: built from real prose, out of core, read memory-mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import ScanError, ValidationError
from consentry.fingerprints.builder import IndexBuilder, build_index_from_fingerprints
from consentry.fingerprints.common import CommonFilter, background_fingerprints
from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import _c, fingerprints, i64
from consentry.fingerprints.spec import CanonSpec

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
WORKS = {p.stem: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))}


def build(path: Path, **kw: object) -> Index:
    b = IndexBuilder(path, **kw)  # type: ignore[arg-type]
    for wid, text in WORKS.items():
        b.add_text(wid, text)
    b.finish()
    return Index(path)


def test_layout_sorted_16_bytes_per_fingerprint(tmp_path: Path) -> None:
    idx = build(tmp_path / "i.csfidx")
    assert idx.work_ids == sorted(WORKS)
    assert idx.count > 15000
    fps = np.asarray(idx.fps)
    assert (fps[1:] >= fps[:-1]).all()
    header = (tmp_path / "i.csfidx").stat().st_size - 16 * idx.count
    assert header < 4096
    assert idx.memory_bytes() <= 2 * idx.count + 8
    assert idx.spec == CanonSpec()


def test_lookup_finds_every_gram_with_its_position(tmp_path: Path) -> None:
    idx = build(tmp_path / "i.csfidx")
    text = WORKS["persuasion"]
    h, pos = fingerprints(text)
    qi, work, rpos = idx.lookup(h)
    wnum = idx.work_ids.index("persuasion")
    found = {(int(q), int(p)) for q, w, p in zip(qi, work, rpos, strict=True) if w == wnum}
    # every gram not dropped as common or repeated is found at its own position
    own = {(i, int(p)) for i, p in enumerate(pos)}
    assert len(own & found) >= 0.99 * len(own)
    assert idx.describe()["guaranteed_words"] == {"all": 6}


def test_unrelated_grams_are_not_found(tmp_path: Path) -> None:
    idx = build(tmp_path / "i.csfidx")
    rng = np.random.default_rng(7)
    q = rng.integers(0, 2**63, size=200000, dtype=np.uint64)
    qi, _, _ = idx.lookup(q)
    assert len(qi) == 0
    assert idx.maybe_contains(q).mean() < 0.05  # the Bloom prefilter's false-positive rate


def test_out_of_core_build_gives_the_same_file(tmp_path: Path) -> None:
    build(tmp_path / "a.csfidx", shard_bits=0)
    build(tmp_path / "b.csfidx", shard_bits=5, buffer_postings=1000)
    a = Index(tmp_path / "a.csfidx")
    b = Index(tmp_path / "b.csfidx")
    assert np.array_equal(a.fps, b.fps)
    assert np.array_equal(a.works, b.works)
    assert np.array_equal(a.pos, b.pos)


def test_common_grams_and_background_are_dropped(tmp_path: Path) -> None:
    shared = "the fingerprints of this boilerplate paragraph appear in many registered works " * 3
    novel = WORKS["northangerabbey"].split()
    b = IndexBuilder(tmp_path / "c.csfidx", common=CommonFilter(max_works=2))
    for i in range(4):  # the boilerplate is a small part of each work
        own = " ".join(novel[i * 400 : i * 400 + 300])
        b.add_text(f"w{i}", shared + f" and then {own} follow here for work {i}")
    info = b.finish()
    idx = Index(tmp_path / "c.csfidx")
    h, _ = fingerprints(shared)
    assert len(idx.lookup(h)[0]) == 0
    assert info.dropped_common > 0 and info.common_kept == []
    bg = background_fingerprints([WORKS["war-of-the-worlds"]], CanonSpec())
    b2 = IndexBuilder(tmp_path / "d.csfidx", background=bg)
    b2.add_text("wells", WORKS["war-of-the-worlds"])
    assert b2.finish().fingerprints == 0


def test_works_made_mostly_of_common_grams_keep_them(tmp_path: Path) -> None:
    """The common filter may take at most a quarter of a text's fingerprints: four works
    that are mostly the same paragraph (a quarter or more of each) keep theirs, and a
    look-up of the paragraph finds all four (reported, not hidden)."""
    shared = "the fingerprints of this boilerplate paragraph appear in many registered works " * 3
    b = IndexBuilder(tmp_path / "c.csfidx", common=CommonFilter(max_works=2))
    for i in range(4):
        b.add_text(f"w{i}", shared + f" and then unique words number {i} follow here for work {i}")
    info = b.finish()
    assert info.common_kept == ["w0", "w1", "w2", "w3"] and info.dropped_common == 0
    idx = Index(tmp_path / "c.csfidx")
    h, _ = fingerprints(shared)
    assert sorted(set(idx.lookup(h)[1].tolist())) == [0, 1, 2, 3]


def test_winnowed_works_keep_the_guarantee(tmp_path: Path) -> None:
    spec = CanonSpec(selection="winnow-16")
    idx = build(tmp_path / "w.csfidx", spec=spec)
    dense = build(tmp_path / "d.csfidx")
    assert idx.count < 0.2 * dense.count
    words = WORKS["northangerabbey"].split()
    for start in range(0, 5000, 97):  # any 21-word excerpt shares a fingerprint
        h, _ = fingerprints(" ".join(words[start : start + 21]))
        assert len(idx.lookup(h)[0]) > 0


def test_stored_words_and_registry_builder(tmp_path: Path) -> None:
    # canon-v2 stores the canonical words (OCR fold included: 'he' -> 'be'), canon-v1 the
    # words as written
    idx = build(tmp_path / "t.csfidx", store_text=True)
    words = idx.work_words_text(idx.work_ids.index("persuasion"))
    assert words is not None and words[:3] == ["tleman", "no", "be"]
    idx = build(tmp_path / "t1.csfidx", store_text=True, spec=CanonSpec(version="canon-v1"))
    words = idx.work_words_text(idx.work_ids.index("persuasion"))
    assert words is not None and words[:3] == ["tleman", "no", "he"]
    h, pos = fingerprints(WORKS["persuasion"])
    info = build_index_from_fingerprints(
        tmp_path / "r.csfidx", iter([("persuasion", h, pos, 7000)])
    )
    assert info.works == 1 and Index(tmp_path / "r.csfidx").n_works == 1


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    b = IndexBuilder(tmp_path / "x.csfidx")
    b.add_text("a", "one two three four five six seven")
    with pytest.raises(ValidationError, match="work id 'a' is added twice"):
        b.add_text("a", "x")
    with pytest.raises(ValidationError, match="work id ''"):
        b.add_text("", "x")
    with pytest.raises(ValidationError, match=r"work id 'caf\\udce9' is not valid"):
        b.add_text("caf\udce9", "x")  # a file stem from the bytes b"caf\xe9"
    b.abort()
    bad = tmp_path / "bad.csfidx"
    bad.write_bytes(b"PK\x03\x04 not an index")
    with pytest.raises(ScanError, match="is not a consentry index"):
        Index(bad)
    build(tmp_path / "ok.csfidx")
    data = (tmp_path / "ok.csfidx").read_bytes()
    (tmp_path / "cut.csfidx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ScanError, match="is truncated"):
        Index(tmp_path / "cut.csfidx")
    with pytest.raises(ValidationError, match="shard_bits 40"):
        IndexBuilder(tmp_path / "y", shard_bits=40)


def test_a_file_with_fingerprints_out_of_order_is_refused(tmp_path: Path) -> None:
    """Look-ups binary-search the sorted fingerprints: a damaged file must fail loudly, with or
    without the prefilter (whose compiled build checks the order on the way)."""
    build(tmp_path / "ok.csfidx")
    good = Index(tmp_path / "ok.csfidx")
    data = bytearray((tmp_path / "ok.csfidx").read_bytes())
    base = 16 + int.from_bytes(data[8:16], "little")  # magic, header length, header
    first, second = data[base + 8 : base + 16], data[base + 16 : base + 24]
    assert first != second
    data[base + 8 : base + 16], data[base + 16 : base + 24] = second, first
    (tmp_path / "swapped.csfidx").write_bytes(bytes(data))
    with pytest.raises(
        ScanError, match=r"swapped.csfidx is damaged: keys are not sorted: keys\[2\]"
    ):
        Index(tmp_path / "swapped.csfidx")
    lazy = Index(tmp_path / "swapped.csfidx", prefilter=False)
    with pytest.raises(ScanError, match=r"keys are not sorted: keys\[2\] < keys\[1\]"):
        lazy.lookup(np.asarray(good.fps[:10]))
    # a posting's work number beyond the header's works
    data = bytearray((tmp_path / "ok.csfidx").read_bytes())
    data[base + 8 * good.count : base + 8 * good.count + 4] = (1000).to_bytes(4, "little")
    (tmp_path / "badwork.csfidx").write_bytes(bytes(data))
    with pytest.raises(ScanError, match="names work number 1000, expected < 3"):
        Index(tmp_path / "badwork.csfidx").lookup(np.asarray(good.fps[:1]))


def test_bucketed_search_equals_searchsorted(tmp_path: Path) -> None:
    idx = build(tmp_path / "s.csfidx")
    fps = np.asarray(idx.fps)
    rng = np.random.default_rng(7)
    q = np.concatenate(
        [
            fps[rng.integers(0, idx.count, 5000)],
            rng.integers(0, 1 << 62, 5000, dtype=np.int64).view(np.uint64) * np.uint64(4),
            fps[rng.integers(0, idx.count, 500)] + np.uint64(1),
            np.array([0, (1 << 64) - 1, fps[0], fps[-1]], dtype=np.uint64),
        ]
    )
    q.sort()
    assert np.array_equal(idx._lower_bound(q), np.searchsorted(fps, q, side="left"))


def test_work_text_offsets_slice_joined_words(tmp_path: Path) -> None:
    idx = build(tmp_path / "t.csfidx", store_text=True)
    for w in range(idx.n_works):
        words = idx.work_words_text(w)
        text, off = idx.work_text(w)
        assert words is not None and len(off) == len(words) + 1
        for i, j in ((0, 5), (3, 40), (len(words) - 7, len(words))):
            assert text[int(off[i]) : int(off[j]) - 1] == " ".join(words[i:j])


def test_a_bulk_batch_is_indexed_like_works_added_one_by_one(tmp_path: Path) -> None:
    h1, p1 = fingerprints(WORKS["persuasion"])
    h2, p2 = fingerprints(WORKS[sorted(WORKS)[0]])
    fps = np.concatenate([h2, h1])
    pos = np.concatenate([p2, p1])
    owners = np.asarray([1] * len(h2) + [0] * len(h1))
    bulk = IndexBuilder(tmp_path / "bulk.csfidx")
    bulk.add_batch(["p", "q"], fps, pos, owners, words=[7000, 8000])
    bulk.finish()
    one = IndexBuilder(tmp_path / "one.csfidx")
    one.add_fingerprints("p", h1, p1, words=7000)
    one.add_fingerprints("q", h2, p2, words=8000)
    one.finish()
    a, b = Index(tmp_path / "bulk.csfidx"), Index(tmp_path / "one.csfidx")
    assert a.work_ids == b.work_ids == ["p", "q"]
    assert a.work_words.tolist() == [7000, 8000]
    assert np.array_equal(np.asarray(a.fps), np.asarray(b.fps))
    assert np.array_equal(np.asarray(a.works), np.asarray(b.works))
    assert np.array_equal(np.asarray(a.pos), np.asarray(b.pos))


def test_a_bad_bulk_batch_is_refused_and_adds_nothing(tmp_path: Path) -> None:
    h, p = fingerprints(WORKS["persuasion"])
    own = np.zeros(len(h), dtype=np.int64)
    b = IndexBuilder(tmp_path / "x.csfidx")
    with pytest.raises(ValidationError, match="work id 'p' is added twice"):
        b.add_batch(["p", "p"], h, p, own, words=[1, 1])
    with pytest.raises(ValidationError, match="1 words for 2 work ids"):
        b.add_batch(["p", "q"], h, p, own, words=[1])
    with pytest.raises(ValidationError, match=f"{len(p) - 1} positions for {len(h)} fing"):
        b.add_batch(["p"], h, p[:-1], own, words=[1])
    with pytest.raises(ValidationError, match=f"{len(h) - 1} owners for {len(h)}"):
        b.add_batch(["p"], h, p, own[:-1], words=[1])
    with pytest.raises(ValidationError, match=r"owner 1 is out of range, expected 0\.\.0"):
        b.add_batch(["p"], h, p, own + 1, words=[1])
    with pytest.raises(ValidationError, match="owner -1 is out of range"):
        b.add_batch(["p"], h, p, own - 1, words=[1])
    with pytest.raises(
        ValidationError, match=f"{len(p) - 1} positions for {len(h)} fingerprints of 'p'"
    ):
        b.add_fingerprints("p", h, p[:-1], words=1)
    # none of that was kept: the same ids go in now
    b.add_batch(["p"], h, p, own, words=[7000])
    b.finish()
    assert Index(tmp_path / "x.csfidx").work_ids == ["p"]


# --------------------------------------------------------------------------- the C look-up

_keys = st.lists(
    st.one_of(
        st.integers(0, 2**64 - 1),
        st.integers(0, 40),  # clustered at the bottom: most buckets empty, one long
        st.integers(2**64 - 40, 2**64 - 1),  # and at the top: an empty bucket at the end
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(keys=_keys, extra=_keys, bits=st.integers(0, 8))
def test_the_compiled_lookup_finds_exactly_the_equal_keys(
    keys: list[int], extra: list[int], bits: int
) -> None:
    # the compiled look-up against its definition: for each query in order, every position
    # of an equal key, ascending; over duplicates, empty and long buckets, and keys at 0 and
    # 2**64 - 1 (the searches run in lockstep a block of 32 queries at a time)
    if _c is None:
        pytest.skip("the compiled kernel is not built")
    fps = np.sort(np.asarray(keys, dtype=np.uint64))
    q = np.asarray(extra + keys[::3] + [0, 2**64 - 1], dtype=np.uint64)
    shift = 64 - bits
    table = np.empty((1 << bits) + 1, dtype=np.int64)
    table[0], table[-1] = 0, len(fps)
    if bits:
        bounds = np.arange(1, 1 << bits, dtype=np.uint64) << np.uint64(shift)
        table[1:-1] = np.searchsorted(fps, bounds, side="left")
    qi, idx = _c.lookup(q, fps, table, shift)
    got = list(zip(i64(qi).tolist(), i64(idx).tolist(), strict=True))
    want = [(i, j) for i, key in enumerate(q.tolist()) for j in np.flatnonzero(fps == key)]
    assert got == want


def test_the_compiled_lookup_refuses_a_bucket_table_out_of_order() -> None:
    if _c is None:
        pytest.skip("the compiled kernel is not built")
    fps = np.arange(10, dtype=np.uint64)
    table = np.asarray([0, 7, 3, 10], dtype=np.int64)  # 2 bits: 4 + 1 entries expected
    with pytest.raises(ValueError, match="expected uint64 queries"):
        _c.lookup(fps, fps, table, 62)
    table = np.asarray([0, 7, 3, 9, 10], dtype=np.int64)
    with pytest.raises(ValueError, match=r"bucket 1 is \[7, 3\)"):
        _c.lookup(fps, fps, table, 62)
