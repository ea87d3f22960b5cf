"""Works registered with the same text (issue 10, "Duplicate registrations"): the common-gram
filter counts distinct texts, never registrations, so registering a text under many works
cannot hide it; the build finds identical and near-identical texts, reports and records
them, and every work sharing the text is reported on a match."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from consentry.cli.fingerprints import register
from consentry.errors import ValidationError
from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.common import common_mask_groups
from consentry.fingerprints.duplicates import find_groups, resemblance, signatures
from consentry.fingerprints.index import Index
from consentry.scan.match import match_documents
from consentry.scan.model import Document, MatchLevel

DATA = Path(__file__).parent.parent / "data" / "fingerprints"
PERSUASION = (DATA / "persuasion.txt").read_text(encoding="utf-8")
NORTHANGER = (DATA / "northangerabbey.txt").read_text(encoding="utf-8")
WELLS = (DATA / "war-of-the-worlds.txt").read_text(encoding="utf-8")
COPIES = [f"persuasion-{c}" for c in "abcde"]  # one text, five registrations


def excerpt_doc(source: str, start: int = 3000, n: int = 60) -> Document:
    ex = " ".join(source.split()[start : start + n])
    return Document("d", WELLS[:2000] + "\n\n" + ex + "\n\n" + WELLS[2000:4000], shard="s")


def edited(text: str, seed: int, every: int = 400) -> str:
    """``text`` with one word in about every ``every`` replaced (near-identical)."""
    rng = random.Random(seed)
    words = text.split()
    for i in range(rng.randrange(every), len(words), every):
        words[i] = f"zq{seed}x{i}"
    return " ".join(words)


@pytest.fixture(scope="module", params=[True, False], ids=["aligned", "coverage"])
def same(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("idx") / "same.csfidx"
    b = IndexBuilder(path, store_text=request.param)
    for wid in COPIES:
        b.add_text(wid, PERSUASION)
    b.add_text("northanger", NORTHANGER)
    info = b.finish()
    dup = info.duplicates
    assert dup["identical_groups"] == 1 and dup["identical_copies"] == 4
    assert dup["works"] == [COPIES]
    return Index(path)


def test_a_text_registered_under_five_works_is_found_and_all_five_reported(same: Index) -> None:
    got = list(match_documents([excerpt_doc(PERSUASION)], same))
    assert [m.work for m in got] == COPIES
    assert all(m.group == tuple(COPIES) for m in got)
    assert all(m.level == MatchLevel.EXCERPT and m.words >= 55 for m in got)
    assert len({(m.spans, m.words, m.similarity) for m in got}) == 1  # the same evidence
    line = json.loads(got[0].to_json_line())
    assert line["group"] == COPIES
    # a work that shares its text with none is reported as before, without a group
    (n,) = list(match_documents([excerpt_doc(NORTHANGER)], same))
    assert n.work == "northanger" and n.group == () and "group" not in n.to_json_line()


def test_identical_copies_are_stored_once_and_recorded_in_the_index(
    same: Index, tmp_path: Path
) -> None:
    single = IndexBuilder(tmp_path / "one.csfidx")
    single.add_text("persuasion-a", PERSUASION)
    single.add_text("northanger", NORTHANGER)
    one = single.finish()
    assert same.count == one.fingerprints  # the copies' postings are not stored again
    d = same.describe()["duplicates"]
    assert (d["groups"], d["works_in_groups"], d["identical_copies"]) == (1, 5, 4)
    assert same.copies == {0: [1, 2, 3, 4]}
    assert same.text_group[3] == tuple(COPIES)


def test_near_identical_copies_count_as_one_text(tmp_path: Path) -> None:
    b = IndexBuilder(tmp_path / "near.csfidx")
    for i, wid in enumerate(COPIES):
        b.add_text(wid, PERSUASION if i == 0 else edited(PERSUASION, seed=i))
    b.add_text("northanger", NORTHANGER)
    info = b.finish()
    dup = info.duplicates
    assert dup["identical_groups"] == 0 and dup["near_identical_pairs"] == 4
    assert dup["works"] == [COPIES]
    index = Index(tmp_path / "near.csfidx")
    got = list(match_documents([excerpt_doc(PERSUASION, start=5000)], index))
    assert [m.work for m in got] == COPIES
    assert all(m.group == tuple(COPIES) for m in got)


def test_distinct_texts_sharing_a_passage_still_drop_it_as_common(tmp_path: Path) -> None:
    boiler = " ".join(WELLS.split()[100:180])  # the same 80 words in five different works
    b = IndexBuilder(tmp_path / "b.csfidx")
    for i in range(5):
        part = " ".join(NORTHANGER.split()[i * 1400 : i * 1400 + 1200])
        b.add_text(f"w{i}", part + "\n\n" + boiler)
    info = b.finish()
    assert info.duplicates["groups"] == 0 and info.dropped_common >= 5 * 70
    index = Index(tmp_path / "b.csfidx")
    assert list(match_documents([Document("x", boiler)], index)) == []
    found = [m.work for m in match_documents([excerpt_doc(NORTHANGER, start=1600)], index)]
    assert found == ["w1"]


def test_bulk_added_works_are_grouped_like_single_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    texts = [rng.integers(1, 2**63, size=200, dtype=np.uint64) for _ in range(3)]
    order = [0, 1, 0, 0, 2, 0]  # text 0 registered four times, in two calls
    ids = [f"b{i}" for i in range(len(order))]
    b = IndexBuilder(tmp_path / "bulk.csfidx")
    for lo, hi in ((0, 3), (3, 6)):
        fps = np.concatenate([texts[t] for t in order[lo:hi]])
        pos = np.concatenate([np.arange(200)] * (hi - lo))
        owners = np.repeat(np.arange(hi - lo), 200)
        b.add_batch(ids[lo:hi], fps, pos, owners, words=[205] * (hi - lo))
    info = b.finish()
    assert info.duplicates["works"] == [["b0", "b2", "b3", "b5"]]
    assert info.fingerprints == 3 * 200 and info.dropped_common == 0


def test_resemblance_and_groups_of_signatures() -> None:
    rng = np.random.default_rng(9)
    a = rng.integers(1, 2**63, size=2000, dtype=np.uint64)
    near = a.copy()
    near[:60] = rng.integers(1, 2**63, size=60, dtype=np.uint64)  # Jaccard 1940/2060 = 0.94
    other = rng.integers(1, 2**63, size=2000, dtype=np.uint64)
    fps = np.concatenate([a, near, other, np.empty(0, dtype=np.uint64)])
    owners = np.repeat(np.arange(3), 2000)
    sigs = signatures(fps, owners, 4)  # work 3 has no fingerprints
    assert (sigs[3] == 0xFFFF).all()
    r = resemblance(sigs[[0, 0]], sigs[[1, 2]])
    assert r[0] >= 0.8 and r[1] < 0.2
    keys = np.arange(8, dtype=np.uint64).reshape(4, 2)
    has = np.array([True, True, True, False])
    g = find_groups(keys, sigs, has, 0.8)
    assert (g.identical, g.groups, g.near_pairs) == ([], [[0, 1]], 1)
    keys[2] = keys[0]  # work 2 now has work 0's exact postings
    g = find_groups(keys, sigs, has, 0.8)
    assert (g.identical, g.groups) == ([[0, 2]], [[0, 1, 2]])


def test_common_mask_counts_groups_not_works() -> None:
    fps = np.array([7, 7, 7, 7, 7, 9, 9, 9, 9], dtype=np.uint64)
    works = np.array([0, 1, 2, 3, 4, 0, 5, 6, 7], dtype=np.uint32)
    group_of = np.array([0, 0, 0, 0, 0, 5, 6, 7], dtype=np.uint32)  # works 0-4: one text
    assert common_mask_groups(fps, works, None, 3).tolist() == [False] * 9
    assert common_mask_groups(fps, works, group_of, 3).tolist() == [True] * 5 + [False] * 4


def test_same_text_jaccard_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"same_text_jaccard 0 is out of range"):
        IndexBuilder(tmp_path / "x", same_text_jaccard=0)


def test_cli_build_reports_works_sharing_a_text(tmp_path: Path) -> None:
    app_ = typer.Typer()
    register(app_)
    works = tmp_path / "works"
    works.mkdir()
    for wid in COPIES:
        (works / f"{wid}.txt").write_text(PERSUASION, encoding="utf-8")
    r = CliRunner().invoke(
        app_, ["fingerprints", "build", str(works), "--out", str(tmp_path / "i")]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.splitlines()[0])
    assert out["duplicates"]["works"] == [COPIES] and out["fingerprints"] > 6_000
    assert "5 works share their text with another work (1 groups, 4 identical copies)" in (r.stderr)


def test_report_and_eu_summary_name_the_works_sharing_a_text(same: Index) -> None:
    from consentry.scan.pipeline import ScanResult, ShardResult
    from consentry.scan.report import build_report, render_html

    got = list(match_documents([excerpt_doc(PERSUASION)], same))
    shard = ShardResult("s", "s", 1, "0" * 64, 1, 1, tuple(got), (), 0, ())
    report = build_report(
        ScanResult(shards=[shard], matches=got),
        {"matcher": "fingerprint"},
        generated="2026-12-06T00:00:00Z",
    )
    assert [w["work"] for w in report["works"]] == COPIES
    assert all(w["group"] == COPIES for w in report["works"])
    summary = report["summary"]["eu_ai_act_3_1"]
    assert "5 works found share their text with other registered works" in summary
    assert "1 group); each is reported." in summary
    assert "same text as persuasion-b, persuasion-c, persuasion-d, persuasion-e" in (
        render_html(report)
    )


def test_a_scan_reports_every_work_of_the_group_in_its_match_file(
    same: Index, tmp_path: Path
) -> None:
    from consentry.scan.pipeline import IndexMatcher, scan_shard
    from consentry.scan.readers import ReadOptions, discover_shards

    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "d", "text": excerpt_doc(PERSUASION).text}) + "\n")
    r = scan_shard(discover_shards([path])[0], ReadOptions(), IndexMatcher(str(same.path))())
    assert [(m.work, m.group, m.record) for m in r.matches] == [
        (w, tuple(COPIES), 1) for w in COPIES
    ]


def test_filter_removes_the_document_and_names_every_work_of_the_group(
    same: Index, tmp_path: Path
) -> None:
    from consentry.scan.filter import filter_corpus
    from consentry.scan.pipeline import IndexMatcher
    from consentry.scan.readers import ReadOptions, discover_shards

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        json.dumps({"id": "d", "text": excerpt_doc(PERSUASION).text})
        + "\n"
        + json.dumps({"id": "e", "text": WELLS[:3000]})
        + "\n"
    )
    result = filter_corpus(
        discover_shards([corpus]), ReadOptions(), IndexMatcher(str(same.path)), tmp_path / "o"
    )
    lines = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    assert [(x["doc"], x["work"]) for x in lines] == [("d", w) for w in COPIES]
    kept = (tmp_path / "o" / "c" / "a.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in kept] == ["e"]


def test_a_group_naming_a_work_the_index_does_not_have_is_refused(
    same: Index, tmp_path: Path
) -> None:
    from consentry.errors import ScanError

    raw = same.path.read_bytes()
    old = b'"text_groups":[[0,1,2,3,4]]'
    assert old in raw
    new = b'"text_groups":[[0,99]]'
    bad = tmp_path / "bad.csfidx"
    bad.write_bytes(raw.replace(old, new + b" " * (len(old) - len(new)), 1))
    with pytest.raises(ScanError, match=r"damaged: a text group names works \[0, 99\]"):
        Index(bad)


def padded(text: str, seed: int, words: int) -> str:
    """``text`` between ``words`` other words (from another novel, in another order each
    time): a copy that resembles ``text`` less than any near-identity threshold."""
    rng = random.Random(seed)
    pool = WELLS.split()
    pad = [pool[rng.randrange(len(pool))] + f"{seed}" for _ in range(words)]
    half = words // 2
    return " ".join(pad[:half]) + "\n\n" + text + "\n\n" + " ".join(pad[half:])


def test_padded_copies_cannot_hide_the_work_they_copy(tmp_path: Path) -> None:
    """The attack near-identity cannot catch: Persuasion's text registered three more times,
    each padded with four times its length of other words, so every copy resembles it (and
    the others) far below the 0.8 threshold; its grams are then in four distinct texts, over
    max_works = 3. Before: the common-gram filter dropped all of Persuasion's fingerprints
    and an excerpt of it found nothing. Now the filter may not take more than 25 % of a
    text's fingerprints: Persuasion keeps all of its own, is found and reported, and the
    build says so; the padded copies lose only their copy of it (a fifth of theirs; with
    less padding they would keep it too, and be reported beside Persuasion)."""
    n = len(PERSUASION.split())
    path = tmp_path / "padded.csfidx"
    b = IndexBuilder(path)
    b.add_text("persuasion", PERSUASION)
    for i in range(3):
        b.add_text(f"padded-{i}", padded(PERSUASION, i, 4 * n))
    b.add_text("northanger", NORTHANGER)
    info = b.finish()
    assert info.duplicates["groups"] == 0  # no copy is near-identical to another
    assert info.common_kept == ["persuasion"]
    index = Index(path)
    assert index.header["common_kept"] == ["persuasion"]
    assert index.header["common"]["max_dropped_share"] == 0.25
    got = list(match_documents([excerpt_doc(PERSUASION)], index))
    assert [m.work for m in got] == ["persuasion"]
    assert got[0].level is MatchLevel.EXCERPT
    # Northanger Abbey shares nothing and loses nothing
    assert [m.work for m in match_documents([excerpt_doc(NORTHANGER)], index)] == ["northanger"]


def test_the_share_a_text_may_lose_is_checked_and_boilerplate_still_goes() -> None:
    from consentry.fingerprints.common import CommonFilter, protected_works

    with pytest.raises(ValidationError, match=r"max_dropped_share must be in 0\.\.1, got 1\.5"):
        CommonFilter(max_dropped_share=1.5)
    lost = np.array([0, 10, 26, 100], dtype=np.int64)
    total = np.array([100, 100, 100, 100], dtype=np.int64)
    assert protected_works(lost, total, 0.25).tolist() == [False, False, True, True]
    assert protected_works(lost, total, 1.0).tolist() == [False] * 4  # the old rule


def test_cli_build_says_which_works_keep_their_common_fingerprints(tmp_path: Path) -> None:
    works = tmp_path / "works"
    works.mkdir()
    n = len(PERSUASION.split())
    (works / "persuasion.txt").write_text(PERSUASION, encoding="utf-8")
    for i in range(3):
        (works / f"padded-{i}.txt").write_text(padded(PERSUASION, i, 4 * n), encoding="utf-8")
    app = typer.Typer()
    register(app)
    out = CliRunner().invoke(
        app, ["fingerprints", "build", str(works), "--out", str(tmp_path / "i.csfidx")]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout.splitlines()[0])["common_kept"] == ["persuasion"]
    assert "1 works keep fingerprints that other registered texts share" in out.stderr
    assert "more than 25% of theirs" in out.stderr and ": persuasion" in out.stderr
