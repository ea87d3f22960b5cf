"""The local executor with several workers: workers started ahead of the command
(``prestart``), the parent that only collects, and results that travel as plain tuples
and pre-written match lines, merged by concatenation into the same bytes as before."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from tests.scan.kit import MATCHER, build_mixed_corpus

from consentry.cli.scan import prestart_workers
from consentry.scan import executors
from consentry.scan.executors import prestart, run_local
from consentry.scan.pipeline import ScanResult, merge, scan_shard, write_match_lines, write_matches
from consentry.scan.readers import ReadOptions, discover_shards


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("local") / "corpus"
    build_mixed_corpus(root)
    return root


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["scan", "c", "--index", "i", "--matches", "m", "--workers", "2"], 2),
        (["filter", "c", "--workers=3", "--index", "i", "--out", "o"], 3),
        (["scan", "c", "--workers", "2", "--engine", "local"], 2),
        (["scan", "c", "--workers", "2", "--engine", "ray"], 0),  # Ray starts its own
        (["scan", "c", "--engine=ray", "--workers=2"], 0),
        (["scan", "c", "--workers", "1"], 0),
        (["scan", "c"], 0),
        (["scan", "c", "--workers", "two"], 0),  # the command itself refuses it
        (["scan", "c", "--workers"], 0),
        (["scan", "c", "--workers", "99999"], 0),
        (["scan", "--help", "--workers", "2"], 0),
        (["lookup", "--workers", "2"], 0),
        (["--workers", "2", "scan"], 0),
        ([], 0),
    ],
)
def test_the_cli_starts_workers_only_for_a_local_scan_or_filter_with_several(
    argv: list[str], started: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(executors, "prestart", calls.append)
    assert prestart_workers(argv) == started
    assert calls == ([started] if started else [])


def test_a_prestarted_pool_is_the_one_the_run_uses_and_gives_the_same_bytes(
    corpus: Path, tmp_path: Path
) -> None:
    shards = discover_shards([corpus])
    one = run_local(shards, ReadOptions(), MATCHER, workers=1)
    prestart(2)
    pool = executors._prestarted
    assert pool is not None
    two = run_local(shards, ReadOptions(), MATCHER, workers=2)
    assert executors._prestarted is None  # taken by the run, and shut down with it
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(print)
    write_match_lines(one.match_lines(), tmp_path / "one.jsonl")
    write_match_lines(two.match_lines(), tmp_path / "two.jsonl")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one.matches == two.matches and len(one.matches) > 0


def test_a_prestarted_pool_of_another_size_is_left_alone(corpus: Path) -> None:
    shards = discover_shards([corpus])
    prestart(3)
    pool = executors._prestarted
    try:
        result = run_local(shards, ReadOptions(), MATCHER, workers=2)
        assert executors._prestarted is pool and len(result.matches) > 0
    finally:
        executors._prestarted = None
        assert pool is not None
        pool.shutdown()


def test_a_shard_result_travels_as_tuples_and_comes_back_equal(corpus: Path) -> None:
    results = [scan_shard(s, ReadOptions(), MATCHER()) for s in discover_shards([corpus])]
    with_matches = [r for r in results if r.matches]
    assert with_matches
    for r in results:
        reduced = r.__reduce__()
        rows = reduced[1][6]
        assert all(type(row) is tuple for row in rows)
        back = pickle.loads(pickle.dumps(r))
        assert back == r
        assert [type(m.level) for m in back.matches] == [type(m.level) for m in r.matches]


def test_scan_shard_orders_its_matches_and_writes_their_lines(corpus: Path, tmp_path: Path) -> None:
    for shard in discover_shards([corpus]):
        r = scan_shard(shard, ReadOptions(), MATCHER())
        keys = [m.sort_key() for m in r.matches]
        assert keys == sorted(keys) and len(set(r.matches)) == len(r.matches)
        assert r.lines == b"".join(m.to_json_bytes() for m in r.matches)


def test_merge_orders_results_made_without_lines_like_those_with(
    corpus: Path, tmp_path: Path
) -> None:
    results = [scan_shard(s, ReadOptions(), MATCHER()) for s in discover_shards([corpus])]
    # the same results as another executor might make them: matches out of order, repeated,
    # no lines
    bare = [
        replace(r, matches=tuple(reversed(r.matches)) + r.matches[:1], lines=b"") for r in results
    ]
    a, b = merge(results), merge(reversed(bare))
    assert a.matches == b.matches and len(a.matches) > 0
    assert b"".join(a.match_lines()) == b"".join(b.match_lines())
    n = write_matches(a.matches, tmp_path / "objects.jsonl")
    assert write_match_lines(b.match_lines(), tmp_path / "lines.jsonl") == n
    assert (tmp_path / "objects.jsonl").read_bytes() == (tmp_path / "lines.jsonl").read_bytes()
    # a result built by hand (no lines, no merge): its matches are its lines
    hand = ScanResult(shards=a.shards, matches=a.matches)
    assert b"".join(hand.match_lines()) == b"".join(a.match_lines())
