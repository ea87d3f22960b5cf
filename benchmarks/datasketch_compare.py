"""datasketch MinHash LSH on the same task as the fingerprint matcher: speed and recall.

    python benchmarks/datasketch_compare.py [--eval build/scaneval] [--docs 600]

MinHash answers "how similar are two sets"; to look for excerpts with it, the registered
works are cut into 50-word chunks (stride 25), each a MinHash (128 permutations) of its word
5-gram shingles in a MinHashLSH at Jaccard threshold 0.3; every document is cut the same way
and each window queried; a (document, work) pair is reported when any window hits a chunk of
the work. The first N documents of the eval corpus are scanned by both datasketch and
``match_documents`` and scored with score_scan.py on that subset. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import orjson
from datasketch import MinHash, MinHashLSH

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.scan.match import match_documents
from consentry.scan.model import Document

CHUNK, STRIDE, SH, PERM, THRESHOLD = 50, 25, 5, 128, 0.3
TOKEN = re.compile(r"[^\W_]+")


sys.path.insert(0, str(Path(__file__).parent))

from evalset import score  # noqa: E402


def windows(text: str) -> list[set[bytes]]:
    w = TOKEN.findall(text.lower())
    out = []
    for s in range(0, max(1, len(w) - CHUNK + STRIDE), STRIDE):
        chunk = w[s : s + CHUNK]
        if len(chunk) >= SH:
            out.append({" ".join(chunk[i : i + SH]).encode() for i in range(len(chunk) - SH + 1)})
    return out


def minhashes(sets: list[set[bytes]]) -> list[MinHash]:
    return MinHash.bulk([list(s) for s in sets], num_perm=PERM)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default="build/scaneval")
    ap.add_argument("--docs", type=int, default=600)
    a = ap.parse_args()
    ev = Path(a.eval)
    docs = []
    with open(ev / "corpus" / "part-000.jsonl", "rb") as f:
        for line in f:
            r = orjson.loads(line)
            docs.append(Document(str(r["id"]), r["text"], "part-000.jsonl"))
            if len(docs) >= a.docs:
                break
    ids = {d.id for d in docs}
    nbytes = sum(len(d.text.encode()) for d in docs)
    truth = ev.parent / "ds-truth.jsonl"
    with open(ev / "truth.jsonl") as src, open(truth, "w") as dst:
        for line in src:
            if json.loads(line)["id"] in ids:
                dst.write(line)
    works = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ev / "works").glob("*.txt"))}

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=PERM)
    n_chunks = 0
    for wid, text in works.items():
        for i, m in enumerate(minhashes(windows(text))):
            lsh.insert(f"{wid}#{i}", m)
            n_chunks += 1
    ds_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = ev.parent / "ds-matches.jsonl"
    with open(out, "w") as f:
        for d in docs:
            found = set()
            for m in minhashes(windows(d.text)):
                found.update(k.split("#")[0] for k in lsh.query(m))
            for w in sorted(found):
                f.write(json.dumps({"doc": d.id, "work": w}) + "\n")
    ds_scan = time.perf_counter() - t0
    ds_score = score(truth, out)

    t0 = time.perf_counter()
    b = IndexBuilder(ev.parent / "ds-ours.csfidx", store_text=True)
    for wid, text in works.items():
        b.add_text(wid, text)
    b.finish()
    idx = Index(ev.parent / "ds-ours.csfidx")
    our_build = time.perf_counter() - t0
    list(match_documents(docs[:20], idx))  # warm-up: fold tables and power tables are lazy
    t0 = time.perf_counter()
    out2 = ev.parent / "ds-ours-matches.jsonl"
    with open(out2, "w") as f:
        for m in match_documents(docs, idx):
            f.write(m.to_json_line() + "\n")
    our_scan = time.perf_counter() - t0
    our_score = score(truth, out2)
    mb = nbytes / 1e6
    print(
        json.dumps(
            {
                "name": "datasketch_compare",
                "value": round(ds_scan / our_scan, 1),
                "unit": "x faster than datasketch",
                "docs": len(docs),
                "bytes": nbytes,
                "datasketch": {
                    "build_s": round(ds_build, 2),
                    "scan_s": round(ds_scan, 2),
                    "mb_s": round(mb / ds_scan, 3),
                    "chunks": n_chunks,
                    "params": {
                        "chunk_words": CHUNK,
                        "stride": STRIDE,
                        "shingle": SH,
                        "num_perm": PERM,
                        "threshold": THRESHOLD,
                    },
                    "score": ds_score,
                },
                "consentry": {
                    "build_s": round(our_build, 2),
                    "scan_s": round(our_scan, 2),
                    "mb_s": round(mb / our_scan, 1),
                    "score": our_score,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
