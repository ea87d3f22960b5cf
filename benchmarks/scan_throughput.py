"""End-to-end scan throughput (JSONL in, matches out) against the baseline, in one run.

    python benchmarks/scan_throughput.py [--eval build/scaneval] [--workers 2]

One worker: what ``consentry scan CORPUS --index INDEX --matches OUT --workers 1`` runs,
minus the interpreter's start and the report: shard discovery, the JSONL reader, the index
matcher built once (the index opened, its prefilter built), every shard scanned (with its
sha256 for the report), the one merge, and the match file written. Then the baseline
(``baseline_ngram_dict.py``) on the same files, then the same shards with N warmed-up worker
processes (the pool ``--workers N`` uses, without its start-up), against one warmed-up
worker doing the same. MB are bytes of JSONL read. Figures are wall-clock (best of
``--repeat``), plus MB per CPU-second (the machine is shared, so wall time also counts
other people's work). Prints one JSON line.

Then the command as a user runs it, timed from process start to exit (``--cli-runs`` runs,
default 3, median reported): ``consentry scan CORPUS --index INDEX --matches OUT --workers 1``
(``cli_wall_s``, ``cli_mb_s``) and with ``--workers N`` (``cli_workers_N_wall_s``). These
include the interpreter's start, the imports and the worker pool's start-up, which the
in-process figures leave out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))

from baseline_ngram_dict import build as build_baseline
from baseline_ngram_dict import scan_file as baseline_scan
from cli_timing import time_command

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import KERNEL
from consentry.scan.executors import run_local
from consentry.scan.match import match_documents
from consentry.scan.model import Document
from consentry.scan.pipeline import IndexMatcher, Matcher, scan_shard, write_matches
from consentry.scan.readers import ReadOptions, Shard, discover_shards


def _docs(path: Path):
    with open(path, "rb") as f:
        for line in f:
            r = orjson.loads(line)
            yield Document(id=str(r["id"]), text=r["text"], shard=path.name)


_matcher: Matcher | None = None


def _init(index_path: str) -> None:
    global _matcher
    _matcher = IndexMatcher(index_path)()


def _scan(shard: Shard) -> int:
    assert _matcher is not None
    return len(scan_shard(shard, ReadOptions(), _matcher).matches)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default="build/scaneval")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cli-runs", type=int, default=3, help="runs of `consentry scan` timed")
    a = ap.parse_args()
    ev = Path(a.eval)
    idx_path = ev.parent / "throughput-index.csfidx"
    b = IndexBuilder(idx_path, store_text=True)
    for p in sorted((ev / "works").glob("*.txt")):
        b.add_text(p.stem, p.read_text(encoding="utf-8"))
    b.finish()
    shards = sorted((ev / "corpus").glob("*.jsonl"))
    nbytes = sum(p.stat().st_size for p in shards)
    out = ev.parent / "throughput-matches.jsonl"

    ours_wall, ours_cpu = [], []
    for _ in range(a.repeat):  # best of N: the machine is shared
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_local(
            discover_shards([ev / "corpus"]), ReadOptions(), IndexMatcher(str(idx_path))
        )
        matches = write_matches(result.matches, out)
        ours_wall.append(time.perf_counter() - t0)
        ours_cpu.append(time.process_time() - c0)

    grams = build_baseline(ev)
    base_wall, base_cpu = [], []
    for _ in range(a.repeat):  # as many as ours: best of N favours neither side
        t0, c0 = time.perf_counter(), time.process_time()
        flagged = sum(1 for p in shards for _ in baseline_scan(p, grams))
        base_wall.append(time.perf_counter() - t0)
        base_cpu.append(time.process_time() - c0)

    # N workers: a warmed-up pool (imports done, matcher built) over the shards, each shard
    # twice, compared with one warmed-up worker doing the same jobs
    many = discover_shards([ev / "corpus"]) * 2
    with mp.get_context("spawn").Pool(a.workers, _init, (str(idx_path),)) as pool:
        pool.map(_scan, many[:1] * a.workers, chunksize=1)
        t0 = time.perf_counter()
        res = pool.map(_scan, many, chunksize=1)
        par_wall = time.perf_counter() - t0
    with mp.get_context("spawn").Pool(1, _init, (str(idx_path),)) as pool:
        pool.map(_scan, many[:1], chunksize=1)
        t0 = time.perf_counter()
        pool.map(_scan, many, chunksize=1)
        one_wall = time.perf_counter() - t0
    # the common case in real corpora: documents that hold no registered work (here the eval
    # documents without planted excerpts), in memory, ours vs the baseline's inner loop
    truth = {}
    with open(ev / "truth.jsonl") as f:
        for line in f:
            r = json.loads(line)
            truth[r["id"]] = any(p["words"] >= 15 for p in r["planted"])
    neg = [d for p in shards for d in _docs(p) if not truth[d.id]]
    neg_mb = sum(len(d.text.encode()) for d in neg) / 1e6
    index = Index(idx_path)
    neg_ours = []
    for _ in range(a.repeat):
        c0 = time.perf_counter()
        neg_found = sum(1 for _ in match_documents(neg, index))
        neg_ours.append(time.perf_counter() - c0)
    c0 = time.perf_counter()
    for d in neg:
        w = d.text.lower().split()
        sum(1 for i in range(len(w) - 7) if hash(" ".join(w[i : i + 8])) in grams)
    neg_base = time.perf_counter() - c0
    mb = nbytes / 1e6
    cli: dict[str, object] = {}
    if a.cli_runs:
        cli_out = ev.parent / "throughput-cli-matches.jsonl"
        scan_args = [
            "scan",
            str(ev / "corpus"),
            "--index",
            str(idx_path),
            "--matches",
            str(cli_out),
        ]
        one_cli = time_command([*scan_args, "--workers", "1"], runs=a.cli_runs)
        many_cli = time_command([*scan_args, "--workers", str(a.workers)], runs=a.cli_runs)
        cli = {
            "cli_wall_s": one_cli["median_s"],
            "cli_runs_s": one_cli["runs_s"],
            "cli_mb_s": round(mb / float(one_cli["median_s"]), 1),  # type: ignore[arg-type]
            f"cli_workers_{a.workers}_wall_s": many_cli["median_s"],
            f"cli_workers_{a.workers}_runs_s": many_cli["runs_s"],
        }
    print(
        json.dumps(
            {
                "name": "scan_throughput",
                "value": round(mb / min(ours_wall), 1),
                "unit": "MB/s",
                "one_worker_mb_s": round(mb / min(ours_wall), 1),
                "one_worker_mb_per_cpu_s": round(mb / min(ours_cpu), 1),
                "baseline_mb_s": round(mb / min(base_wall), 1),
                "baseline_mb_per_cpu_s": round(mb / min(base_cpu), 1),
                "speedup_vs_baseline": round(min(base_wall) / min(ours_wall), 1),
                "speedup_vs_baseline_cpu": round(min(base_cpu) / min(ours_cpu), 1),
                f"workers_{a.workers}_mb_s": round(2 * mb / par_wall, 1),
                "pool_1_worker_mb_s": round(2 * mb / one_wall, 1),
                f"workers_{a.workers}_speedup": round(one_wall / par_wall, 2),
                "no_match_docs": len(neg),
                "no_match_docs_mb_s": round(neg_mb / min(neg_ours), 1),
                "no_match_docs_baseline_mb_s": round(neg_mb / neg_base, 1),
                "no_match_docs_speedup": round(neg_base / min(neg_ours), 1),
                "no_match_docs_found": neg_found,
                "bytes": nbytes,
                "matches": matches,
                "baseline_flagged": flagged,
                "parallel_matches": sum(res) // 2,
                "kernel": KERNEL,
                "runs_wall_s": [round(x, 2) for x in ours_wall],
                "baseline_runs_wall_s": [round(x, 2) for x in base_wall],
                "load_average": list(__import__("os").getloadavg()),
                **cli,
            }
        )
    )


if __name__ == "__main__":
    main()
