"""Workers die with their parent, and a re-run cleans up after a killed run.

``consentry scan`` / ``consentry filter`` with ``--workers 3`` (three spawned workers; the
command's process hands out shards) run as real subprocesses on a corpus of many shards. Once the workers are busy they are frozen (``SIGSTOP``) so the run is
certainly mid-way, the parent is killed (``kill -9`` or ``SIGTERM``), the workers are let go
(``SIGCONT``), and ``/proc`` is polled until they are gone (bounded wait; before the fix they
blocked on their task queue for ever). A re-run then removes the killed run's temporary
files and writes the same output as a fresh run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.scan.kit import DATA, PASSAGE_B, documents, write_jsonl

from consentry.scan.workers import pid_alive, remove_stale_temp

SHARDS = 16
DOCS_PER_SHARD = 400
WAIT = 60.0  # seconds: an upper bound, never a sleep the assertions depend on
TEMP = re.compile(r"\.tmp\d*$")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from consentry.fingerprints.builder import IndexBuilder

    root = tmp_path_factory.mktemp("killed")
    index = root / "works.cidx"
    builder = IndexBuilder(index)
    builder.add_text("persuasion", (DATA / "persuasion-head.txt").read_text(encoding="utf-8"))
    builder.add_text("another", " ".join(PASSAGE_B.split()[:5]) + " unrelated words " * 20)
    builder.finish()
    for k in range(SHARDS):
        write_jsonl(root / "corpus" / f"part-{k:03d}.jsonl", documents(DOCS_PER_SHARD, f"p{k}"))
    return root / "corpus", index


def _command(*args: str) -> list[str]:
    # three spawned workers (the command's process only hands out shards)
    return [sys.executable, "-m", "consentry", *args, "--workers", "3"]


def _workers_of(parent: int) -> list[int]:
    """The multiprocessing workers whose parent is ``parent`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.05)


def _kill_mid_run(cmd: list[str], sig: int, busy: Callable[[], bool]) -> tuple[int, list[int]]:
    """Start ``cmd``; once its three workers exist and ``busy()`` holds, freeze the workers, kill
    the parent with ``sig``, let the workers go; return the parent's and workers' ids."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _until(
            lambda: proc.poll() is not None or (len(_workers_of(proc.pid)) == 3 and busy()),
            "three busy workers",
        )
        assert proc.poll() is None, "the run ended before it could be killed: corpus too small"
        workers = _workers_of(proc.pid)
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        os.kill(proc.pid, sig)
        proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    for pid in workers:
        if pid_alive(pid):
            os.kill(pid, signal.SIGCONT)
    return proc.pid, workers


def _assert_gone(workers: list[int]) -> None:
    try:
        _until(lambda: not any(pid_alive(p) for p in workers), "workers gone")
    finally:
        for pid in workers:  # never leave a worker of the old code running
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_killed_filter_leaves_no_worker_and_a_rerun_cleans_up(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, index = corpus
    args = ["filter", str(folder), "--index", str(index)]
    out = tmp_path / "out"
    state = out / ".consentry-filter"
    parent, workers = _kill_mid_run(
        _command(*args, "--out", str(out)),
        signal.SIGKILL,
        lambda: any(state.glob("*.done")) if state.is_dir() else False,
    )
    _assert_gone(workers)
    # what a worker killed while writing leaves: its temporary files, named by its pid
    (out / f".part-000.jsonl.tmp{workers[0]}").write_text("half a shard")
    (state / f".{'0' * 20}.done.tmp{parent}").write_text("{")
    leftovers = {p.name for p in out.rglob("*") if TEMP.search(p.name)}
    assert len(leftovers) >= 2

    subprocess.run(_command(*args, "--out", str(out)), check=True, capture_output=True)
    subprocess.run(
        _command(*args, "--out", str(tmp_path / "fresh")), check=True, capture_output=True
    )
    assert not [p for p in out.rglob("*") if TEMP.search(p.name)]
    rerun, fresh = _tree(out), _tree(tmp_path / "fresh")
    assert rerun.keys() == fresh.keys()
    assert rerun == fresh


def test_terminated_scan_leaves_no_worker_and_a_rerun_cleans_up(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, index = corpus
    args = ["scan", str(folder), "--index", str(index)]
    parent, workers = _kill_mid_run(
        _command(*args, "--matches", str(tmp_path / "m.jsonl")), signal.SIGTERM, lambda: True
    )
    _assert_gone(workers)
    (tmp_path / f".m.jsonl.{parent}.k1l_ed.tmp").write_text("{}\n")

    subprocess.run(
        _command(*args, "--matches", str(tmp_path / "m.jsonl")), check=True, capture_output=True
    )
    subprocess.run(
        _command(*args, "--matches", str(tmp_path / "fresh.jsonl")), check=True, capture_output=True
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.jsonl", "m.jsonl"]
    assert (tmp_path / "m.jsonl").read_bytes() == (tmp_path / "fresh.jsonl").read_bytes()
    assert (tmp_path / "m.jsonl").stat().st_size > 0


def test_stale_temp_files_of_running_processes_are_kept(tmp_path: Path) -> None:
    mine = tmp_path / f".a.jsonl.tmp{os.getpid()}"
    other = tmp_path / "sub" / f".b.jsonl.{os.getppid()}.xyz.tmp"
    other.parent.mkdir()
    user = tmp_path / "notes.tmp"
    for p in (mine, other, user):
        p.write_text("x")
    assert remove_stale_temp([tmp_path]) == []
    assert mine.exists() and other.exists() and user.exists()


def test_a_worker_whose_parent_is_already_gone_exits_at_once() -> None:
    # the race the watchdog and the death signal cannot see: the parent died before the
    # worker's initializer ran (the worker's parent is then no longer the one it names)
    code = (
        "from consentry.scan.workers import die_with_parent\n"
        "die_with_parent(parent_pid=1)\n"
        "import time; time.sleep(600)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=WAIT, check=False)
    assert done.returncode == 1
