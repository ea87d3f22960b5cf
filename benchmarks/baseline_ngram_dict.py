"""The reference approach of decontamination filters, for comparison (issue 4).

A Python dict of hashed lower-cased word 8-grams of the registered works; a document is
flagged for a work when 3 of its 8-grams hit that work. Run alone it scans the eval corpus
and prints one JSON line with its speed and score_scan's figures:

    python benchmarks/baseline_ngram_dict.py [--eval build/scaneval]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson

N, HITS = 8, 3


sys.path.insert(0, str(Path(__file__).parent))

from evalset import score as score_scan  # noqa: E402


def build(eval_dir: Path) -> dict[int, str]:
    grams: dict[int, str] = {}
    with open(eval_dir / "works.csv", newline="") as f:
        for row in csv.DictReader(f):
            words = (eval_dir / row["path"]).read_text(encoding="utf-8").lower().split()
            for i in range(len(words) - N + 1):
                grams.setdefault(hash(" ".join(words[i : i + N])), row["work_id"])
    return grams


def scan_file(path: Path, grams: dict[int, str]) -> Iterator[dict[str, object]]:
    with open(path, "rb") as f:
        for line in f:
            r = orjson.loads(line)
            words = r["text"].lower().split()
            hits: Counter[str] = Counter()
            for i in range(len(words) - N + 1):
                w = grams.get(hash(" ".join(words[i : i + N])))
                if w is not None:
                    hits[w] += 1
            for w, c in sorted(hits.items()):
                if c >= HITS:
                    yield {"doc": r["id"], "work": w, "hits": c}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default="build/scaneval")
    a = ap.parse_args()
    ev = Path(a.eval)
    grams = build(ev)
    shards = sorted((ev / "corpus").glob("*.jsonl"))
    nbytes = sum(p.stat().st_size for p in shards)
    out = ev.parent / "baseline-matches.jsonl"
    t0, c0 = time.perf_counter(), time.process_time()
    with open(out, "w") as f:
        for p in shards:
            for m in scan_file(p, grams):
                f.write(json.dumps(m) + "\n")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    score = score_scan(ev / "truth.jsonl", out)
    print(
        json.dumps(
            {
                "name": "baseline_ngram_dict",
                "value": round(nbytes / wall / 1e6, 2),
                "unit": "MB/s",
                "mb_per_cpu_second": round(nbytes / cpu / 1e6, 2),
                "bytes": nbytes,
                "wall_seconds": round(wall, 2),
                "cpu_seconds": round(cpu, 2),
                "grams": len(grams),
                "score": score,
            }
        )
    )


if __name__ == "__main__":
    main()
