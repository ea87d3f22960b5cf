"""Corpus builders for the scan tests: real public-domain prose written in every format.

Background documents are paragraphs of *The War of the Worlds*; some carry a planted
passage of *Persuasion* (the "registered work"). The matcher used is the pipeline's
:class:`LiteralMatcher` fake, which reports a work where its literal passage occurs.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from consentry.scan.pipeline import LiteralMatcher

DATA = Path(__file__).parent.parent / "data" / "scan"


def _paragraphs(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    paras = [" ".join(p.split()) for p in text.split("\n\n")]
    return [p for p in paras if len(p.split()) >= 25]


BACKGROUND = _paragraphs("war-of-the-worlds-head.txt")
WORK_PARAS = _paragraphs("persuasion-head.txt")
# two registered "works": passages of Persuasion, each a literal the fake matcher looks for
PASSAGE_A = " ".join(WORK_PARAS[1].split()[:40])
PASSAGE_B = " ".join(WORK_PARAS[3].split()[:30])
MATCHER = LiteralMatcher((("persuasion-a", PASSAGE_A), ("persuasion-b", PASSAGE_B)))


def documents(n: int, prefix: str) -> list[dict[str, Any]]:
    """``n`` records ``{"id", "text", "url"}``; every 5th carries passage A, every 7th B."""
    out = []
    for i in range(n):
        text = BACKGROUND[i % len(BACKGROUND)]
        if i % 5 == 0:
            text = f"{text} {PASSAGE_A} {BACKGROUND[(i + 1) % len(BACKGROUND)]}"
        if i % 7 == 0:
            text = f"{PASSAGE_B} {text}"
        out.append({"id": f"{prefix}-{i:04d}", "text": text, "url": f"https://ex.org/{i}"})
    return out


def expected_pairs(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    pairs = set()
    for r in records:
        if PASSAGE_A in r["text"]:
            pairs.add((r["id"], "persuasion-a"))
        if PASSAGE_B in r["text"]:
            pairs.add((r["id"], "persuasion-b"))
    return pairs


def jsonl_bytes(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    data = jsonl_bytes(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    elif name.endswith(".zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


def write_parquet(path: Path, records: list[dict[str, Any]], row_group_size: int = 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(records)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def write_warc(path: Path, records: list[dict[str, Any]], *, gz: bool = True) -> Path:
    """Each record as an HTML response (with a script to ignore), plus a request record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gz)
        for r in records:
            req = writer.create_warc_record(
                r["url"], "request", payload=io.BytesIO(b"GET /"), length=5
            )
            writer.write_record(req)
            body = (
                "<!doctype html><html><head><title>t</title><script>var x = 1;</script>"
                f"</head><body><p>{r['text']}</p></body></html>"
            ).encode()
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            rec = writer.create_warc_record(
                r["url"],
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=headers,
            )
            writer.write_record(rec)
    return path


def write_hf_dataset(folder: Path, records: list[dict[str, Any]], files: int = 2) -> Path:
    """A ``Dataset.save_to_disk`` folder: arrow IPC stream files, state.json, info."""
    folder.mkdir(parents=True, exist_ok=True)
    per = (len(records) + files - 1) // files
    names = []
    for k in range(files):
        name = f"data-{k:05d}-of-{files:05d}.arrow"
        table = pa.Table.from_pylist(records[k * per : (k + 1) * per])
        with (
            pa.OSFile(str(folder / name), "wb") as sink,
            pa.ipc.new_stream(sink, table.schema) as w,
        ):
            for batch in table.to_batches(max_chunksize=8):
                w.write_batch(batch)
        names.append(name)
    (folder / "dataset_info.json").write_text(json.dumps({"features": {}}), encoding="utf-8")
    (folder / "state.json").write_text(
        json.dumps({"_data_files": [{"filename": n} for n in names], "_split": None}),
        encoding="utf-8",
    )
    return folder


def build_mixed_corpus(root: Path) -> dict[str, list[dict[str, Any]]]:
    """A folder with one shard of every format; returns the records per shard name."""
    out: dict[str, list[dict[str, Any]]] = {}
    spec = [
        ("part-000.jsonl", write_jsonl),
        ("part-001.jsonl.gz", write_jsonl),
        ("part-002.jsonl.zst", write_jsonl),
        ("part-003.parquet", write_parquet),
        ("crawl/web-000.warc.gz", write_warc),
    ]
    for i, (name, writer) in enumerate(spec):
        recs = documents(30, f"s{i}")
        writer(root / name, recs)
        out[name] = recs
    hf = documents(20, "hf")
    write_hf_dataset(root / "hf", hf)
    out["hf"] = hf
    (root / "books").mkdir(parents=True, exist_ok=True)
    (root / "books" / "novel.txt").write_text(
        f"{BACKGROUND[0]}\n\n{PASSAGE_A}\n\n{BACKGROUND[1]}\n", encoding="utf-8"
    )
    (root / "README.md").write_text("not a corpus file", encoding="utf-8")
    return out


class BrokenFactory:
    """A matcher factory whose matcher cannot be built (say, an unreadable index)."""

    def __call__(self) -> Any:
        raise RuntimeError("index cannot be opened")

    def describe(self) -> dict[str, Any]:
        return {"matcher": "broken"}


class BrokenInChildFactory:
    """A matcher factory that works in the process that made it and fails in any other (a
    spawned worker): the worker's first shard fails, naming why."""

    def __init__(self) -> None:
        import os

        self.pid = os.getpid()

    def __call__(self) -> Any:
        import os

        if os.getpid() != self.pid:
            raise RuntimeError("index cannot be opened in a worker")
        return MATCHER()

    def describe(self) -> dict[str, Any]:
        return MATCHER.describe()


class DyingInChildFactory(BrokenInChildFactory):
    """A matcher factory whose worker process dies outright (exits) when it builds the
    matcher: nothing comes back from it but a broken pool."""

    def __call__(self) -> Any:
        import os

        if os.getpid() != self.pid:
            os._exit(3)
        return MATCHER()
