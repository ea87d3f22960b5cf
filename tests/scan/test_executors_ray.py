"""Ray Data executor on a local Ray with 2 CPUs: byte-identical matches to local processes,
and a filter on Ray writes byte-identical output and manifest to the local engine's.

Needs ``ray[data]`` (the ``consentry[ray]`` extra, part of the dev set-up in CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from tests.scan.kit import MATCHER, build_mixed_corpus

from consentry.scan.executors import run_local, run_ray
from consentry.scan.filter import STATE_DIR, filter_corpus
from consentry.scan.pipeline import write_matches
from consentry.scan.readers import ReadOptions, discover_shards

# Ray 2.60's own DataContext construction warns about its own deprecated settings
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:ray\.")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    # a cluster of its own, never the one /tmp/ray/ray_current_cluster names (executors.py)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_and_local_give_byte_identical_match_files(local_ray: None, tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    seen: list[str] = []
    on_ray = run_ray(
        shards, ReadOptions(), MATCHER, workers=2, on_shard=lambda r: seen.append(r.shard)
    )
    local = run_local(shards, ReadOptions(), MATCHER, workers=2)
    write_matches(on_ray.matches, tmp_path / "ray.jsonl")
    write_matches(local.matches, tmp_path / "local.jsonl")
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert len(local.matches) > 0
    assert sorted(seen) == sorted(s.name for s in shards)
    assert [s.documents for s in on_ray.shards] == [s.documents for s in local.shards]
    assert [s.sha256 for s in on_ray.shards] == [s.sha256 for s in local.shards]


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file of a filter's output (the resume state aside: its markers name no engine
    but hold the same results, checked through the manifest)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and STATE_DIR not in p.parts
    }


@pytest.mark.parametrize("mode", ["drop", "redact"])
def test_filter_on_ray_writes_the_same_bytes_as_the_local_engine(
    local_ray: None, tmp_path: Path, mode: str
) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    seen: list[str] = []
    on_ray = filter_corpus(
        shards,
        ReadOptions(),
        MATCHER,
        tmp_path / "ray",
        mode=mode,
        workers=2,
        engine="ray",
        on_shard=lambda r: seen.append(r.shard),
    )
    local = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "local", mode=mode, workers=2)
    assert on_ray.shards == local.shards
    assert sorted(seen) == sorted(s.name for s in shards)
    assert on_ray.total("dropped") + on_ray.total("redacted") > 0
    ray_tree, local_tree = _tree(tmp_path / "ray"), _tree(tmp_path / "local")
    written = {s.output for s in on_ray.shards if s.output} | {"_removals.jsonl"}
    assert set(ray_tree) == written and len(written) > len(shards) // 2
    assert ray_tree == local_tree
