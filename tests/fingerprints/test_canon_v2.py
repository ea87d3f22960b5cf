"""canon-v2 (issue 10): default ignorables deleted, NFKC, Han/Kana/Thai characters as tokens.

Both kernels (compiled and numpy) equal the reference under both versions; the invariants
that motivated v2 hold for arbitrary text; and the findings of issue 10 (a soft-hyphenated
or zero-width-spaced passage, a re-wrapped Chinese, Japanese or Thai copy) are missed under
canon-v1 and found under canon-v2, with and without stored texts.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.errors import ValidationError
from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.canonical import canonical_words_text
from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import (
    IMPLS,
    candidate_grams,
    canon_batch,
    fingerprints,
    gram_hashes,
    words_texts,
)
from consentry.fingerprints.spec import (
    CANON_V1,
    CANON_V2,
    CANON_VERSION,
    VERSIONS,
    CanonSpec,
    canonical_text,
    reference_fingerprints,
    reference_words,
)
from consentry.fingerprints.unicode_sets import (
    DEFAULT_IGNORABLE,
    SOLO_BLOCKS,
    UNICODE_VERSION,
    in_solo_block,
    is_default_ignorable,
)
from consentry.scan.match import match_documents
from consentry.scan.model import Document

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
PERSUASION = (DATA / "persuasion.txt").read_text(encoding="utf-8")

IGNORABLES = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0f", "\u034f"]
V2_PIECES = [
    *IGNORABLES,
    "\U000e0041",  # TAG LATIN CAPITAL LETTER A
    "\u3164",  # HANGUL FILLER (a letter that is default ignorable)
    "\u115f",
    "word",
    "Extra",
    "rn",
    "r",
    "n",
    " ",
    "\n",
    "-\n",
    ",",
    "\u3002",  # ideographic full stop
    "\u9053\u53ef\u9053",  # 道可道
    "\u975e\u5e38\u9053",
    "\u5f7c\u306f\u732b",  # Han + Hiragana
    "\u30cb\u30e3\u30fc",  # Katakana with the prolonged sound mark
    "\uff86\uff6c\uff70",  # half-width Katakana
    "\u304c",  # が (a voiced mark, decomposed and dropped)
    "\u0e1b\u0e23\u0e30\u0e40\u0e17\u0e28\u0e44\u0e17\u0e22",  # ประเทศไทย
    "\u0e19\u0e49\u0e33",  # Thai with a tone mark and sara am
    "\u0e51\u0e52",  # Thai digits
    "\u3005",  # 々 iteration mark
    "\u2f00",  # KANGXI RADICAL ONE -> 一
    "\u337b",  # SQUARE ERA NAME HEISEI -> 平成
    "\U00020000",  # CJK Extension B
    "\U0001b001",  # Hentaigana
    "\uff26\uff55\uff4c\uff4c",  # full-width Latin
    "\ufb03",  # ffi ligature
    "\u00e9",
    "e\u0301",
    "\ud800",
    "\x00",
    "\ud55c\uad6d",  # Hangul (spaced script: not segmented)
]
texts = st.one_of(
    st.lists(st.sampled_from(V2_PIECES), max_size=60).map("".join),
    st.text(max_size=120),
    st.text(st.sampled_from("".join(V2_PIECES)), max_size=120),
)
specs = st.builds(
    CanonSpec,
    k=st.integers(1, 8),
    ocr_fold=st.booleans(),
    selection=st.sampled_from(["all", "winnow-4"]),
    version=st.sampled_from(VERSIONS),
)


def test_default_ignorable_table_is_unicode_derived_core_property() -> None:
    """DerivedCoreProperties: 'Default_Ignorable_Code_Point. Generated from
    Other_Default_Ignorable_Code_Point + Cf (Format characters) + Variation_Selector
    - White_Space - FFF9..FFFB (Interlinear annotation format characters)
    - 13430..1343F (Egyptian hieroglyph format characters)
    - Prepended_Concatenation_Mark'. Cf and White_Space from Python's unicodedata; the
    three PropList sets as in PropList-14.0.0."""
    assert unicodedata.unidata_version == UNICODE_VERSION

    def r(a: int, b: int) -> set[int]:
        return set(range(a, b + 1))

    other = (
        {0x034F, 0x2065, 0x3164, 0xFFA0, 0xE0000}
        | r(0x115F, 0x1160)
        | r(0x17B4, 0x17B5)
        | r(0xFFF0, 0xFFF8)
        | r(0xE0002, 0xE001F)
        | r(0xE0080, 0xE00FF)
        | r(0xE01F0, 0xE0FFF)
    )
    selectors = r(0x180B, 0x180D) | {0x180F} | r(0xFE00, 0xFE0F) | r(0xE0100, 0xE01EF)
    prepended = r(0x0600, 0x0605) | {0x06DD, 0x070F, 0x08E2, 0x110BD, 0x110CD} | r(0x0890, 0x0891)
    cf = {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    space = {c for c in range(0x110000) if chr(c).isspace()}
    derived = (cf | other | selectors) - space - r(0xFFF9, 0xFFFB) - r(0x13430, 0x1343F)
    derived -= prepended
    table = {c for a, b in DEFAULT_IGNORABLE for c in range(a, b + 1)}
    assert table == derived
    assert len(table) == 4174
    assert all(is_default_ignorable(c) == (c in table) for c in range(0x110000))


def test_solo_blocks() -> None:
    assert in_solo_block(ord("\u9053")) and in_solo_block(ord("\u306f"))
    assert in_solo_block(ord("\u0e1b")) and in_solo_block(0x20000)
    assert not in_solo_block(ord("a")) and not in_solo_block(ord("\ud55c"))
    assert SOLO_BLOCKS[0][2] == "Thai"


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=300, deadline=None)
@given(text=texts, spec=specs)
def test_kernels_equal_reference_under_both_versions(impl: str, text: str, spec: CanonSpec) -> None:
    h, pos = fingerprints(text, spec, impl=impl)
    assert list(zip(h.tolist(), pos.tolist(), strict=True)) == reference_fingerprints(text, spec)


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(texts, max_size=5),
    ocr_fold=st.booleans(),
    k=st.integers(1, 6),
    version=st.sampled_from(VERSIONS),
)
def test_offsets_and_scan_candidates_under_both_versions(
    impl: str, batch: list[str], ocr_fold: bool, k: int, version: str
) -> None:
    cb = canon_batch(batch, ocr_fold=ocr_fold, version=version, impl=impl)
    starts, ends = cb.offsets(np.arange(len(cb.word_hash)))
    want = [
        (w.start, w.end)
        for t in batch
        for w in reference_words(t, ocr_fold=ocr_fold, version=version)
    ]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == want
    spans, h, first = candidate_grams(
        batch, k, ocr_fold=ocr_fold, bloom=None, version=version, impl=impl
    )
    want_h, want_first = gram_hashes(cb, k, impl=impl)
    assert h.tolist() == want_h.tolist() and first.tolist() == want_first.tolist()
    words = np.arange(len(cb.word_hash))
    assert [a.tolist() for a in spans.offsets(words)] == [a.tolist() for a in cb.offsets(words)]


@settings(max_examples=300, deadline=None)
@given(text=texts, ocr_fold=st.booleans(), version=st.sampled_from(VERSIONS))
def test_fast_canonical_text_equals_reference(text: str, ocr_fold: bool, version: str) -> None:
    assert canonical_words_text(text, ocr_fold=ocr_fold, version=version) == canonical_text(
        text, ocr_fold=ocr_fold, version=version
    )


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=300, deadline=None)
@given(batch=st.lists(texts, max_size=4), ocr_fold=st.booleans(), version=st.sampled_from(VERSIONS))
def test_compiled_canonical_text_equals_reference(
    impl: str, batch: list[str], ocr_fold: bool, version: str
) -> None:
    """The scanner's confirmation canonicalises document spans with the kernel's pass."""
    got = words_texts(batch, ocr_fold=ocr_fold, version=version, impl=impl)
    assert got == [canonical_text(t, ocr_fold=ocr_fold, version=version) for t in batch]


@pytest.mark.parametrize("impl", IMPLS)
def test_compiled_canonical_text_on_edge_cases(impl: str) -> None:
    if impl == "c":  # the compiled path is the one exercised, not the fallback
        from consentry.fingerprints import _canon

        assert hasattr(_canon, "words_text"), "rebuild: python3 setup.py build_ext --inplace"
    cases = [
        "",
        "rn",
        "r\u00adn barn-\n  yarn co-\r\n operate",
        "\U0001d400\U0001d401 \ufb03x \u00bd",  # outside the BMP, several code points
        "\ud800x\udfff",  # lone surrogates separate
        "漢字テスト、ไทยภาษา" * 50,
        "\uff21\uff42\uff43\u200bdef\u2060ghi " * 1000,  # fullwidth Abc, invisibles
    ]
    for version in VERSIONS:
        for ocr in (False, True):
            want = [canonical_text(t, ocr_fold=ocr, version=version) for t in cases]
            assert words_texts(cases, ocr_fold=ocr, version=version, impl=impl) == want


@settings(max_examples=300, deadline=None)
@given(
    text=texts.filter(lambda t: "-" not in t),
    inserts=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(IGNORABLES)), max_size=10),
)
def test_v2_ignorables_anywhere_change_nothing(text: str, inserts: list[tuple[int, str]]) -> None:
    noisy = text
    for at, c in inserts:
        at = min(at, len(noisy))
        noisy = noisy[:at] + c + noisy[at:]
    assert canonical_text(noisy, version=CANON_V2) == canonical_text(text, version=CANON_V2)


@settings(max_examples=300, deadline=None)
@given(text=texts.filter(lambda t: "-" not in unicodedata.normalize("NFKC", t) + t))
def test_v2_words_are_those_of_the_nfkc_text(text: str) -> None:
    """canon-v2 'applies NFKC before word splitting': folding per code point gives the words
    of the NFKC-normalised text (composition only joins marks, which are dropped)."""
    nfkc = unicodedata.normalize("NFKC", text)
    assert canonical_text(nfkc, version=CANON_V2) == canonical_text(text, version=CANON_V2)


SOLO_TEXT = st.text(
    st.sampled_from("\u9053\u53ef\u975e\u5e38\u306f\u732b\u30cb\u0e1b\u0e23\u0e30\u0e40 \n\u3000"),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(text=SOLO_TEXT, cuts=st.lists(st.integers(0, 80), max_size=10))
def test_v2_han_kana_thai_tokens_ignore_spacing_and_wrapping(text: str, cuts: list[int]) -> None:
    squeezed = "".join(text.split())
    wrapped = squeezed
    for c in sorted(cuts, reverse=True):
        wrapped = wrapped[:c] + "\n" + wrapped[c:]
    want = canonical_text(squeezed, version=CANON_V2)
    assert canonical_text(text, version=CANON_V2) == want
    assert canonical_text(wrapped, version=CANON_V2) == want
    assert want == " ".join(squeezed)


def test_versions_are_recorded_and_checked() -> None:
    assert CANON_VERSION == CANON_V2 == CanonSpec().version
    assert CanonSpec.from_dict(CanonSpec(version=CANON_V1).to_dict()).version == CANON_V1
    with pytest.raises(ValidationError, match="'canon-v3' is not supported"):
        CanonSpec(version="canon-v3")
    with pytest.raises(ValidationError, match="'canon-v0' is not supported"):
        canon_batch(["x"], version="canon-v0")
    assert canonical_text("a\u00adb c\u200bd", ocr_fold=False, version=CANON_V1) == "a b c d"
    assert canonical_text("a\u00adb c\u200bd", ocr_fold=False, version=CANON_V2) == "ab cd"
    assert canonical_text("\u9053\u53ef\u9053\u3002", version=CANON_V1) == "\u9053\u53ef\u9053"
    assert canonical_text("\u9053\u53ef\u9053\u3002", version=CANON_V2) == "\u9053 \u53ef \u9053"


# ------------------------------------------------------------------ the findings of issue 10

# 道德經 chapters 1-3; 吾輩は猫である, opening (both public domain); Thai national anthem (1939)
DAODEJING = (DATA / "unspaced" / "daodejing.txt").read_text(encoding="utf-8").strip()
NEKO = (DATA / "unspaced" / "neko.txt").read_text(encoding="utf-8").strip()
THAI = (DATA / "unspaced" / "thai-anthem.txt").read_text(encoding="utf-8").strip()
FILLER = " ".join(
    f"line {i} of an unrelated page about the weather and the harbour" for i in range(40)
)


def _rewrap(text: str, width: int) -> str:
    """The text without spaces or punctuation, broken into lines of ``width`` characters."""
    bare = "".join(c for c in text if c.isalnum())
    return "\n".join(bare[i : i + width] for i in range(0, len(bare), width))


def _invisible(text: str) -> str:
    """A soft hyphen inside every word of 4+ letters, a zero-width space inside the others of
    2+ letters (the passage reads the same on screen)."""
    out = []
    for w in text.split(" "):
        mid = len(w) // 2
        if len(w) >= 4:
            w = w[:mid] + "\u00ad" + w[mid:]
        elif len(w) >= 2:
            w = w[:mid] + "\u200b" + w[mid:]
        out.append(w)
    return " ".join(out)


@pytest.fixture(scope="module", params=[(v, s) for v in VERSIONS for s in (True, False)])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    version, store_text = request.param
    path = tmp_path_factory.mktemp("idx") / "i.csfidx"
    b = IndexBuilder(path, spec=CanonSpec(version=version), store_text=store_text)
    b.add_text("persuasion", PERSUASION)
    b.add_text("daodejing", DAODEJING)
    b.add_text("neko", NEKO)
    b.add_text("thai-anthem", THAI)
    b.finish()
    return Index(path)


def _found(index: Index, text: str) -> set[str]:
    return {m.work for m in match_documents([Document("d", text, shard="s")], index)}


def _cases() -> dict[str, tuple[str, str]]:
    passage = " ".join(PERSUASION.split()[2000:2080])
    return {
        "soft hyphens and zero-width spaces": ("persuasion", FILLER + "\n" + _invisible(passage)),
        "word joiners and ZWJ inside words": (
            "persuasion",
            FILLER + " " + passage.replace("e", "e\u2060").replace("o", "o\u200d"),
        ),
        "Chinese re-wrapped without punctuation": ("daodejing", FILLER + _rewrap(DAODEJING, 13)),
        "Japanese re-wrapped with spaces": (
            "neko",
            FILLER + " ".join(_rewrap(NEKO, 7).split("\n")),
        ),
        "Thai re-wrapped": ("thai-anthem", FILLER + "\n" + _rewrap(THAI, 11)),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_issue10_copies_missed_by_v1_are_found_by_v2(index: Index, case: str) -> None:
    work, text = _cases()[case]
    found = _found(index, text)
    if index.spec.version == CANON_V1:
        assert work not in found  # the finding: canon-v1 misses it
    else:
        assert found == {work}


@pytest.mark.parametrize("work", ["daodejing", "neko", "thai-anthem"])
def test_plain_copies(index: Index, work: str) -> None:
    """Unchanged copies: canon-v2 finds all three; canon-v1 counts clauses as words, so only
    the Chinese text has the 15 "words" a match needs."""
    text = {"daodejing": DAODEJING, "neko": NEKO, "thai-anthem": THAI}[work]
    found = _found(index, FILLER + text)
    if index.spec.version == CANON_V2 or work == "daodejing":
        assert found == {work}
    else:
        assert found == set()


def test_index_records_its_version_and_scans_with_it(index: Index) -> None:
    assert index.header["spec"]["version"] == index.spec.version
    assert index.describe()["spec"]["version"] in VERSIONS
    # the index's own canonicalisation is what the scan uses
    spans, h, _ = index.candidates(["a\u00adb c d e f g h"])
    want, _ = fingerprints("a\u00adb c d e f g h", index.spec)
    assert sorted(h.tolist()) == sorted(set(h.tolist()) & set(want.tolist()))
    assert len(spans.doc_words) == 2


def test_new_indexes_default_to_v2(tmp_path: Path) -> None:
    b = IndexBuilder(tmp_path / "d.csfidx")
    b.add_text("persuasion", PERSUASION[:20000])
    b.finish()
    assert Index(tmp_path / "d.csfidx").spec.version == CANON_V2


def test_stored_text_confirmation_canonicalises_like_the_fingerprints(tmp_path: Path) -> None:
    """With --store-text a v2 index stores canonical words, and the document side is
    canonicalised the same way: an invisible-character copy confirms with similarity 1."""
    path = tmp_path / "t.csfidx"
    b = IndexBuilder(path, store_text=True)
    b.add_text("persuasion", PERSUASION)
    b.add_text("daodejing", DAODEJING)
    b.finish()
    index = Index(path)
    text, off = index.work_text(1)
    assert text == canonical_words_text(DAODEJING)
    assert len(off) - 1 == len(text.split(" "))
    for work, doc in (
        ("persuasion", _invisible(" ".join(PERSUASION.split()[3000:3060]))),
        ("daodejing", _rewrap(DAODEJING, 9)),
    ):
        (m,) = match_documents([Document("d", FILLER + "\n" + doc, shard="s")], index)
        assert m.work == work and m.similarity == 1.0


@pytest.mark.parametrize("impl", IMPLS)
def test_long_unspaced_texts_grow_the_buffers(impl: str) -> None:
    """One token per code point outgrows the compiled kernel's first allocation (sized for
    one word per five code points) many times over; mixed with words, ignorables and marks,
    in one batch, against the reference (scripts/check-kernel-asan runs this under ASan)."""
    texts = [
        DAODEJING * 40,
        (NEKO + "\u00ad" + THAI) * 20,
        ("\u9053a\u200bb\u0301\u0e1b " * 2000) + "\U00020000" * 500,
        "\u3005" * 3000,
    ]
    for version in VERSIONS:
        cb = canon_batch(texts, version=version, impl=impl)
        starts, ends = cb.offsets(np.arange(len(cb.word_hash)))
        want = [(w.start, w.end) for t in texts for w in reference_words(t, version=version)]
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == want
        for t in texts[2:]:
            spec = CanonSpec(k=4, version=version)
            h, pos = fingerprints(t, spec, impl=impl)
            assert list(zip(h.tolist(), pos.tolist(), strict=True)) == reference_fingerprints(
                t, spec
            )
