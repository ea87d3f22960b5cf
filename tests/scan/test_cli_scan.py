"""``consentry scan`` / ``consentry filter``: the command functions with an injected matcher,
and the Typer commands' argument checks and error messages."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from tests.scan.kit import (
    MATCHER,
    PASSAGE_A,
    PASSAGE_B,
    build_mixed_corpus,
    documents,
    write_jsonl,
)
from typer.testing import CliRunner

from consentry.bootstrap import Registry
from consentry.cli.app import build_app
from consentry.cli.scan import report_paths, run_filter, run_scan
from consentry.errors import ScanError
from consentry.scan.pipeline import read_matches

runner = CliRunner()
app = build_app()


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=200, force_terminal=False), buf


def test_run_scan_writes_matches_and_both_reports_and_prints_thresholds(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    (tmp_path / "corpus" / "part-009.jsonl").write_text('{"id": 1}\n')
    console, buf = _console()
    result = run_scan(
        [tmp_path / "corpus"],
        MATCHER,
        matches=tmp_path / "m.jsonl",
        report=tmp_path / "rep" / "scan",
        console=console,
        now=datetime(2026, 11, 29, 3, 0, tzinfo=UTC),
        workers=2,
    )
    lines = read_matches(tmp_path / "m.jsonl")
    assert len(lines) == len(result.matches) > 0
    assert set(lines[0]) == {
        "doc",
        "shard",
        "record",
        "work",
        "words",
        "doc_words",
        "level",
        "spans",
        "similarity",
    }
    report = json.loads((tmp_path / "rep" / "scan.json").read_text())
    assert report["generated"] == "2026-11-29T03:00:00+00:00"
    assert report["engine"] == {"name": "local", "workers": 2}
    assert (tmp_path / "rep" / "scan.html").read_text().startswith("<!doctype html>")
    out = buf.getvalue()
    assert "thresholds: none recorded" in out
    assert f"{len(lines):,} matches written" in out
    assert "corpus/part-009.jsonl:1: field 'text' is missing" in out


def test_run_scan_with_two_corpus_arguments_and_field_options(tmp_path: Path) -> None:
    recs = [{"key": r["id"], "body": r["text"]} for r in documents(10, "f")]
    write_jsonl(tmp_path / "a" / "x.jsonl", recs[:5])
    write_jsonl(tmp_path / "b" / "x.jsonl", recs[5:])
    from consentry.scan.readers import ReadOptions

    console, _ = _console()
    result = run_scan(
        [tmp_path / "a", tmp_path / "b"],
        MATCHER,
        matches=tmp_path / "m.jsonl",
        options=ReadOptions(text_field="body", id_field="key"),
        console=console,
    )
    assert result.documents == 10
    assert {m.doc for m in result.matches} == {"f-0000", "f-0005", "f-0007"}


def test_run_filter_then_scan_finds_nothing(tmp_path: Path) -> None:
    build_mixed_corpus(tmp_path / "corpus")
    console, buf = _console()
    res = run_filter([tmp_path / "corpus"], MATCHER, out=tmp_path / "out", console=console)
    assert res.total("dropped") > 0
    assert "dropped" in buf.getvalue() and "_removals.jsonl" in buf.getvalue()
    again = run_scan([tmp_path / "out"], MATCHER, matches=tmp_path / "m.jsonl", console=console)
    assert again.matches == [] and (tmp_path / "m.jsonl").read_text() == ""
    run_filter([tmp_path / "corpus"], MATCHER, out=tmp_path / "out", console=console)
    assert "shards already done, skipped" in buf.getvalue()


@pytest.mark.parametrize("mode", ["drop", "redact"])
def test_a_lone_surrogate_in_a_record_is_written_escaped_everywhere(
    tmp_path: Path, mode: str
) -> None:
    # JSON may spell a lone surrogate ("\\ud800"); the reader keeps it, as the standard
    # library does, and UTF-8 cannot encode it: the match file, the report, the removal
    # manifest and the filtered corpus write it escaped instead of failing at the end
    corpus = tmp_path / "c.jsonl"
    records = [
        {"id": "bad\ud800id", "text": f"{PASSAGE_A} broken \udc80 text é"},
        {"id": "fine é", "text": PASSAGE_B},
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    console, _ = _console()
    run_scan(
        [corpus], MATCHER, matches=tmp_path / "m.jsonl", report=tmp_path / "r", console=console
    )
    raw = (tmp_path / "m.jsonl").read_bytes()
    assert b"\\ud800" in raw and "fine é".encode() in raw  # escaped only where it must be
    assert [m["doc"] for m in read_matches(tmp_path / "m.jsonl")] == ["bad\ud800id", "fine é"]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert "bad\ud800id" in {e["doc"] for w in report["works"] for e in w["examples"]}
    assert "bad\ufffdid" in (tmp_path / "r.html").read_text(encoding="utf-8")
    res = run_filter([corpus], MATCHER, out=tmp_path / "out", mode=mode, console=console)
    removals = (tmp_path / "out" / "_removals.jsonl").read_text(encoding="utf-8")
    assert {json.loads(line)["doc"] for line in removals.splitlines()} == {
        "bad\ud800id",
        "fine é",
    }
    if mode == "redact":
        kept = [
            json.loads(line) for line in (tmp_path / "out" / "c.jsonl").read_text().splitlines()
        ]
        assert [r["id"] for r in kept] == ["bad\ud800id", "fine é"]
        assert kept[0]["text"].endswith(" broken \udc80 text é")
    assert res.total("dropped" if mode == "drop" else "redacted") == 2
    again = run_scan([tmp_path / "out"], MATCHER, matches=tmp_path / "m2.jsonl", console=console)
    assert again.matches == []


def test_run_functions_refuse_unknown_engine_and_mode(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "c.jsonl", documents(1, "x"))
    console, _ = _console()
    with pytest.raises(ScanError, match="engine 'dask' is not one of"):
        run_scan(
            [tmp_path / "c.jsonl"], MATCHER, matches=tmp_path / "m", engine="dask", console=console
        )
    with pytest.raises(ScanError, match="--mode 'erase' is not one of"):
        run_filter(
            [tmp_path / "c.jsonl"], MATCHER, out=tmp_path / "o", mode="erase", console=console
        )
    with pytest.raises(ScanError, match="engine 'dask' is not one of"):
        run_filter([tmp_path / "c.jsonl"], MATCHER, out=tmp_path / "o", engine="dask")
    assert not (tmp_path / "o").exists()


def test_report_paths() -> None:
    assert report_paths(Path("r")) == (Path("r.json"), Path("r.html"))
    assert report_paths(Path("d/r.html")) == (Path("d/r.json"), Path("d/r.html"))
    assert report_paths(Path("d/r.v1.json")) == (Path("d/r.v1.json"), Path("d/r.v1.html"))


def test_scan_command_names_a_missing_index(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "c.jsonl", documents(1, "x"))
    r = runner.invoke(
        app,
        [
            "scan",
            str(tmp_path / "c.jsonl"),
            "--index",
            str(tmp_path / "nope.idx"),
            "--matches",
            str(tmp_path / "m.jsonl"),
        ],
    )
    assert r.exit_code == 1
    assert "nope.idx' does not exist" in r.stderr


def test_filter_command_refuses_an_unknown_purpose(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "c.jsonl", documents(1, "x"))
    r = runner.invoke(
        app,
        [
            "filter",
            str(tmp_path / "c.jsonl"),
            "--index",
            str(tmp_path / "i"),
            "--out",
            str(tmp_path / "o"),
            "--purpose",
            "ai-everything",
        ],
    )
    assert r.exit_code == 2
    assert "unknown purpose 'ai-everything'" in r.stderr


def test_commands_are_registered_with_their_options() -> None:
    r = runner.invoke(app, ["scan", "--help"])
    assert r.exit_code == 0
    for option in (
        "--index",
        "--matches",
        "--report",
        "--text-field",
        "--id-field",
        "--max-record-bytes",
        "--workers",
        "--engine",
    ):
        assert option in r.stdout
    r = runner.invoke(app, ["filter", "--help"])
    for option in ("--index", "--out", "--purpose", "--mode", "--max-record-bytes", "--engine"):
        assert option in r.stdout


# ----------------------------------------------------------------- with a real index


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.scan.kit import DATA

    from consentry.fingerprints.builder import IndexBuilder

    path = tmp_path_factory.mktemp("idx") / "works.cidx"
    builder = IndexBuilder(path, store_text=True)
    builder.add_text("persuasion", (DATA / "persuasion-head.txt").read_text(encoding="utf-8"))
    builder.add_text("another", " ".join(PASSAGE_B.split()[:5]) + " unrelated words " * 20)
    builder.finish()
    return path


def test_scan_and_filter_commands_with_a_real_index(tmp_path: Path, real_index: Path) -> None:
    recs = documents(40, "r")
    write_jsonl(tmp_path / "corpus" / "a.jsonl.zst", recs[:20])
    write_jsonl(tmp_path / "corpus" / "b.jsonl", recs[20:])
    r = runner.invoke(
        app,
        [
            "scan",
            str(tmp_path / "corpus"),
            "--index",
            str(real_index),
            "--matches",
            str(tmp_path / "m.jsonl"),
            "--report",
            str(tmp_path / "rep"),
            "--workers",
            "2",
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert "thresholds: " in r.stderr and "min_words=15" in r.stderr
    found = {(m["doc"], m["work"]) for m in read_matches(tmp_path / "m.jsonl")}
    planted = {r_["id"] for r_ in recs if PASSAGE_A in r_["text"] or PASSAGE_B in r_["text"]}
    assert found == {(doc, "persuasion") for doc in planted}
    report = json.loads((tmp_path / "rep.json").read_text())
    assert report["matcher"]["index"]["works"] == 2
    assert report["thresholds"]["min_words"] == 15
    assert report["matcher"]["spec"].startswith("version=canon-v2")

    r = runner.invoke(
        app,
        [
            "filter",
            str(tmp_path / "corpus"),
            "--index",
            str(real_index),
            "--out",
            str(tmp_path / "clean"),
            "--mode",
            "redact",
        ],
    )
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(
        app,
        [
            "scan",
            str(tmp_path / "clean"),
            "--index",
            str(real_index),
            "--matches",
            str(tmp_path / "m2.jsonl"),
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "m2.jsonl").read_text() == ""


def test_max_record_bytes_reaches_scan_and_filter(tmp_path: Path, real_index: Path) -> None:
    recs = documents(6, "m")  # m-0000 and m-0005 carry passage A
    recs[0]["text"] += " filler" * 600  # over 3,000 bytes
    write_jsonl(tmp_path / "c.jsonl", recs)
    common = ["--index", str(real_index), "--max-record-bytes", "3000"]
    r = runner.invoke(
        app, ["scan", str(tmp_path / "c.jsonl"), "--matches", str(tmp_path / "m"), *common]
    )
    assert r.exit_code == 0, r.stderr
    assert "c.jsonl:1: record of" in r.stderr and "over the 3,000-byte limit" in r.stderr
    assert {m["doc"] for m in read_matches(tmp_path / "m")} == {"m-0005"}
    r = runner.invoke(
        app, ["filter", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), *common]
    )
    assert r.exit_code == 0, r.stderr
    removals = (tmp_path / "o" / "_removals.jsonl").read_text().splitlines()
    reasons = {json.loads(line)["doc"]: json.loads(line)["reason"] for line in removals}
    assert reasons["c.jsonl:1"] == "unreadable record, not examined; left out"
    assert "m-0005" in reasons
    r = runner.invoke(
        app,
        [
            "scan",
            str(tmp_path / "c.jsonl"),
            "--matches",
            str(tmp_path / "m"),
            *common[:2],
            "--max-record-bytes",
            "0",
        ],
    )
    assert r.exit_code == 2


def test_filter_refuses_an_output_folder_inside_the_corpus_on_the_first_run(
    tmp_path: Path,
) -> None:
    write_jsonl(tmp_path / "corpus" / "a.jsonl", documents(5, "a"))
    console, _ = _console()
    with pytest.raises(ScanError, match="inside the corpus folder"):
        run_filter([tmp_path / "corpus"], MATCHER, out=tmp_path / "corpus" / "out", console=console)
    assert not (tmp_path / "corpus" / "out").exists()


def test_problems_beyond_the_five_shown_per_shard_say_and_n_more(tmp_path: Path) -> None:
    path = tmp_path / "c" / "a.jsonl"
    path.parent.mkdir()
    path.write_text('{"id": "ok", "text": "fine"}\n' + "{broken\n" * 8)
    console, buf = _console()
    run_scan([path.parent], MATCHER, matches=tmp_path / "m.jsonl", console=console)
    out = buf.getvalue()
    assert "8 records could not be read" in out
    assert "c/a.jsonl: and 3 more" in out


def test_report_names_works_by_title_and_rightsholders_from_the_registry(
    tmp_path: Path, registry: Registry
) -> None:
    from decimal import Decimal

    from consentry.registry.access import SYSTEM
    from consentry.registry.works import PartyRef, WorkDraft, WorkKind
    from consentry.scan.pipeline import LiteralMatcher

    work = registry.service.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Persuasion",
            holders=((PartyRef("Austen Estate"), "rightsholder", Decimal(100), "all"),),
        ),
    )
    write_jsonl(tmp_path / "c" / "a.jsonl", documents(10, "a"))
    matcher = LiteralMatcher(((work.id, PASSAGE_A), ("unregistered", PASSAGE_B)))
    console, _ = _console()
    run_scan(
        [tmp_path / "c"],
        matcher,
        matches=tmp_path / "m.jsonl",
        report=tmp_path / "r",
        console=console,
        registry=registry,
    )
    data = json.loads((tmp_path / "r.json").read_text())
    entry = next(w for w in data["works"] if w["work"] == work.id)
    assert entry["title"] == "Persuasion" and entry["rightsholders"] == ["Austen Estate"]
    text = data["summary"]["eu_ai_act_3_1"]
    assert f"Persuasion (Austen Estate; {work.id})" in text
    assert "unregistered:" in text and "taken from the registry" in text


def test_scan_without_a_report_neither_hashes_nor_describes_the_index(
    tmp_path: Path, real_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the report records the index's sha256 (seconds for a large index); a scan
    without one prints the thresholds alone, and finds the same matches."""
    from consentry.scan import pipeline
    from consentry.scan.pipeline import IndexMatcher

    write_jsonl(tmp_path / "corpus" / "a.jsonl", documents(10, "d"))
    with_report = run_scan(
        [tmp_path / "corpus"],
        IndexMatcher(str(real_index)),
        matches=tmp_path / "r.jsonl",
        report=tmp_path / "rep",
        console=_console()[0],
    )

    def no_describe(self: IndexMatcher) -> dict[str, object]:
        raise AssertionError("describe() called without a report")

    monkeypatch.setattr(pipeline, "file_sha256", lambda path: pytest.fail(f"hashed {path}"))
    monkeypatch.setattr(IndexMatcher, "describe", no_describe)
    console, buf = _console()
    plain = run_scan(
        [tmp_path / "corpus"],
        IndexMatcher(str(real_index)),
        matches=tmp_path / "m.jsonl",
        console=console,
    )
    assert "thresholds: " in buf.getvalue() and "min_words=15" in buf.getvalue()
    assert plain.matches == with_report.matches and plain.matches
    assert (tmp_path / "m.jsonl").read_bytes() == (tmp_path / "r.jsonl").read_bytes()
