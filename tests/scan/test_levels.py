"""Match levels measure how much of the WORK a document covers (issue 10, "Repetition"): a
short passage repeated many times is an excerpt, not a substantial part or a copy; the
document's side of the evidence is reported beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.spec import canonical_text
from consentry.scan.match import match_documents
from consentry.scan.model import Document, MatchLevel
from consentry.scan.pipeline import ScanResult, ShardResult
from consentry.scan.report import build_report

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
PERSUASION = (DATA / "persuasion.txt").read_text(encoding="utf-8")
NORTHANGER = (DATA / "northangerabbey.txt").read_text(encoding="utf-8")
SHORT = " ".join(NORTHANGER.split()[:4000])  # a 4,000-word work


@pytest.fixture(scope="module", params=[True, False], ids=["aligned", "coverage"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("idx") / "i.csfidx"
    b = IndexBuilder(path, store_text=request.param)
    b.add_text("persuasion", PERSUASION)
    b.add_text("short", SHORT)
    b.finish()
    return Index(path)


def passage(text: str, start: int, n: int) -> str:
    return " ".join(text.split()[start : start + n])


@pytest.mark.parametrize(
    ("work", "source", "start", "times", "was"),
    [
        ("persuasion", PERSUASION, 2000, 200, "copy"),  # 10,000 words: 142 % of 7,025
        ("persuasion", PERSUASION, 2000, 20, "substantial"),  # 1,000 words: 14 %
        ("short", SHORT, 1000, 200, "copy"),  # 250 % of the 4,000-word work
    ],
    ids=["persuasion-200", "persuasion-20", "short-work-200"],
)
def test_a_repeated_passage_is_an_excerpt(
    index: Index, work: str, source: str, start: int, times: int, was: str
) -> None:
    # The document covers 50 words of the work however often it repeats them; measured
    # on document words (before issue 10) these were rated `was`.
    p = passage(source, start, 50)
    doc = Document("rep", "\n\n".join([p] * times), shard="s")
    (m,) = list(match_documents([doc], index))
    n = len(canonical_text(p).split())
    assert m.work == work
    assert m.level == MatchLevel.EXCERPT and m.level.value != was
    assert m.words == n  # distinct words of the work covered
    assert m.doc_words is not None and m.doc_words >= times * (n - 5)  # the document's side
    assert len(m.spans) == times
    line = json.loads(m.to_json_line())
    assert (line["words"], line["doc_words"], line["level"]) == (n, m.doc_words, "excerpt")


def test_the_whole_work_is_still_a_copy_and_a_tenth_substantial(index: Index) -> None:
    words = SHORT.split()
    whole = list(match_documents([Document("whole", SHORT)], index))
    tenth = list(match_documents([Document("tenth", " ".join(words[:600]))], index))
    assert [(m.work, m.level) for m in whole] == [("short", MatchLevel.COPY)]
    assert [(m.work, m.level) for m in tenth] == [("short", MatchLevel.SUBSTANTIAL)]
    assert whole[0].doc_words == whole[0].words  # nothing repeated: both sides agree


def test_report_and_eu_summary_state_both_sides(index: Index) -> None:
    p = passage(SHORT, 1000, 50)
    (m,) = list(match_documents([Document("rep", "\n\n".join([p] * 200), shard="s")], index))
    result = ScanResult(
        shards=[ShardResult("s", "s", 1, "0" * 64, 1, 1, (m,), (), 0, ())], matches=[m]
    )
    report = build_report(result, {"matcher": "fingerprint"}, generated="2026-12-06T00:00:00Z")
    t = report["totals"]
    assert (t["words_matched"], t["doc_words_matched"]) == (m.words, m.doc_words)
    assert t["by_level"]["excerpt"] == 1 and t["by_level"]["copy"] == 0
    (w,) = report["works"]
    assert (w["words"], w["doc_words"]) == (m.words, m.doc_words)
    summary = report["summary"]["eu_ai_act_3_1"]
    assert "a passage repeated in a document counts once" in summary
    assert f"{m.words:,} words of works covered" in summary
    assert f"{m.doc_words:,} words" in summary
