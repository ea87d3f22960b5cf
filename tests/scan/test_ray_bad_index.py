"""With ``--engine ray``, a bad index fails in one line before any Ray cluster starts, in
``scan`` and ``filter`` alike.

The index is damaged past its header (the fingerprints out of order), so opening it for the
report passes and only building the matcher finds it: before the fix, Ray started, every
actor failed, and a long Ray traceback followed. ``RAY_TMPDIR`` points at a fresh folder, so
a Ray session that started would leave its session folder there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.scan.kit import DATA, BrokenFactory, documents, write_jsonl

from consentry.errors import ScanError
from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.scan.executors import run_ray
from consentry.scan.filter import filter_corpus
from consentry.scan.readers import ReadOptions, discover_shards

# Ray's own DataContext construction warns about its own deprecated settings
pytestmark = pytest.mark.filterwarnings(r"ignore::DeprecationWarning:ray\.")


def _damaged_index(path: Path) -> Path:
    builder = IndexBuilder(path)
    builder.add_text("persuasion", (DATA / "persuasion-head.txt").read_text(encoding="utf-8"))
    builder.finish()
    n = Index(path, prefilter=False).count
    data = bytearray(path.read_bytes())
    hlen = int.from_bytes(data[8:16], "little")
    start = 16 + hlen
    fps = np.frombuffer(bytes(data[start : start + 8 * n]), dtype="<u8")
    data[start : start + 8 * n] = fps[::-1].tobytes()  # descending: damaged
    path.write_bytes(bytes(data))
    assert n > 1
    return path


@pytest.mark.parametrize("command", ["scan", "filter"])
def test_ray_run_with_a_damaged_index_fails_in_one_line_before_ray_starts(
    tmp_path: Path, command: str
) -> None:
    index = _damaged_index(tmp_path / "bad.cidx")
    write_jsonl(tmp_path / "corpus" / "a.jsonl", documents(5, "a"))
    write_jsonl(tmp_path / "corpus" / "b.jsonl", documents(5, "b"))
    ray_tmp = tmp_path / "ray"
    output = ["--matches", str(tmp_path / "m.jsonl")]
    if command == "filter":
        output = ["--out", str(tmp_path / "m.jsonl")]  # a folder: must not be created
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "consentry",
            command,
            str(tmp_path / "corpus"),
            "--index",
            str(index),
            *output,
            "--engine",
            "ray",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "RAY_TMPDIR": str(ray_tmp), "COLUMNS": "1000"},
        timeout=600,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and str(index) in lines[0] and "damaged" in lines[0]
    assert not ray_tmp.exists()  # no Ray session was ever started
    assert not (tmp_path / "m.jsonl").exists()


def test_run_ray_with_a_matcher_that_cannot_be_built_starts_no_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jsonl(tmp_path / "corpus" / "a.jsonl", documents(5, "a"))
    write_jsonl(tmp_path / "corpus" / "b.jsonl", documents(5, "b"))
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path / "ray"))
    shards = discover_shards([tmp_path / "corpus"])
    with pytest.raises(ScanError, match="the matcher cannot be built: index cannot be opened"):
        run_ray(shards, ReadOptions(), BrokenFactory(), workers=2)
    with pytest.raises(ScanError, match="the matcher cannot be built: index cannot be opened"):
        filter_corpus(
            shards, ReadOptions(), BrokenFactory(), tmp_path / "out", workers=2, engine="ray"
        )
    assert not (tmp_path / "ray").exists()
    assert not (tmp_path / "out" / "_removals.jsonl").exists()
