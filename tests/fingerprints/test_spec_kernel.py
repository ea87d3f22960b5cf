"""canon-v1 and canon-v2 (the default): both kernels (compiled and numpy) give the
reference's fingerprints and word offsets, always (canon-v2's own cases: test_canon_v2.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import ValidationError
from consentry.fingerprints.kernel import (
    IMPLS,
    KERNEL,
    bloom_contains,
    candidate_grams,
    canon_batch,
    fingerprints,
    gram_hashes,
    winnow_positions,
)
from consentry.fingerprints.spec import (
    CanonSpec,
    canonical_text,
    hash64,
    reference_fingerprints,
    reference_words,
    winnow,
)

# pieces that exercise every rule: hyphenated line breaks, rn, OCR look-alikes, marks,
# ligatures, compatibility forms, non-BMP letters, lone surrogates, NUL, CRLF
PIECES = [
    "the",
    "Quick",
    "BROWN",
    "fox",
    "turn",
    "burn",
    "rn",
    "m",
    "1l",
    "0o",
    "hue",
    "-\n",
    "- \r\n  ",
    "-",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    ",",
    ".",
    "'",
    "\u2019",
    "\u201c",
    "caf\u00e9",
    "cafe\u0301",
    "\ufb01ne",
    "stra\u00dfe",
    "\u00bd",
    "\u2460",
    "\U0001d518nicode",
    "\ud800",
    "\x00",
    "_",
    "\u0130",
    "r\u0301n",
    "r-\nn",
    "a" * 300,
    "R" + "n" * 3,
    "\U0001f600",
    "\u3300",
    "\ufdfa",
    "\u00c9COLE",
    "\u65e5\u672c",
    "\u0915\u093f",
    "x\u0301\u0302",
    "\u2028",
    "Œuvre",
    "42",
]
ASCII_PIECES = [p for p in PIECES if p.isascii()] + [
    "x" * 7,
    "y" * 8,
    "z" * 9,
    "abcdefghijklmnopq",
    "rnrnrn",
    "rrn",
    "Rn",
    "-",
    "- \t\n\x1c",
    "\x1f",
    "\x0b",
]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.lists(st.sampled_from(ASCII_PIECES), max_size=60).map("".join),
    st.text(max_size=200),
    st.text(st.characters(max_codepoint=127), max_size=200),
)
specs = st.builds(
    CanonSpec,
    k=st.integers(1, 8),
    ocr_fold=st.booleans(),
    selection=st.sampled_from(["all", "winnow-2", "winnow-4", "winnow-8"]),
)


def test_the_compiled_kernel_is_built_and_chosen() -> None:
    # pip install builds it (setup.py); without a C compiler the numpy kernel would serve,
    # but the test environment must exercise the compiled one
    assert IMPLS == ("c", "numpy")
    assert KERNEL == "c"
    with pytest.raises(ValidationError, match="kernel 'fortran' is not available"):
        canon_batch(["x"], impl="fortran")


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=300, deadline=None)
@given(text=texts, spec=specs)
def test_kernel_fingerprints_equal_reference(impl: str, text: str, spec: CanonSpec) -> None:
    h, pos = fingerprints(text, spec, impl=impl)
    assert list(zip(h.tolist(), pos.tolist(), strict=True)) == reference_fingerprints(text, spec)


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=200, deadline=None)
@given(batch=st.lists(texts, max_size=6), ocr_fold=st.booleans(), k=st.integers(1, 6))
def test_batches_equal_texts_one_by_one(
    impl: str, batch: list[str], ocr_fold: bool, k: int
) -> None:
    cb = canon_batch(batch, ocr_fold=ocr_fold, impl=impl)
    starts, ends = cb.offsets(np.arange(len(cb.word_hash)))
    expected = []
    for t in batch:
        expected += [(w.start, w.end) for w in reference_words(t, ocr_fold=ocr_fold)]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected
    h, first = gram_hashes(cb, k, impl=impl)
    want = []
    for i, t in enumerate(batch):
        base = int(cb.doc_words[i])
        want += [
            (fp, base + p) for fp, p in reference_fingerprints(t, CanonSpec(k=k, ocr_fold=ocr_fold))
        ]
    assert list(zip(h.tolist(), first.tolist(), strict=True)) == want


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=200, deadline=None)
@given(
    batch=st.lists(texts, max_size=6),
    ocr_fold=st.booleans(),
    k=st.integers(1, 6),
    bloom_words=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=8),
    use_bloom=st.booleans(),
)
def test_scan_candidates_are_the_grams_the_bloom_passes(
    impl: str, batch: list[str], ocr_fold: bool, k: int, bloom_words: list[int], use_bloom: bool
) -> None:
    """The scanner's one-pass step equals canon + grams + the prefilter, done apart."""
    bloom = np.array(bloom_words, dtype=np.uint64) if use_bloom else None
    spans, h, first = candidate_grams(batch, k, ocr_fold=ocr_fold, bloom=bloom, impl=impl)
    cb = canon_batch(batch, ocr_fold=ocr_fold, impl="numpy")
    want_h, want_first = gram_hashes(cb, k, impl="numpy")
    if bloom is not None:
        keep = bloom_contains(bloom, want_h)
        want_h, want_first = want_h[keep], want_first[keep]
    assert h.tolist() == want_h.tolist()
    assert first.tolist() == want_first.tolist()
    assert spans.doc_words.tolist() == cb.doc_words.tolist()
    words = np.arange(len(cb.word_hash))
    assert [a.tolist() for a in spans.offsets(words)] == [a.tolist() for a in cb.offsets(words)]


@pytest.mark.parametrize("impl", IMPLS)
def test_kernels_on_long_and_dense_texts(impl: str) -> None:
    """Growth past the first allocation (one-letter words), words longer than the power
    table, and a long non-ASCII text, against the reference."""
    texts = [
        "a " * 5000,
        "x" * 1000 + " y" * 10,
        ("caf\u00e9 \ufb01ne \u00bd " * 400) + "\U0001d518nicode",
        "r\u0301n " * 300,
    ]
    for t in texts:
        for spec in (CanonSpec(), CanonSpec(k=3, ocr_fold=False)):
            h, pos = fingerprints(t, spec, impl=impl)
            assert list(zip(h.tolist(), pos.tolist(), strict=True)) == reference_fingerprints(
                t, spec
            )
    cb = canon_batch(texts, impl=impl)
    starts, ends = cb.offsets(np.arange(len(cb.word_hash)))
    expected = [(w.start, w.end) for t in texts for w in reference_words(t)]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_word_offsets_cover_the_original_word(text: str) -> None:
    for w in reference_words(text, ocr_fold=False):
        assert 0 <= w.start < w.end <= len(text)
        # a range can hold more than the word only when one code point folds to several words
        assert w.text in canonical_text(text[w.start : w.end], ocr_fold=False).split()


@settings(max_examples=200, deadline=None)
@given(hashes=st.lists(st.integers(0, 50), max_size=80), window=st.integers(1, 12))
def test_winnowing_matches_reference_and_guarantee(hashes: list[int], window: int) -> None:
    arr = np.array(hashes, dtype=np.uint64)
    sel = winnow_positions(arr, window).tolist()
    assert sel == winnow(hashes, window)
    # every window of `window` consecutive grams holds a selected position
    for s in range(len(hashes) - window + 1):
        assert any(s <= p < s + window for p in sel)


# Test vectors, also printed in docs/fingerprint-spec.md (computed by hand from the rules)


def test_canonical_text_vectors() -> None:
    assert (
        canonical_text("It is a truth uni-\n   versally acknowledged!")
        == "lt ls a tmtb nnlversally aeknowledged"
    )
    assert canonical_text("It is a truth uni-\n   versally acknowledged!", ocr_fold=False) == (
        "it is a truth universally acknowledged"
    )
    assert canonical_text("Caf\u00e9 \ufb01ne STRASSE stra\u00dfe \u00bd", ocr_fold=False) == (
        "cafe fine strasse strasse 1 2"
    )
    assert canonical_text("turn modern", ocr_fold=True) == "tnm modem"


def test_hash_vectors() -> None:
    assert hash64("") == 0
    # the polynomial before the finaliser: 'a' = 97, 'ab' = 97 * B + 98
    from consentry.fingerprints.spec import BASE, MASK64, fmix64

    assert hash64("ab") == fmix64((97 * BASE + 98) & MASK64)
    assert hash64("a") == 0x685FDF50E51FA977
    assert hash64("it is a truth universally acknowledged") == 0x3D7D1F24FAED204F


def test_spec_rejects_bad_values() -> None:
    with pytest.raises(ValidationError, match="k-gram size 0"):
        CanonSpec(k=0)
    with pytest.raises(ValidationError, match="selection 'winnow-1'"):
        CanonSpec(selection="winnow-1")
    with pytest.raises(ValidationError, match="canon-v9"):
        CanonSpec(version="canon-v9")
    with pytest.raises(ValidationError, match="missing 'k'"):
        CanonSpec.from_dict({"version": "canon-v1"})
    assert CanonSpec(selection="winnow-16").guaranteed_words == 21


def test_documented_vectors() -> None:
    """docs/fingerprint-spec.md's JSON test vectors hold for the reference and the kernel."""
    import json
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "fingerprint-spec.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", doc, re.S)]
    assert len(blocks) == 2  # canon-v1's vectors, then canon-v2's
    for s, h in blocks[0]["hash64"].items():
        assert hash64(s) == int(h, 16)
    assert len(blocks[0]["vectors"]) >= 5 and len(blocks[1]["vectors"]) >= 8
    for i, v in enumerate(blocks[0]["vectors"] + blocks[1]["vectors"]):
        # the first block's vectors are canon-v1's and hold under canon-v2 as well (§1c)
        versions = [v["version"]] if "version" in v else ["canon-v1", "canon-v2"]
        for version in versions:
            spec = CanonSpec(
                k=v["k"], ocr_fold=v["ocr_fold"], selection=v["selection"], version=version
            )
            got = canonical_text(v["text"], ocr_fold=spec.ocr_fold, version=version)
            assert got == v["canonical"], (i, version)
            words = reference_words(v["text"], ocr_fold=spec.ocr_fold, version=version)
            assert [[w.start, w.end] for w in words] == v["words"]
            want = [(int(h, 16), p) for h, p in v["fingerprints"]]
            assert reference_fingerprints(v["text"], spec) == want
            for impl in IMPLS:
                h, pos = fingerprints(v["text"], spec, impl=impl)
                assert list(zip(h.tolist(), pos.tolist(), strict=True)) == want
