"""The corpus filter: drop and redact, every output format, the removal manifest, resuming
after an interruption, and a clean second scan."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import zstandard
from tests.scan.kit import (
    MATCHER,
    PASSAGE_A,
    PASSAGE_B,
    BrokenFactory,
    BrokenInChildFactory,
    DyingInChildFactory,
    build_mixed_corpus,
    documents,
    expected_pairs,
    write_jsonl,
)

from consentry.errors import ScanError
from consentry.scan.executors import run_local
from consentry.scan.filter import STATE_DIR, filter_corpus
from consentry.scan.model import Document, Match
from consentry.scan.pipeline import Matcher
from consentry.scan.readers import ReadOptions, discover_shards


def _jsonl_records(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return [json.loads(line) for line in data.splitlines() if line.strip()]


@pytest.mark.parametrize("mode", ["drop", "redact"])
def test_filtered_corpus_rescans_clean_in_every_format(tmp_path: Path, mode: str) -> None:
    records = build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    before = run_local(shards, ReadOptions(), MATCHER)
    assert before.matches
    out = tmp_path / "out"
    result = filter_corpus(shards, ReadOptions(), MATCHER, out, mode=mode)

    rescan = run_local(discover_shards([out]), ReadOptions(), MATCHER)
    assert rescan.matches == []
    assert rescan.bad_records == 0
    matched_docs = {(m.shard, m.doc) for m in before.matches}
    if mode == "drop":
        assert result.total("dropped") == len(matched_docs)
        assert rescan.documents == before.documents - len(matched_docs)
    else:
        assert result.total("redacted") == len(matched_docs)
        assert result.total("dropped") == 0
        assert rescan.documents == before.documents

    # JSONL shards keep their compression and every other field of kept records
    kept = _jsonl_records(out / "corpus" / "part-002.jsonl.zst")
    source = records["part-002.jsonl.zst"]
    assert {r["url"] for r in kept} <= {r["url"] for r in source}
    if mode == "redact":
        assert len(kept) == len(source)
        planted = next(r for r in kept if r["id"] == "s2-0000")
        assert PASSAGE_A not in planted["text"] and PASSAGE_B not in planted["text"]
        original = next(r for r in source if r["id"] == "s2-0000")
        assert planted["text"] == original["text"].replace(PASSAGE_A, " ").replace(PASSAGE_B, " ")
    # Parquet stays Parquet with its schema
    table = pq.read_table(out / "corpus" / "part-003.parquet")
    assert table.schema.names == ["id", "text", "url"]
    # WARC and HF arrow shards become JSONL
    assert (out / "corpus" / "crawl" / "web-000.warc.gz.jsonl").is_file()
    assert (out / "corpus" / "hf" / "data-00000-of-00002.arrow.jsonl").is_file()


def test_removal_manifest_names_doc_work_spans_and_reason(tmp_path: Path) -> None:
    recs = documents(20, "m")
    write_jsonl(tmp_path / "c" / "a.jsonl", recs)
    shards = discover_shards([tmp_path / "c"])
    result = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "out", purpose="ai-train")
    lines = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    assert {(x["doc"], x["work"]) for x in lines} == expected_pairs(recs)
    first = next(x for x in lines if x["doc"] == "m-0005")
    text = next(r["text"] for r in recs if r["id"] == "m-0005")
    a, b = first["spans"][0]
    assert text[a:b] == PASSAGE_A
    assert first["reason"] == "matched persuasion-a; reserved for ai-train; dropped"
    assert first["shard"] == "c/a.jsonl" and first["record"] == 6


def test_unreadable_records_are_left_out_and_listed(tmp_path: Path) -> None:
    path = tmp_path / "c" / "a.jsonl"
    path.parent.mkdir()
    path.write_text('{"id": "ok", "text": "fine"}\n{broken\n')
    result = filter_corpus(discover_shards([path.parent]), ReadOptions(), MATCHER, tmp_path / "o")
    assert (tmp_path / "o" / "c" / "a.jsonl").read_text() == '{"id": "ok", "text": "fine"}\n'
    (line,) = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    assert line["doc"] == "c/a.jsonl:2" and line["work"] is None
    assert "unreadable record, not examined" in line["reason"]
    assert result.total("unreadable") == 1


def test_text_files_dropped_are_not_written_and_redacted_ones_are(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = [s for s in discover_shards([tmp_path / "corpus"]) if s.kind == "text"]
    filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "drop", mode="drop")
    assert not (tmp_path / "drop" / "corpus" / "books" / "novel.txt").exists()
    filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "red", mode="redact")
    text = (tmp_path / "red" / "corpus" / "books" / "novel.txt").read_text()
    assert PASSAGE_A not in text and len(text) > 100


@dataclass(frozen=True)
class FailOnShard:
    """A matcher factory that fails when it meets a document of one shard (a crash)."""

    shard: str

    def __call__(self) -> Matcher:
        inner = MATCHER()
        shard = self.shard

        def match(docs: Iterable[Document]) -> Iterator[Match]:
            def guarded() -> Iterator[Document]:
                for d in docs:
                    if d.shard == shard:
                        raise RuntimeError(f"worker died in {shard}")
                    yield d

            return inner(guarded())

        return match

    def describe(self) -> dict[str, Any]:
        return MATCHER.describe()  # the same matcher as far as results are concerned


def test_an_interrupted_filter_resumes_and_skips_completed_shards(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    out = tmp_path / "out"
    crash_at = shards[4].name
    with pytest.raises(RuntimeError, match="worker died"):
        filter_corpus(shards, ReadOptions(), FailOnShard(crash_at), out)
    done = sorted((out / STATE_DIR).glob("*.done"))
    assert len(done) == 4
    assert not (out / "_removals.jsonl").exists()
    assert not list(out.rglob("*.tmp*"))  # the interrupted shard left no partial file

    result = filter_corpus(shards, ReadOptions(), MATCHER, out)
    assert [s.skipped for s in result.shards] == [True] * 4 + [False] * (len(shards) - 4)
    fresh = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "fresh")
    assert Path(result.manifest).read_bytes() == Path(fresh.manifest).read_bytes()
    for s in result.shards:
        if s.output:
            assert (out / s.output).read_bytes() == (tmp_path / "fresh" / s.output).read_bytes()


def test_gzip_output_depends_only_on_its_content(tmp_path: Path) -> None:
    # gzip.open stores the write time and the temporary file's name (with a process id) in
    # the header: a resumed filter's .gz output then differed from a fresh run's whenever
    # the two straddled a second. The header must hold time 0 and the final name.
    write_jsonl(tmp_path / "c" / "a.jsonl.gz", documents(10, "r"))
    shards = discover_shards([tmp_path / "c"])
    result = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o")
    out = tmp_path / "o" / result.shards[0].output
    data = out.read_bytes()
    assert data[:3] == b"\x1f\x8b\x08"
    assert int.from_bytes(data[4:8], "little") == 0  # MTIME
    assert data[3] & 0x08  # FNAME present
    stored = data[10 : data.index(b"\x00", 10)]
    assert stored == b"a.jsonl"
    assert _jsonl_records(out)


def test_a_changed_mode_or_input_redoes_a_completed_shard(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "c" / "a.jsonl", documents(10, "r"))
    shards = discover_shards([tmp_path / "c"])
    filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o", mode="drop")
    again = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o", mode="drop")
    assert again.shards[0].skipped
    redo = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o", mode="redact")
    assert not redo.shards[0].skipped and redo.total("redacted") > 0
    write_jsonl(tmp_path / "c" / "a.jsonl", documents(11, "r"))
    changed = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o", mode="redact")
    assert not changed.shards[0].skipped and changed.total("documents") == 11


def test_two_workers_give_the_same_output(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    one = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "one")
    two = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "two", workers=2)
    assert Path(one.manifest).read_bytes() == Path(two.manifest).read_bytes()
    assert [s.shard for s in one.shards] == [s.shard for s in two.shards]


def test_filter_refuses_bad_options(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "c" / "a.jsonl", documents(2, "x"))
    shards = discover_shards([tmp_path / "c"])
    with pytest.raises(ScanError, match="filter mode 'erase' is not one of"):
        filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o", mode="erase")
    with pytest.raises(ScanError, match="inside the output folder"):
        filter_corpus(shards, ReadOptions(), MATCHER, tmp_path)


def test_a_filter_worker_that_cannot_start_fails_instead_of_hanging(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    with pytest.raises(ScanError, match="the matcher cannot be built: index cannot be opened"):
        filter_corpus(shards, ReadOptions(), BrokenFactory(), tmp_path / "o", workers=2)
    # a worker's matcher that cannot be built: the reason, from the worker
    with pytest.raises(ScanError, match="cannot be built: index cannot be opened in a worker"):
        filter_corpus(shards, ReadOptions(), BrokenInChildFactory(), tmp_path / "o", workers=2)
    with pytest.raises(ScanError, match="a filter worker process died"):
        filter_corpus(shards, ReadOptions(), DyingInChildFactory(), tmp_path / "o", workers=2)


# --------------------------------------------------------------- output and manifest agree


def _output_rows(path: Path) -> int:
    """How many records a filtered shard holds (0 when it was not written)."""
    if not path.exists():
        return 0
    if path.name.endswith(".parquet"):
        return int(pq.read_table(path).num_rows)
    if path.name.endswith(".txt"):
        return 1
    return len(_jsonl_records(path))


def test_output_and_manifest_agree_for_every_format(tmp_path: Path) -> None:
    import pyarrow as pa

    root = tmp_path / "corpus"
    records = build_mixed_corpus(root)
    sizes = {name: len(recs) for name, recs in records.items() if name != "hf"}
    sizes["books/novel.txt"] = 1
    bad = root / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "fine"}\n{broken\n{"id": "n", "text": null}\n')
    sizes["bad.jsonl"] = 3
    # rows with null text: not examined, so they must not be written
    nulls = documents(6, "nul")
    for r in nulls[::2]:
        r["text"] = None
    pq.write_table(pa.Table.from_pylist(nulls), root / "nulls.parquet")
    sizes["nulls.parquet"] = 6
    # no text column: nothing examined, so nothing written
    pq.write_table(pa.Table.from_pylist([{"id": "x", "body": "t"}] * 4), root / "notext.parquet")
    sizes["notext.parquet"] = 4
    (root / "empty.txt").write_bytes(b"\xff\xfe\xfa not utf-8")
    sizes["empty.txt"] = 1

    out = tmp_path / "out"
    result = filter_corpus(discover_shards([root]), ReadOptions(), MATCHER, out)
    manifest = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    by_shard = {r.shard: r for r in result.shards}
    for name, total in sizes.items():
        r = by_shard[f"corpus/{name}"]
        written = _output_rows(out / (r.output or f"corpus/{name}"))
        assert written == r.kept + r.redacted, name
        left = [x for x in manifest if x["shard"] == r.shard and x["work"] is None]
        removed = {x["record"] for x in manifest if x["shard"] == r.shard and x["work"]}
        assert r.kept + r.redacted + r.dropped + r.unreadable == total or (
            r.documents == 0 and left
        ), name
        assert len(removed) == r.dropped + r.redacted, name
        assert written + len(removed) <= total, name
    notext = by_shard["corpus/notext.parquet"]
    assert _output_rows(out / "corpus" / "notext.parquet") == 0
    assert any("no column 'text'" in x["reason"] for x in manifest if x["shard"] == notext.shard)
    nul = by_shard["corpus/nulls.parquet"]
    assert nul.unreadable == 3
    ids = set(pq.read_table(out / "corpus" / "nulls.parquet").column("id").to_pylist())
    assert ids == {r["id"] for r in nulls if r["text"] is not None} - {x["doc"] for x in manifest}


@pytest.mark.parametrize("content", [b"", b"PAR1 this is not parquet at all PAR1"])
def test_a_corrupt_or_empty_parquet_file_is_named_and_the_filter_goes_on(
    tmp_path: Path, content: bytes
) -> None:
    root = tmp_path / "c"
    write_jsonl(root / "a.jsonl", documents(10, "a"))
    (root / "b.parquet").write_bytes(content)
    result = filter_corpus(discover_shards([root]), ReadOptions(), MATCHER, tmp_path / "o")
    manifest = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    bad = [x for x in manifest if x["shard"] == "c/b.parquet"]
    assert bad and all("left out" in x["reason"] for x in bad)
    assert not (tmp_path / "o" / "c" / "b.parquet").exists()
    assert (tmp_path / "o" / "c" / "a.jsonl").is_file()
    scan = run_local(discover_shards([root]), ReadOptions(), MATCHER)
    assert scan.bad_records == len(bad)


def test_scan_and_filter_agree_on_documents_that_share_an_id(tmp_path: Path) -> None:
    recs = documents(10, "d")
    recs[5]["id"] = recs[0]["id"]  # two documents, same id, both carrying passage A
    recs[5]["text"] = recs[0]["text"]
    write_jsonl(tmp_path / "c" / "a.jsonl", recs)
    shards = discover_shards([tmp_path / "c"])
    scan = run_local(shards, ReadOptions(), MATCHER)
    assert scan.shards[0].duplicate_ids == 1
    result = filter_corpus(shards, ReadOptions(), MATCHER, tmp_path / "o")
    manifest = [json.loads(x) for x in Path(result.manifest).read_text().splitlines()]
    removed = {(x["shard"], x["record"], x["doc"], x["work"]) for x in manifest}
    found = {(m.shard, m.record, m.doc, m.work) for m in scan.matches}
    assert found == removed
    assert (("c/a.jsonl", 1, "d-0000", "persuasion-a")) in found
    assert (("c/a.jsonl", 6, "d-0000", "persuasion-a")) in found
