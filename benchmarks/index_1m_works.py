"""An index of 1,000,000 synthetic works plus the eval set's registered works, and a scan.

    python benchmarks/index_1m_works.py [--works 1000000] [--eval build/scaneval]

Synthetic works: 1,000 words each, drawn uniformly from the canonical vocabulary of the shared
novels (so they match nothing real), fingerprinted by the real kernel (canon_batch on text)
with winnowing W=16 (guaranteed match length 16 + 6 - 1 = 21 words), built out of core with
the eval works (dense) into one index file. Then the eval corpus is scanned against it and
scored. Prints one JSON line: build time, file size, bytes per fingerprint, prefilter bytes
per fingerprint, the scanning process's peak memory (anonymous vs file-backed), recall.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson

from consentry.fingerprints.builder import IndexBuilder
from consentry.fingerprints.index import Index
from consentry.fingerprints.kernel import CanonBatch, canon_batch, fingerprints, gram_hashes
from consentry.fingerprints.spec import CanonSpec, canonical_text
from consentry.scan.match import match_documents
from consentry.scan.model import Document

sys.path.insert(0, str(Path(__file__).parent))

from evalset import SHARED
from evalset import score as score_scan

WORDS_PER_WORK = 1000
W = 16


def vocabulary() -> np.ndarray:
    tokens: set[str] = set()
    for p in sorted((SHARED / "corpus" / "texts").glob("*.txt")):
        tokens.update(re.findall(r"[^\W_]+", p.read_text(encoding="utf-8").lower()))
    words = {w for w in (canonical_text(t) for t in tokens) if w and " " not in w}
    return np.array(sorted(words), dtype=object)


def winnow_rows(h: np.ndarray) -> np.ndarray:
    """Winnowing (W=16) of each row at once by min/max doubling: position j is selected iff
    it holds the minimum of some window containing it (equal to the rightmost-minimum rule
    when a window holds no repeated fingerprint; checked against the kernel below)."""
    m = h
    s = 1
    while s < W:
        m = np.minimum(m[:, : m.shape[1] - s], m[:, s:]) if s * 2 <= W else m
        s *= 2
    # m[:, i] = min of h[:, i : i + W]; now the max of m over the windows holding each j
    n = h.shape[1]
    nwin = m.shape[1]
    pad = np.zeros((h.shape[0], W - 1), dtype=np.uint64)
    mm = np.concatenate([pad, m, pad], axis=1)  # window i at column i + W - 1
    mx = mm
    s = 1
    while s < W:
        mx = np.maximum(mx[:, : mx.shape[1] - s], mx[:, s:])
        s *= 2
    # mx[:, j] = max of mm[:, j : j + W] = max over windows j - W + 1 .. j of m
    del nwin
    return np.asarray(mx[:, :n] == h)


def rss() -> dict[str, int]:
    out = {}
    for line in open("/proc/self/status"):  # noqa: SIM115
        k, _, v = line.partition(":")
        if k in ("VmHWM", "RssAnon", "RssFile", "VmRSS"):
            out[k] = int(v.split()[0]) * 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--eval", default="build/scaneval")
    ap.add_argument("--out", default="build/index-1m.csfidx")
    ap.add_argument("--batch", type=int, default=5000)
    a = ap.parse_args()
    ev = Path(a.eval)
    out = Path(a.out)
    t0 = time.perf_counter()
    vocab = vocabulary()
    rng = np.random.default_rng(20261129)
    spec = CanonSpec()
    b = IndexBuilder(out, spec=spec, shard_bits=6, spill_dir=out.parent, store_text=True)
    for p in sorted((ev / "works").glob("*.txt")):
        b.add_text(p.stem, p.read_text(encoding="utf-8"))  # dense
    # the vocabulary's canonical word hashes, from the kernel; every vocabulary entry is one
    # canonical word, so a work's grams follow from its word ids (checked on the first batch)
    vb = canon_batch(list(vocab), ocr_fold=spec.ocr_fold)
    assert len(vb.word_hash) == len(vocab)
    synth_fps = 0
    for start in range(0, a.works, a.batch):
        n = min(a.batch, a.works - start)
        ids = rng.integers(0, len(vocab), size=(n, WORDS_PER_WORK))
        doc_words = np.arange(n + 1, dtype=np.int64) * WORDS_PER_WORK
        cb = CanonBatch(
            doc_words=doc_words,
            word_hash=vb.word_hash[ids.ravel()],
            word_len=vb.word_len[ids.ravel()],
            folded_start=doc_words[:0],
            folded_end=doc_words[:0],
            maps=(),
            base=doc_words,
        )
        h, _ = gram_hashes(cb, spec.k)
        grams = WORDS_PER_WORK - spec.k + 1
        h2 = h.reshape(n, grams)
        sel = winnow_rows(h2)
        if start == 0:  # the shortcut equals the kernel on the text, and the winnowing rule
            text0 = " ".join(vocab[ids[0]].tolist())
            k_h, k_pos = fingerprints(text0, CanonSpec(selection=f"winnow-{W}"))
            assert np.array_equal(h2[0][sel[0]], k_h)
            assert np.array_equal(np.flatnonzero(sel[0]), k_pos)
        rows, cols = np.nonzero(sel)
        synth_fps += b.add_batch(
            [f"synthetic-{start + i:07d}" for i in range(n)],
            h2[rows, cols],
            cols,
            rows,
            words=[WORDS_PER_WORK] * n,
            selection=f"winnow-{W}",
        )
    info = b.finish()
    build_s = time.perf_counter() - t0
    build_peak = rss()["VmHWM"]

    # scan in a fresh process so its memory is the scan's alone
    res = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--scan-only", str(out), str(ev)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    print(
        json.dumps(
            {
                "name": "index_1m_works",
                "value": info.works,
                "unit": "works",
                "synthetic_works": a.works,
                "fingerprints": info.fingerprints,
                "synthetic_fingerprints": synth_fps,
                "index_bytes": info.bytes,
                "bytes_per_fingerprint": round(info.bytes / max(1, info.fingerprints), 3),
                "build_seconds": round(build_s, 1),
                "build_peak_rss_bytes": build_peak,
                "winnow": f"winnow-{W}",
                "guaranteed_words": W + spec.k - 1,
                **res,
            }
        )
    )


def scan_only(index_path: str, eval_dir: str) -> None:
    ev = Path(eval_dir)
    t0 = time.perf_counter()
    idx = Index(index_path)
    open_s = time.perf_counter() - t0
    out = ev.parent / "index-1m-matches.jsonl"

    def docs():
        for p in sorted((ev / "corpus").glob("*.jsonl")):
            with open(p, "rb") as f:
                for line in f:
                    r = orjson.loads(line)
                    yield Document(str(r["id"]), r["text"], p.name)

    t0 = time.perf_counter()
    with open(out, "w") as f:
        for m in match_documents(docs(), idx):
            f.write(m.to_json_line() + "\n")
    scan_s = time.perf_counter() - t0
    mem = rss()
    score = score_scan(ev / "truth.jsonl", out)
    print(
        json.dumps(
            {
                "open_seconds": round(open_s, 2),
                "scan_seconds": round(scan_s, 1),
                "prefilter_bytes": idx.memory_bytes(),
                "prefilter_bytes_per_fingerprint": round(idx.memory_bytes() / max(1, idx.count), 3),
                "scan_peak_rss_bytes": mem["VmHWM"],
                "scan_rss_anon_bytes": mem["RssAnon"],
                "scan_rss_file_bytes": mem["RssFile"],
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "score": score,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--scan-only":
        scan_only(sys.argv[2], sys.argv[3])
    else:
        main()
