"""Throughput of the canonicalisation kernel (the scanner's one pass: words, grams, prefilter)
under each fingerprint spec, on the same texts in the same run.

    python benchmarks/canon_kernel_throughput.py [--eval build/scaneval] [--rounds 5]

Two workloads: the shared evaluation corpus (``--eval``, built by scan_eval_quality.py;
English, mostly ASCII) and a text written without spaces (the Chinese, Japanese and Thai test
texts repeated to about 8 MB, with line breaks every 40 characters). Each round runs every
available spec over each workload with ``kernel.candidate_grams`` and a prefilter of the eval
index's size (a random Bloom filter, so both trees read the same one), batches of about 4 M
characters as the scanner makes them; the spec order alternates from round to round.
Reports the median MB/s (UTF-8 bytes per
second) per workload and spec, and the compiled/numpy kernel used. Runs against whichever
consentry is on PYTHONPATH: a tree without canon-v2 (before it) measures canon-v1 only, so
``PYTHONPATH=OLD/src python ...`` and ``PYTHONPATH=NEW/src python ...`` alternated compare
the code before and after. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
import orjson

from consentry.fingerprints import kernel
from consentry.fingerprints.kernel import candidate_grams

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "fingerprints" / "unspaced"
BATCH_CHARS = 4_000_000


def eval_texts(eval_dir: Path) -> list[str]:
    out = []
    for p in sorted((eval_dir / "corpus").glob("*.jsonl")):
        with open(p, "rb") as f:
            out += [orjson.loads(line)["text"] for line in f]
    return out


def unspaced_texts(target_bytes: int = 8_000_000) -> list[str]:
    src = "".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt")))
    bare = "".join(src.split())
    doc = "\n".join(bare[i : i + 40] for i in range(0, len(bare), 40))
    n = max(1, target_bytes // len(doc.encode("utf-8")))
    return [f"{i} {doc}" for i in range(n)]


def batches(texts: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    size = 0
    for t in texts:
        out[-1].append(t)
        size += len(t)
        if size >= BATCH_CHARS:
            out.append([])
            size = 0
    return [b for b in out if b]


def run(bs: list[list[str]], version: str | None, bloom: np.ndarray) -> float:
    kw = {} if version is None else {"version": version}
    t0 = time.perf_counter()
    for b in bs:
        candidate_grams(b, 6, ocr_fold=True, bloom=bloom, **kw)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default="build/scaneval")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    has_v2 = "version" in inspect.signature(candidate_grams).parameters
    versions: list[str | None] = ["canon-v1", "canon-v2"] if has_v2 else [None]
    rng = np.random.default_rng(7)
    # a prefilter of the eval index's size (2 bytes per fingerprint, ~1/3 of bits set)
    bloom = rng.integers(0, 2**63, size=950_000 // 4, dtype=np.uint64) & rng.integers(
        0, 2**63, size=950_000 // 4, dtype=np.uint64
    )
    loads = {
        "eval": eval_texts(Path(a.eval)),
        "unspaced": unspaced_texts(),
    }
    sizes = {k: sum(len(t.encode("utf-8")) for t in v) for k, v in loads.items()}
    bs = {k: batches(v) for k, v in loads.items()}
    times: dict[str, dict[str, list[float]]] = {k: {} for k in loads}
    for r in range(a.rounds):
        order = versions if r % 2 == 0 else versions[::-1]
        for load in loads:
            for v in order:
                times[load].setdefault(v or "canon-v1", []).append(run(bs[load], v, bloom))
    result = {
        load: {v: round(sizes[load] / statistics.median(ts) / 1e6, 1) for v, ts in by_v.items()}
        for load, by_v in times.items()
    }
    print(
        json.dumps(
            {
                "name": "canon_kernel_throughput",
                "unit": "MB/s (median of rounds, one core)",
                "tree": str(Path(kernel.__file__).resolve().parents[2]),
                "kernel": kernel.KERNEL,
                "mb_per_s": result,
                "bytes": sizes,
                "rounds": a.rounds,
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
