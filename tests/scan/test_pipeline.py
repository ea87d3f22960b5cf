"""Pipeline and local executor: shards -> documents -> matcher -> one merge, same bytes for
any number of workers."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.scan.kit import (
    MATCHER,
    PASSAGE_A,
    BrokenFactory,
    BrokenInChildFactory,
    DyingInChildFactory,
    build_mixed_corpus,
    expected_pairs,
)

from consentry.errors import ScanError
from consentry.scan.executors import run, run_local
from consentry.scan.model import Document, Match, MatchLevel
from consentry.scan.pipeline import (
    LiteralMatcher,
    merge,
    read_matches,
    scan_shard,
    write_matches,
)
from consentry.scan.readers import ReadOptions, discover_shards


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[dict]]]:
    root = tmp_path_factory.mktemp("pipe") / "corpus"
    return root, build_mixed_corpus(root)


def test_scan_finds_every_planted_passage_in_every_format(corpus: tuple[Path, dict]) -> None:
    root, records = corpus
    result = run_local(discover_shards([root]), ReadOptions(), MATCHER)
    # JSONL, Parquet and HF shards keep the id field; WARC ids are file:record
    want = set()
    for name, recs in records.items():
        if name.endswith(".warc.gz"):
            continue
        want |= expected_pairs(recs)
    got = {(m.doc, m.work) for m in result.matches}
    warc = {p for p in got if p[0].startswith("corpus/crawl/")}
    assert got - warc - {("corpus/books/novel.txt", "persuasion-a")} == want
    assert len(warc) == len(expected_pairs(records["crawl/web-000.warc.gz"]))
    assert ("corpus/books/novel.txt", "persuasion-a") in got
    assert result.documents == 5 * 30 + 20 + 1
    assert result.bad_records == 0


def test_spans_point_into_the_original_text(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    shards = discover_shards([root])
    by_id = {}
    from consentry.scan.readers import ReadLog, read_shard

    for s in shards:
        for d in read_shard(s, ReadOptions(), ReadLog()):
            by_id[(s.name, d.id)] = d.text
    result = run_local(shards, ReadOptions(), MATCHER)
    for m in result.matches:
        text = by_id[(m.shard, m.doc)]
        for a, b in m.spans:
            assert text[a:b] in {lit for _, lit in MATCHER.literals}


def test_one_and_two_workers_write_byte_identical_match_files(
    corpus: tuple[Path, dict], tmp_path: Path
) -> None:
    root, _ = corpus
    shards = discover_shards([root])
    one = run_local(shards, ReadOptions(), MATCHER, workers=1)
    two = run_local(shards, ReadOptions(), MATCHER, workers=2)
    write_matches(one.matches, tmp_path / "one.jsonl")
    write_matches(two.matches, tmp_path / "two.jsonl")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert len(read_matches(tmp_path / "one.jsonl")) == len(one.matches) > 0
    assert [s.shard for s in one.shards] == sorted(s.name for s in shards)


def test_merge_orders_deterministically_and_drops_repeated_results(
    corpus: tuple[Path, dict],
) -> None:
    root, _ = corpus
    shards = discover_shards([root])
    matcher = MATCHER()
    results = [scan_shard(s, ReadOptions(), matcher) for s in shards]
    forward = merge(results)
    backward = merge(list(reversed(results)) + results[:2])  # a retried task reports twice
    assert [m.to_json_line() for m in forward.matches] == [
        m.to_json_line() for m in backward.matches
    ]
    keys = [m.sort_key() for m in forward.matches]
    assert keys == sorted(keys)


def test_merge_refuses_two_different_results_for_one_shard(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    shard = discover_shards([root])[0]
    a = scan_shard(shard, ReadOptions(), MATCHER())
    b = scan_shard(shard, ReadOptions(), LiteralMatcher((("x", "Martians"),))())
    with pytest.raises(ScanError, match=r"shard 'corpus/books/novel.txt' gave two different"):
        merge([a, b])


def test_shard_result_pickle_round_trip_is_lossless(corpus: tuple[Path, dict]) -> None:
    # the Ray executor moves results between processes pickled
    root, _ = corpus
    for shard in discover_shards([root]):
        r = scan_shard(shard, ReadOptions(), MATCHER())
        assert pickle.loads(pickle.dumps(r)) == r


def test_shard_result_counts_size_hash_and_examples(corpus: tuple[Path, dict]) -> None:
    import hashlib

    root, _ = corpus
    shard = next(s for s in discover_shards([root]) if s.name.endswith("part-000.jsonl"))
    r = scan_shard(shard, ReadOptions(), MATCHER())
    data = Path(shard.path).read_bytes()
    assert (r.size, r.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert r.documents == 30
    ex_a = [e for e in r.examples if e.work == "persuasion-a"]
    assert 0 < len(ex_a) <= 3 and ex_a[0].text == PASSAGE_A[:240]
    # without a report nothing needs the hash: the same result, the hash left empty
    bare = scan_shard(shard, ReadOptions(), MATCHER(), digest=False)
    assert (bare.size, bare.sha256) == (len(data), "")
    assert (bare.matches, bare.examples, bare.documents) == (r.matches, r.examples, 30)


def test_matches_from_a_batching_matcher_still_get_examples(tmp_path: Path) -> None:
    """A matcher that reads every document before answering (like a batched kernel)."""

    def batching(docs: Iterable[Document]) -> Iterator[Match]:
        held = list(docs)
        for d in held:
            at = d.text.find("needle")
            if at >= 0:
                yield Match(d.id, "w", 1, MatchLevel.EVIDENCE, ((at, at + 6),), 1.0)

    path = tmp_path / "c.jsonl"
    path.write_text("".join(f'{{"id": "d{i}", "text": "a needle {i}"}}\n' for i in range(10)))
    r = scan_shard(discover_shards([path])[0], ReadOptions(), batching)
    assert len(r.matches) == 10 and all(m.shard == "c.jsonl" for m in r.matches)
    assert [e.text for e in r.examples] == ["needle"] * 3


def test_bad_worker_count_and_engine_are_refused(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    shards = discover_shards([root])
    with pytest.raises(ScanError, match="workers is 0, expected 1 or more"):
        run_local(shards, ReadOptions(), MATCHER, workers=0)
    with pytest.raises(ScanError, match="engine 'spark' is not one of"):
        run("spark", shards, ReadOptions(), MATCHER)


def test_literal_matcher_refuses_an_empty_literal() -> None:
    with pytest.raises(ScanError, match="literal for work 'w' is empty"):
        LiteralMatcher((("w", ""),))


def test_write_matches_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    m = Match("d", "w", 20, MatchLevel.EXCERPT, ((0, 5),), 0.98765, "s.jsonl", 3)
    n = write_matches([m], tmp_path / "out" / "m.jsonl")
    assert n == 1
    assert (tmp_path / "out" / "m.jsonl").read_text() == (
        '{"doc":"d","shard":"s.jsonl","record":3,"work":"w","words":20,"doc_words":20,'
        '"level":"excerpt","spans":[[0,5]],"similarity":0.9877}\n'
    )
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["m.jsonl"]


def test_a_worker_that_cannot_start_fails_the_scan_instead_of_hanging(
    corpus: tuple[Path, dict],
) -> None:
    root, _ = corpus
    with pytest.raises(ScanError, match="the matcher cannot be built: index cannot be opened"):
        run_local(discover_shards([root]), ReadOptions(), BrokenFactory(), workers=2)
    # a worker's matcher that cannot be built: the reason, from the worker
    with pytest.raises(ScanError, match="cannot be built: index cannot be opened in a worker"):
        run_local(discover_shards([root]), ReadOptions(), BrokenInChildFactory(), workers=2)
    with pytest.raises(ScanError, match="a scan worker process died"):
        run_local(discover_shards([root]), ReadOptions(), DyingInChildFactory(), workers=2)


def test_scan_shard_keeps_every_field_of_the_matchers_matches(tmp_path: Path) -> None:
    """Only the id, shard and record of a match change on the way out of scan_shard (the
    document's side, doc_words, among the rest: here the passage occurs twice)."""
    from dataclasses import replace

    text = f"{PASSAGE_A} and again {PASSAGE_A}"
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "d", "text": text}) + "\n", encoding="utf-8")
    raw = list(MATCHER()([Document("1\td", text, "c.jsonl")]))
    r = scan_shard(discover_shards([path])[0], ReadOptions(), MATCHER())
    assert list(r.matches) == [replace(m, doc="d", shard="c.jsonl", record=1) for m in raw]
    assert r.matches[0].doc_words == 2 * r.matches[0].words


_ID_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)


@given(
    doc=_ID_TEXT | st.just("lone \ud800 surrogate"),
    work=_ID_TEXT,
    words=st.integers(0, 10**9),
    spans=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), max_size=3),
    similarity=st.floats(0.0, 1.0),
    record=st.integers(0, 10**9),
)
def test_a_match_line_is_json_text_of_its_fields(
    doc: str, work: str, words: int, spans: list, similarity: float, record: int
) -> None:
    """Match lines are written by orjson where it can (speed) and must be exactly the
    standard library's compact json_text (lone surrogates escaped) of the same fields."""
    from consentry.scan.model import json_text

    m = Match(doc, work, words, MatchLevel.EXCERPT, tuple(spans), similarity, "s", record, 7)
    fields = {
        "doc": doc,
        "shard": "s",
        "record": record,
        "work": work,
        "words": words,
        "doc_words": 7,
        "level": "excerpt",
        "spans": [list(s) for s in spans],
        "similarity": round(similarity, 4),
    }
    assert m.to_json_line() == json_text(fields, separators=(",", ":"))
