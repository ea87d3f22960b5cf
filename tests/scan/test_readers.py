"""Corpus readers on real files of every format, bad records, and random bytes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.scan.kit import PASSAGE_A, build_mixed_corpus, documents, write_jsonl, write_warc

from consentry.errors import ScanError
from consentry.scan.readers import (
    ReadLog,
    ReadOptions,
    Shard,
    discover_shards,
    html_to_text,
    read_shard,
)


def read_all(shard: Shard, options: ReadOptions | None = None) -> tuple[list, ReadLog]:
    log = ReadLog()
    return list(read_shard(shard, options or ReadOptions(), log)), log


def test_discover_walks_a_folder_in_name_order_and_skips_unknown_files(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    shards = discover_shards([tmp_path / "corpus"])
    assert [(s.name, s.kind) for s in shards] == [
        ("corpus/books/novel.txt", "text"),
        ("corpus/crawl/web-000.warc.gz", "warc"),
        ("corpus/hf/data-00000-of-00002.arrow", "arrow"),
        ("corpus/hf/data-00001-of-00002.arrow", "arrow"),
        ("corpus/part-000.jsonl", "jsonl"),
        ("corpus/part-001.jsonl.gz", "jsonl"),
        ("corpus/part-002.jsonl.zst", "jsonl"),
        ("corpus/part-003.parquet", "parquet"),
    ]


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz", "a.jsonl.zst", "a.json.gz"])
def test_jsonl_in_every_compression_gives_the_same_documents(tmp_path: Path, name: str) -> None:
    recs = documents(12, "d")
    (shard,) = discover_shards([write_jsonl(tmp_path / name, recs)])
    docs, log = read_all(shard)
    assert [(d.id, d.text, d.shard) for d in docs] == [(r["id"], r["text"], name) for r in recs]
    assert log.count == 0


def test_parquet_streams_every_row_group(tmp_path: Path) -> None:
    recs = documents(50, "p")
    path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist(recs), path, row_group_size=7)
    assert pq.ParquetFile(path).num_row_groups == 8
    docs, log = read_all(discover_shards([path])[0])
    assert [d.id for d in docs] == [r["id"] for r in recs]
    assert [d.text for d in docs] == [r["text"] for r in recs]
    assert log.count == 0


def test_warc_reads_html_responses_as_text_and_ignores_requests(tmp_path: Path) -> None:
    recs = documents(4, "w")
    (shard,) = discover_shards([write_warc(tmp_path / "c.warc.gz", recs)])
    docs, log = read_all(shard)
    assert len(docs) == 4
    # request records are 1, 3, 5, 7; responses are 2, 4, 6, 8
    assert [d.id for d in docs] == ["c.warc.gz:2", "c.warc.gz:4", "c.warc.gz:6", "c.warc.gz:8"]
    assert [d.text.splitlines()[-1] for d in docs] == [r["text"] for r in recs]
    assert all("var x" not in d.text for d in docs)
    docs2, _ = read_all(shard, ReadOptions(id_field="WARC-Target-URI"))
    assert [d.id for d in docs2] == [r["url"] for r in recs]


def test_uncompressed_warc(tmp_path: Path) -> None:
    (shard,) = discover_shards([write_warc(tmp_path / "c.warc", documents(2, "w"), gz=False)])
    docs, _ = read_all(shard)
    assert len(docs) == 2


def test_hf_dataset_folder_reads_arrow_files_in_state_order(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    recs = build_mixed_corpus(corpus)["hf"]
    shards = [s for s in discover_shards([corpus / "hf"])]
    assert [s.name for s in shards] == [
        "hf/data-00000-of-00002.arrow",
        "hf/data-00001-of-00002.arrow",
    ]
    got = [d for s in shards for d in read_all(s)[0]]
    assert [(d.id, d.text) for d in got] == [(r["id"], r["text"]) for r in recs]


def test_text_file_is_one_document_named_by_its_path(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "c")
    (shard,) = discover_shards([tmp_path / "c" / "books" / "novel.txt"])
    docs, _ = read_all(shard)
    assert len(docs) == 1 and docs[0].id == "novel.txt" and PASSAGE_A in docs[0].text


def test_id_field_falls_back_to_file_and_line(tmp_path: Path) -> None:
    lines = [
        {"text": "no id here"},
        {"doc_id": 7, "text": "numeric id"},
        {"doc_id": {"x": 1}, "text": "an object is no id"},
    ]
    path = write_jsonl(tmp_path / "x.jsonl", lines)
    docs, _ = read_all(discover_shards([path])[0], ReadOptions(id_field="doc_id"))
    assert [d.id for d in docs] == ["x.jsonl:1", "7", "x.jsonl:3"]


def test_text_field_option(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "a", "content": "body"}])
    docs, log = read_all(discover_shards([path])[0], ReadOptions(text_field="content"))
    assert [d.text for d in docs] == ["body"] and log.count == 0


def test_bad_jsonl_records_are_counted_with_their_line_and_never_stop_the_read(
    tmp_path: Path,
) -> None:
    good = json.dumps({"id": "ok", "text": "fine"}).encode()
    data = b"\n".join(
        [
            good,
            b"{not json",
            b"[1, 2]",
            json.dumps({"id": "n"}).encode(),
            json.dumps({"id": "t", "text": 5}).encode(),
            b"\xff\xfe garbage",
            b"",
            good,
        ]
    )
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data + b"\n")
    docs, log = read_all(discover_shards([path])[0])
    assert [d.id for d in docs] == ["ok", "ok"]
    assert log.count == 5
    assert [p.location for p in log.problems] == [f"bad.jsonl:{n}" for n in (2, 3, 4, 5, 6)]
    assert "not valid JSON" in log.problems[0].reason
    assert "expected a JSON object" in log.problems[1].reason
    assert "'text' is missing" in log.problems[2].reason
    assert "'text' is int, expected a string" in log.problems[3].reason


def test_truncated_gzip_keeps_what_was_read_and_reports_where_it_stopped(
    tmp_path: Path,
) -> None:
    data = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in documents(200, "g")))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    docs, log = read_all(discover_shards([path])[0])
    assert 0 < len(docs) < 200
    assert log.count == 1 and "unreadable from here on" in log.problems[0].reason
    assert log.problems[0].location == f"cut.jsonl.gz:{len(docs) + 1}"


def test_parquet_without_the_text_column_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "body": "x"}]), path)
    docs, log = read_all(discover_shards([path])[0])
    assert docs == []
    assert log.count == 1 and "no column 'text'" in log.problems[0].reason
    assert "['body', 'id']" in log.problems[0].reason


def test_parquet_null_text_is_a_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"id": "a", "text": None}, {"id": "b", "text": "y"}]), path
    )
    docs, log = read_all(discover_shards([path])[0])
    assert [d.id for d in docs] == ["b"] and log.problems[0].location == "p.parquet:1"


def test_problems_are_all_counted_but_only_the_first_hundred_kept(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"{\n" * 250)
    docs, log = read_all(discover_shards([path])[0])
    assert docs == [] and log.count == 250 and len(log.problems) == 100


def test_discover_errors_name_the_path_and_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match=r"does not exist"):
        discover_shards([tmp_path / "missing"])
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(ScanError, match=r"data\.csv.*unknown type; expected one of .*\.jsonl"):
        discover_shards([tmp_path / "data.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScanError, match=r"holds no readable file"):
        discover_shards([tmp_path / "empty"])
    write_jsonl(tmp_path / "a" / "x.jsonl", documents(1, "a"))
    with pytest.raises(ScanError, match=r"share the shard name 'a/x\.jsonl'"):
        discover_shards([tmp_path / "a", tmp_path / "a"])
    with pytest.raises(ScanError, match=r"shard kind 'csv' is not one of"):
        Shard("x", "csv", "x")


def test_hf_state_file_listing_a_missing_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "dataset_info.json").write_text("{}")
    (tmp_path / "ds" / "state.json").write_text(
        json.dumps({"_data_files": [{"filename": "x.arrow"}]})
    )
    with pytest.raises(ScanError, match=r"lists x\.arrow, which is missing"):
        discover_shards([tmp_path / "ds"])
    (tmp_path / "ds" / "state.json").write_text("[]")
    with pytest.raises(ScanError, match=r"not a Hugging Face dataset state file"):
        discover_shards([tmp_path / "ds"])


def test_html_to_text_drops_scripts_and_keeps_blocks_apart() -> None:
    text = html_to_text(
        b"<html><head><style>p{}</style></head><body><h1>Title</h1><p>One <b>two</b></p>"
        b"<script>alert(1)</script><div>three</div></body></html>"
    )
    assert text == "Title\nOne two\nthree"
    with pytest.raises(ValueError, match="no HTML document"):
        html_to_text(b"")


# ----------------------------------------------------------------- never crash on bytes

_FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(data=st.binary(max_size=400))
@pytest.mark.parametrize(
    "suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet", ".warc.gz", ".arrow", ".txt"]
)
def test_random_bytes_never_crash_a_reader(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    docs, log = read_all(discover_shards([path])[0])
    assert all(isinstance(d.text, str) for d in docs)
    assert log.count >= 0


@_FUZZ
@given(cut=st.integers(min_value=1, max_value=2000), flip=st.integers(min_value=0, max_value=255))
@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst", ".parquet", ".warc.gz"])
def test_damaged_real_files_never_crash_a_reader(
    tmp_path: Path, suffix: str, cut: int, flip: int
) -> None:
    recs = documents(10, "f")
    path = tmp_path / f"src{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(recs), path)
    elif suffix == ".warc.gz":
        write_warc(path, recs)
    elif suffix == ".jsonl.zst":
        path.write_bytes(
            zstandard.ZstdCompressor().compress(
                b"".join(json.dumps(r).encode() + b"\n" for r in recs)
            )
        )
    else:
        write_jsonl(path, recs)
    raw = bytearray(path.read_bytes())
    pos = cut % len(raw)
    raw[pos] ^= flip
    damaged = tmp_path / f"dmg{suffix}"
    damaged.write_bytes(bytes(raw[: max(1, len(raw) - cut // 3)]))
    docs, log = read_all(discover_shards([damaged])[0])  # the property: this never raises
    assert len(docs) <= 10
    assert all(isinstance(d.text, str) and d.id for d in docs)
    assert log.count >= 0 and len(log.problems) == min(log.count, 100)


def test_hf_dataset_dict_folder_reads_every_split(tmp_path: Path) -> None:
    from tests.scan.kit import write_hf_dataset

    root = tmp_path / "dd"
    write_hf_dataset(root / "train", documents(6, "tr"), files=2)
    write_hf_dataset(root / "test", documents(3, "te"), files=1)
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    shards = discover_shards([root])
    assert [s.name for s in shards] == [
        "dd/test/data-00000-of-00001.arrow",
        "dd/train/data-00000-of-00002.arrow",
        "dd/train/data-00001-of-00002.arrow",
    ]
    ids = [d.id for s in shards for d in read_all(s)[0]]
    assert ids == ["te-0000", "te-0001", "te-0002", *[f"tr-{i:04d}" for i in range(6)]]


def test_arrow_ipc_file_format_is_read_too(tmp_path: Path) -> None:
    recs = documents(5, "af")
    table = pa.Table.from_pylist(recs)
    path = tmp_path / "x.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    docs, log = read_all(discover_shards([path])[0])
    assert [d.id for d in docs] == [r["id"] for r in recs] and log.count == 0


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)  # beyond 64 bits too
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(), max_size=8),  # lone surrogates too
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.one_of(
            st.fixed_dictionaries({"id": _JSON_VALUES, "text": _JSON_VALUES}),
            st.fixed_dictionaries({"text": st.text(max_size=8)}, optional={"id": _JSON_VALUES}),
            _JSON_VALUES,
        ),
        max_size=6,
    )
)
def test_jsonl_documents_are_the_standard_librarys(tmp_path: Path, records: list[object]) -> None:
    # the reader parses with orjson for speed; what it yields must be what the standard
    # library's parse gives under the same field rules (id: a string or an integer, exact)
    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    log = ReadLog()
    got = [(d.id, d.text) for d in read_shard(discover_shards([path])[0], ReadOptions(), log)]
    want = []
    for n, r in enumerate(json.loads(json.dumps(records)), start=1):
        if isinstance(r, dict) and isinstance(r.get("text"), str):
            i = r.get("id")
            ok = isinstance(i, str | int) and not isinstance(i, bool)
            want.append((str(i) if ok and str(i) else f"h.jsonl:{n}", r["text"]))
    assert got == want
    assert log.count == len(records) - len(want)


@pytest.mark.parametrize("name", ["big.jsonl", "big.jsonl.gz", "big.jsonl.zst"])
def test_a_record_over_the_size_limit_is_skipped_and_named(tmp_path: Path, name: str) -> None:
    # a line of 5,000 bytes against a 2,000-byte limit: counted as bad, read past without
    # being held whole, and the records after it are read as usual
    recs = documents(4, "s")
    recs[1]["text"] = "word " * 1000
    path = write_jsonl(tmp_path / name, recs)
    options = ReadOptions(max_record_bytes=2000)
    docs, log = read_all(discover_shards([path])[0], options)
    assert [d.id for d in docs] == ["s-0000", "s-0002", "s-0003"]
    assert log.count == 1
    (problem,) = log.problems
    assert problem.location == f"{name}:2"
    assert "bytes is over the 2,000-byte limit; not examined" in problem.reason
    assert len(read_all(discover_shards([path])[0])[0]) == 4  # the default limit is 64 MiB


def test_a_file_without_newlines_over_the_limit_is_one_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"\x00\x01" * 50_000)  # 100,000 bytes, no newline
    docs, log = read_all(discover_shards([path])[0], ReadOptions(max_record_bytes=1000))
    assert docs == [] and log.count == 1
    assert "record of 100,000 bytes is over the 1,000-byte limit" in log.problems[0].reason


def test_text_and_warc_records_over_the_limit_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "small.txt").write_text("a few words", encoding="utf-8")
    (tmp_path / "t" / "large.txt").write_text("word " * 1000, encoding="utf-8")
    options = ReadOptions(max_record_bytes=2000)
    found = {}
    for shard in discover_shards([tmp_path / "t"]):
        docs, log = read_all(shard, options)
        found[shard.name] = (len(docs), log.count)
    assert found == {"t/large.txt": (0, 1), "t/small.txt": (1, 0)}
    recs = documents(3, "w")
    recs[0]["text"] = "word " * 1000
    warc = write_warc(tmp_path / "c.warc.gz", recs)
    docs, log = read_all(discover_shards([warc])[0], options)
    assert len(docs) == 2 and log.count == 1
    assert "over the 2,000-byte limit" in log.problems[0].reason
    with pytest.raises(ScanError, match="max_record_bytes 0 is not positive"):
        ReadOptions(max_record_bytes=0)


def test_a_symlink_loop_is_followed_once(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write_jsonl(root / "sub" / "a.jsonl", documents(3, "a"))
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    shards = discover_shards([root])
    assert [s.name for s in shards] == ["c/sub/a.jsonl"]
