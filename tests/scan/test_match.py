"""The matcher on real prose: planted excerpts found with exact spans, quotations ignored."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from consentry.errors import ValidationError
from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.spec import canonical_text
from consentry.scan.match import MatchOptions, _lexsort, match_documents
from consentry.scan.model import Document, MatchLevel

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
PERSUASION = (DATA / "persuasion.txt").read_text(encoding="utf-8")
NORTHANGER = (DATA / "northangerabbey.txt").read_text(encoding="utf-8")
WELLS = (DATA / "war-of-the-worlds.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=[True, False], ids=["aligned", "coverage"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("idx") / "i.csfidx"
    b = IndexBuilder(path, store_text=request.param)
    b.add_text("persuasion", PERSUASION)
    b.add_text("northanger", NORTHANGER)
    b.finish()
    return Index(path)


def words(text: str, start: int, n: int) -> str:
    return " ".join(text.split()[start : start + n])


def ocr(s: str, rate: float, rng: random.Random) -> str:
    out = []
    for ch in s:
        if ch.isalpha() and rng.random() < rate:
            out.append(rng.choice("aeilmnorstu"))
        elif ch == " " and rng.random() < rate / 2:
            continue
        else:
            out.append(ch)
    return "".join(out)


def test_excerpt_found_with_span_into_the_original(index: Index) -> None:
    bg = WELLS[:6000]
    excerpt = words(PERSUASION, 1000, 60)
    cut = bg.index(" ", 3000)
    text = bg[:cut] + "\n\n\u201c" + excerpt + "\u201d\n\n" + bg[cut:]
    got = list(match_documents([Document("d1", text, shard="s")], index))
    assert len(got) == 1
    m = got[0]
    assert (m.doc, m.work, m.shard) == ("d1", "persuasion", "s")
    assert m.level == MatchLevel.EXCERPT
    ((a, b),) = m.spans
    assert text[a:b] == excerpt
    assert m.words == len(canonical_text(excerpt).split()) and m.similarity > 0.95


def test_reformatted_and_noisy_excerpts(index: Index) -> None:
    rng = random.Random(3)
    docs = []
    for i in range(20):
        ex = words(NORTHANGER, 300 * i, 50)
        ws = ex.split()
        ex = "\n".join(
            " ".join(ws[j : j + 8]).upper() if j % 16 else " ".join(ws[j : j + 8])
            for j in range(0, 50, 8)
        )
        docs.append(Document(f"r{i}", WELLS[i * 500 : i * 500 + 1500] + "\n" + ex))
        docs.append(Document(f"o{i}", ocr(words(NORTHANGER, 300 * i + 77, 50), 0.02, rng)))
    found = {(m.doc, m.work) for m in match_documents(docs, index)}
    assert found == {(d.id, "northanger") for d in docs}


def test_short_quotes_and_unrelated_text_are_not_reported(index: Index) -> None:
    docs = [
        Document(f"q{i}", WELLS[i * 1000 : i * 1000 + 2000] + " " + words(PERSUASION, 50 * i, 10))
        for i in range(20)
    ]
    docs.append(Document("bg", WELLS))
    docs.append(Document("empty", ""))
    docs.append(Document("junk", "\ud800\x00-\n" * 50))
    assert list(match_documents(docs, index)) == []


def test_each_work_is_its_own_claim(index: Index) -> None:
    a, b = words(PERSUASION, 2000, 40), words(NORTHANGER, 2000, 40)
    docs = [Document("both", a + " ... " + b), Document("one", b)]
    got = [(m.doc, m.work) for m in match_documents(docs, index)]
    assert got == [("both", "northanger"), ("both", "persuasion"), ("one", "northanger")]


def test_two_excerpts_give_two_spans_and_levels_follow_options(index: Index) -> None:
    ex1, ex2 = words(PERSUASION, 100, 30), words(PERSUASION, 3000, 30)
    text = ex1 + "\n" + WELLS[:2000] + "\n" + ex2
    (m,) = match_documents([Document("d", text)], index)
    assert [text[a:b] for a, b in m.spans] == [ex1, ex2]
    assert m.words == len(canonical_text(ex1).split()) + len(canonical_text(ex2).split())
    opts = MatchOptions(min_words=40)
    assert list(match_documents([Document("d", text)], index, options=opts)) == []
    opts = MatchOptions(substantial_fraction=0.005)
    (m,) = match_documents([Document("d", text)], index, options=opts)
    assert m.level == MatchLevel.SUBSTANTIAL
    (m,) = match_documents([Document("c", PERSUASION)], index)
    assert (
        m.level == MatchLevel.COPY and m.spans == ((0, len(PERSUASION.rstrip())),)
    ) or m.level == MatchLevel.COPY


def test_batches_do_not_change_results(index: Index) -> None:
    docs = [
        Document(f"d{i}", WELLS[i * 300 : i * 300 + 900] + words(PERSUASION, 40 * i, 45))
        for i in range(30)
    ]
    one = [
        m.to_json_line() for m in match_documents(docs, index, options=MatchOptions(batch_chars=1))
    ]
    many = [m.to_json_line() for m in match_documents(docs, index)]
    assert one == many and len(one) == 30


def test_options_are_checked() -> None:
    with pytest.raises(ValidationError, match="min_words=0"):
        MatchOptions(min_words=0)
    with pytest.raises(ValidationError, match=r"min_similarity=1\.5"):
        MatchOptions(min_similarity=1.5)
    assert MatchOptions().to_dict()["min_words"] == 15


def test_packed_sort_equals_lexsort() -> None:
    rng = np.random.default_rng(3)
    for n, span in ((0, 10), (1, 10), (500, 40), (5000, 1 << 30)):
        keys = tuple(rng.integers(-span, span, n).astype(np.int64) for _ in range(4))
        assert np.array_equal(_lexsort(keys), np.lexsort(keys[::-1]))  # incl. ties, > 63 bits
