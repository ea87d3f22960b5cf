"""Recall and false positives of the matcher on the shared scan evaluation set.

    python benchmarks/scan_eval_quality.py [--eval build/scaneval] [--no-store-text]
        [--spec canon-v1|canon-v2]

Builds the eval set with ../shared/eval/make_scan_eval.py if it is missing (defaults: 6,000
documents), builds an index of its registered works, scans the corpus with
``consentry.scan.match.match_documents`` (a minimal JSONL reader of its own), writes the
matches and scores them with ``score_scan.py``. Prints one JSON line with score_scan's figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import orjson

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.spec import CANON_VERSION, VERSIONS, CanonSpec
from consentry.scan.match import MatchOptions, match_documents
from consentry.scan.model import Document

sys.path.insert(0, str(Path(__file__).parent))

from evalset import EVAL
from evalset import score as score_scan


def read_corpus(corpus: Path):
    for p in sorted(corpus.glob("*.jsonl")):
        with open(p, "rb") as f:
            for line in f:
                r = orjson.loads(line)
                yield Document(id=str(r["id"]), text=r["text"], shard=p.name)


def build_index(eval_dir: Path, out: Path, store_text: bool, version: str) -> dict:
    t0 = time.perf_counter()
    b = IndexBuilder(out, spec=CanonSpec(version=version), store_text=store_text)
    with open(eval_dir / "works.csv", newline="") as f:
        for row in csv.DictReader(f):
            b.add_text(row["work_id"], (eval_dir / row["path"]).read_text(encoding="utf-8"))
    info = b.finish().to_dict()
    info["build_seconds"] = round(time.perf_counter() - t0, 2)
    return info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default="build/scaneval")
    ap.add_argument("--no-store-text", action="store_true")
    ap.add_argument("--spec", choices=VERSIONS, default=CANON_VERSION)
    a = ap.parse_args()
    ev = Path(a.eval)
    if not (ev / "truth.jsonl").exists():
        subprocess.run([sys.executable, str(EVAL / "make_scan_eval.py"), str(ev)], check=True)
    idx_path = ev.parent / (
        f"eval-index-{a.spec}.csfidx"
        if not a.no_store_text
        else f"eval-index-notext-{a.spec}.csfidx"
    )
    info = build_index(ev, idx_path, not a.no_store_text, a.spec)
    index = Index(idx_path)
    opts = MatchOptions()
    out = ev.parent / f"eval-matches-{a.spec}.jsonl"
    t0 = time.perf_counter()
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for m in match_documents(read_corpus(ev / "corpus"), index, options=opts):
            f.write(m.to_json_line() + "\n")
            n += 1
    secs = time.perf_counter() - t0
    score = score_scan(ev / "truth.jsonl", out)
    print(
        json.dumps(
            {
                "name": "scan_eval_quality",
                "value": score["recall_all"],
                "unit": "recall",
                "score": score,
                "matches": n,
                "scan_seconds": round(secs, 2),
                "confirmation": "rapidfuzz" if not a.no_store_text else "hit coverage",
                "index": info,
                "spec": index.spec.to_dict(),
                "thresholds": opts.to_dict(),
            }
        )
    )


if __name__ == "__main__":
    main()
