"""Text written without spaces (issue 10, "Scripts without spaces"): canon-v2 makes every
Han, Kana and Thai character a token, so a 6-gram is six characters, often one common word
("ディレクトリ"). With the English thresholds, two unrelated Japanese pages on one subject
matched (benchmarks/cjk_false_positives.py: 15,989 matches between unrelated passages of
Japanese manual pages). A cluster whose document tokens are mostly such characters now needs an extent of
``solo_min_words`` tokens with hits covering ``solo_min_coverage`` of it; a re-wrapped copy
is still found. The texts below were written for this test."""

from __future__ import annotations

import pytest

from consentry.errors import ValidationError
from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.scan.match import MatchOptions, match_documents
from consentry.scan.model import Document, MatchLevel

WORK = (
    "このコマンドはディレクトリの中を調べて、対応するデータファイルのない古いファイルを削除する。"
    "オプションを指定しない場合は、ディレクトリの中のファイルの名前を表示するだけで、何も削除しない。"
    "再帰モードでは、すべてのサブディレクトリも同じように調べる。対話モードでは、ファイルを削除する前に"
    "確認のプロンプトを出す。インストールされたプログラムの設定ファイルは、このコマンドでは削除されない。"
    "終了ステータスは、エラーが起きた場合を除いて０を返す。"
)
# the same subject and many of the same words, in other sentences: not a copy
PARAPHRASE = (
    "あのツールもディレクトリの下を探して、関連するデータファイルがある新しいファイルを保存する。"
    "オプションを付けた時には、ディレクトリにあるファイルの大きさを調べるだけで、何も変えない。"
    "再帰的な処理では、下にあるサブディレクトリを順番に読む。対話的な処理では、ファイルを開く前に"
    "利用者にプロンプトを見せる。インストールされたプログラムの説明ファイルも、このツールで読める。"
    "戻り値は、問題が無かった場合に限って１を返す。"
)
ENGLISH = (
    "It is a truth universally acknowledged, that a single man in possession of a good "
    "fortune, must be in want of a wife. However little known the feelings or views of such "
    "a man may be on his first entering a neighbourhood, this truth is so well fixed in the "
    "minds of the surrounding families, that he is considered as the rightful property of "
    "some one or other of their daughters."
)


def rewrapped(text: str, width: int = 17) -> str:
    flat = "".join(text.split())
    return "\n".join(flat[i : i + width] for i in range(0, len(flat), width))


@pytest.fixture(scope="module", params=[True, False], ids=["aligned", "coverage"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("solo") / "ja.csfidx"
    b = IndexBuilder(path, store_text=request.param)
    b.add_text("ja", WORK)
    b.add_text("en", ENGLISH)
    b.finish()
    return Index(path)


def found(index: Index, text: str, options: MatchOptions = MatchOptions()) -> list[str]:
    return [m.work for m in match_documents([Document("d", text)], index, options=options)]


def test_a_paraphrase_sharing_common_words_is_not_a_match(index: Index) -> None:
    assert found(index, PARAPHRASE) == []
    # the English thresholds alone (the rule switched off) took it for a copy
    loose = MatchOptions(solo_min_words=15, solo_min_coverage=0.0)
    assert found(index, PARAPHRASE, loose) == ["ja"]


@pytest.mark.parametrize(
    "form",
    [rewrapped, lambda t: " ".join("".join(t.split())), lambda t: t],
    ids=["rewrapped", "spaced", "as-is"],
)
def test_a_copy_of_a_passage_is_found_however_wrapped(index: Index, form: object) -> None:
    passage = WORK[40:110]  # 70 characters: about 60 tokens once punctuation goes
    assert callable(form)
    doc = "関係のない文章がここにある。" + form(passage) + "別の話が続く。"
    got = list(match_documents([Document("d", doc)], index))
    assert [m.work for m in got] == ["ja"]
    assert got[0].level is MatchLevel.SUBSTANTIAL and got[0].similarity >= 0.9


def test_a_passage_shorter_than_the_solo_extent_is_not_evidence(index: Index) -> None:
    short = WORK[40:70]  # 30 characters: under solo_min_words tokens
    assert found(index, "関係のない文章。" + short + "別の話。") == []
    assert found(index, short, MatchOptions(solo_min_words=15)) == ["ja"]


def test_english_keeps_the_english_thresholds(index: Index) -> None:
    # 20 words: over min_words (15), far under solo_min_words (40)
    excerpt = " ".join(ENGLISH.split()[10:30])
    assert found(index, "Nothing to do with it. " + excerpt + " And more besides.") == ["en"]


def test_the_solo_thresholds_are_checked_and_printed() -> None:
    with pytest.raises(ValidationError, match=r"solo_min_coverage=1\.5 is not valid"):
        MatchOptions(solo_min_coverage=1.5)
    with pytest.raises(ValidationError, match="solo_min_words=0 is not valid"):
        MatchOptions(solo_min_words=0)
    d = MatchOptions().to_dict()
    assert (d["solo_min_words"], d["solo_min_coverage"], d["solo_share"]) == (40, 0.6, 0.5)
