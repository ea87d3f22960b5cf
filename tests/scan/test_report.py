"""Scan reports: JSON figures computed from the matches, a self-contained HTML page, the
corpus manifest hash and the EU AI Act section 3.1 summary."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from tests.scan.kit import MATCHER, PASSAGE_A, build_mixed_corpus

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
    assert "1 records could not be read" in text
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
