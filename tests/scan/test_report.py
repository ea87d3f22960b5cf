"""Scan reports: JSON figures computed from the matches, a self-contained HTML page, the
corpus manifest hash and the EU AI Act section 3.1 summary."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from rich.console import Console
from tests.scan.kit import MATCHER, PASSAGE_A, build_mixed_corpus, documents, jsonl_bytes

from consentry.scan.executors import run_local
from consentry.scan.pipeline import ScanResult
from consentry.scan.readers import ReadOptions, discover_shards
from consentry.scan.report import build_report, corpus_manifest, render_html, report_json

DESCRIBE = {
    "matcher": "fingerprint",
    "index": {"path": "idx.cidx", "sha256": "ab" * 32, "works": 2},
    "spec": "canon-v1",
    "purpose": "ai-train",
    "thresholds": {"evidence_words": 15, "excerpt_words": 40},
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScanResult]:
    root = tmp_path_factory.mktemp("rep") / "corpus"
    build_mixed_corpus(root)
    bad = root / "part-009.jsonl"
    bad.write_text('{"id": "z", "text": "<script>alert(1)</script>"}\n{oops\n')
    return root, run_local(discover_shards([root]), ReadOptions(), MATCHER)


def _report(result: ScanResult, **kw: Any) -> dict[str, Any]:
    return build_report(result, DESCRIBE, generated="2026-11-29T03:00:00+00:00", **kw)


def test_report_figures_come_from_the_matches(scanned: tuple[Path, ScanResult]) -> None:
    _, result = scanned
    report = _report(result)
    works = {w["work"]: w for w in report["works"]}
    assert set(works) == {"persuasion-a", "persuasion-b"}
    for work, entry in works.items():
        mine = [m for m in result.matches if m.work == work]
        assert entry["documents"] == len(mine)
        assert entry["words"] == sum(m.words for m in mine)
        assert 1 <= len(entry["examples"]) <= 3
    assert works["persuasion-a"]["examples"][0]["text"] == PASSAGE_A[:240]
    totals = report["totals"]
    assert totals["matches"] == len(result.matches)
    assert totals["documents_matched"] == len({(m.shard, m.doc) for m in result.matches})
    assert totals["by_level"]["excerpt"] == len(result.matches)
    assert report["corpus"]["documents"] == result.documents
    assert report["corpus"]["bad_records"] == 1
    assert report["corpus"]["problems"] == [
        {"location": "corpus/part-009.jsonl:2", "reason": "not valid JSON (JSONDecodeError)"}
    ]
    shards = {s["shard"]: s for s in report["shards"]}
    assert sum(s["matches"] for s in shards.values()) == len(result.matches)
    assert shards["corpus/part-009.jsonl"]["bad_records"] == 1
    assert report["thresholds"] == DESCRIBE["thresholds"]
    assert json.loads(report_json(report)) == report


def test_corpus_manifest_hash_is_sha256_of_sorted_name_size_hash_lines(
    scanned: tuple[Path, ScanResult],
) -> None:
    root, result = scanned
    lines = []
    for shard in discover_shards([root]):
        data = Path(shard.path).read_bytes()
        lines.append(f"{shard.name}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}\n")
    want = hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()
    digest, files = corpus_manifest(result.shards)
    assert digest == want
    assert [f["name"] for f in files] == sorted(f["name"] for f in files)
    assert _report(result)["corpus"]["manifest_sha256"] == want


def test_eu_summary_names_the_figures_a_provider_must_state(
    scanned: tuple[Path, ScanResult],
) -> None:
    _, result = scanned
    report = _report(result, actions={"documents_removed": 7})
    text = report["summary"]["eu_ai_act_3_1"]
    assert "Article 4(3) of Directive (EU) 2019/790" in text
    assert report["corpus"]["manifest_sha256"] in text
    assert f"{result.documents:,} documents" in text
    assert "canon-v1" in text and "idx.cidx" in text and "ai-train" in text
    assert "evidence_words = 15, excerpt_words = 40" in text
    assert "2 registered works found in" in text
    assert "1 record could not be read" in text
    assert "documents removed: 7" in text


def test_html_page_is_self_contained_and_escapes_corpus_text(
    scanned: tuple[Path, ScanResult],
) -> None:
    _, result = scanned
    hostile = {**DESCRIBE, "index": {"path": "<script>alert(1)</script>.cidx"}}
    report = build_report(result, hostile, generated="<img src=x>")
    page = render_html(report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.cidx" in page
    doc = lxml.html.document_fromstring(page)
    assert not doc.xpath("//script"), "no scripts at all, escaped corpus text included"
    for attr in ("src", "href"):
        assert not doc.xpath(f"//@{attr}"), f"no external assets ({attr})"
    assert "<link" not in page and "url(" not in page
    svgs = doc.xpath("//*[local-name()='svg']")
    assert len(svgs) == 3
    assert report["summary"]["eu_ai_act_3_1"] in doc.text_content()
    assert "persuasion-a" in doc.text_content()
    # every threshold is printed
    assert "evidence_words" in page and "excerpt_words" in page
    # each SVG is well-formed XML on its own
    for svg in svgs:
        lxml.etree.fromstring(lxml.etree.tostring(svg))


def test_empty_scan_gives_a_report_with_nothing_found(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "nothing here"}\n')
    result = run_local(discover_shards([tmp_path / "a.jsonl"]), ReadOptions(), MATCHER)
    report = build_report(result, {"matcher": "m"}, generated="t")
    assert report["works"] == [] and report["totals"]["works_matched"] == 0
    assert "no thresholds recorded" in report["summary"]["eu_ai_act_3_1"]
    page = render_html(report)
    assert "no registered work found" in page and "nothing to chart" in page


# --------------------------------------------------------------- every sentence from the run


def _summary(result: ScanResult, describe: dict[str, Any], **kw: Any) -> str:
    report = build_report(result, describe, generated="t", **kw)
    return str(report["summary"]["eu_ai_act_3_1"])


def test_eu_summary_claims_alignment_only_when_the_index_stores_texts(
    scanned: tuple[Path, ScanResult],
) -> None:
    _, result = scanned
    without = {**DESCRIBE, "index": {**DESCRIBE["index"], "texts": False}}
    text = _summary(result, without)
    assert "Findings were confirmed by aligning" not in text
    assert "stores no work texts" in text
    with_texts = {**DESCRIBE, "index": {**DESCRIBE["index"], "texts": True}}
    assert "Findings were confirmed by aligning the original texts" in _summary(result, with_texts)


def test_eu_summary_states_the_purpose_or_that_it_is_not_recorded(
    scanned: tuple[Path, ScanResult],
) -> None:
    _, result = scanned
    bare = {k: v for k, v in DESCRIBE.items() if k != "purpose"}
    assert "run for the purpose ai-train" in _summary(result, bare, purpose="ai-train")
    assert "purpose the works' reservations cover was not recorded" in _summary(result, bare)


def test_eu_summary_names_files_of_unsupported_types(tmp_path: Path) -> None:
    from consentry.cli.scan import run_scan

    build_mixed_corpus(tmp_path / "corpus")
    run_scan(
        [tmp_path / "corpus"],
        MATCHER,
        matches=tmp_path / "m.jsonl",
        report=tmp_path / "r",
        console=Console(file=io.StringIO()),
    )
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["corpus"]["left_out_files"] == ["corpus/README.md"]
    assert (
        "1 file not read because its type is not supported: corpus/README.md"
        in (data["summary"]["eu_ai_act_3_1"])
    )


def test_a_truncated_shard_is_reported_as_not_examined_from_there_on(tmp_path: Path) -> None:
    data = gzip.compress(jsonl_bytes(documents(200, "t")))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = run_local(discover_shards([tmp_path / "c"]), ReadOptions(), MATCHER)
    text = _summary(result, DESCRIBE)
    assert "0 records could not be read" in text
    assert "Reading stopped early in 1 file (at c/a.jsonl.gz:" in text
    assert "the rest of each was not examined" in text


def test_report_names_works_by_title_and_rightsholders(scanned: tuple[Path, ScanResult]) -> None:
    _, result = scanned
    catalog = {"persuasion-a": {"title": "Persuasion", "rightsholders": ["J. Austen Estate"]}}
    report = build_report(result, DESCRIBE, generated="t", purpose="ai-train", catalog=catalog)
    entry = next(w for w in report["works"] if w["work"] == "persuasion-a")
    assert entry["title"] == "Persuasion" and entry["rightsholders"] == ["J. Austen Estate"]
    text = report["summary"]["eu_ai_act_3_1"]
    assert "Persuasion (J. Austen Estate; persuasion-a)" in text
    assert "persuasion-b:" in text  # a work without a catalog entry is named by id
    plain = _summary(result, DESCRIBE)
    assert "records work ids only" in plain
