"""Scan reports: a JSON document and a self-contained HTML page built from a merged scan.

Pure: :func:`build_report` takes the merged :class:`~consentry.scan.pipeline.ScanResult`,
what the matcher says about itself (index, spec, thresholds) and the time of the run, and
returns plain JSON-able data; :func:`render_html` turns that into one HTML page with inline
CSS and SVG charts and no external assets. Writing files is the CLI's job.

The report holds, per registered work, the documents and words matched with example spans;
per corpus shard, the counts; the index and spec used, the thresholds, the corpus manifest
hash; and a summary worded for section 3.1 ("respect of reservations of rights") of the EU
AI Act template for the public summary of training content.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from consentry.scan.model import NO_TEXT_COLUMN, STOPPED_EARLY, MatchLevel, json_text
from consentry.scan.pipeline import ScanResult, ShardResult

__all__ = [
    "REPORT_FORMAT",
    "build_report",
    "corpus_manifest",
    "eu_summary",
    "render_html",
    "report_json",
]

REPORT_FORMAT = "consentry-scan-report/1"
_LEVELS = [level.value for level in MatchLevel]
_MAX_PROBLEMS = 50


def corpus_manifest(shards: Sequence[ShardResult]) -> tuple[str, list[dict[str, Any]]]:
    """The corpus manifest and its hash: sha256 over the sorted lines
    ``"<name>\\t<size>\\t<sha256>\\n"``, one per corpus file."""
    files = sorted(
        ({"name": s.shard, "size": s.size, "sha256": s.sha256} for s in shards),
        key=lambda f: str(f["name"]),
    )
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f['name']}\t{f['size']}\t{f['sha256']}\n".encode())
    return h.hexdigest(), files


def _tally(
    result: ScanResult,
) -> tuple[dict[str, dict[str, Any]], dict[str, int], dict[str, set[tuple[str, int]]]]:
    """Per work (documents, words, levels, up to three examples), findings per level, and
    the matched documents of each shard."""
    works: dict[str, dict[str, Any]] = {}
    by_level = dict.fromkeys(_LEVELS, 0)
    shard_docs: dict[str, set[tuple[str, int]]] = {}
    for m in result.matches:
        w = works.setdefault(
            m.work,
            {
                "work": m.work,
                "documents": 0,
                "words": 0,
                "doc_words": 0,
                "by_level": dict.fromkeys(_LEVELS, 0),
                "examples": [],
            },
        )
        w["documents"] += 1
        if m.group:  # the registered works sharing its text, itself included
            w["group"] = list(m.group)
        w["words"] += m.words
        w["doc_words"] += m.words if m.doc_words is None else m.doc_words
        w["by_level"][m.level.value] += 1
        by_level[m.level.value] += 1
        shard_docs.setdefault(m.shard, set()).add((m.doc, m.record))
    for shard in result.shards:
        for ex in shard.examples:
            entry = works.get(ex.work)
            if entry is not None and len(entry["examples"]) < 3:
                entry["examples"].append(
                    {"doc": ex.doc, "shard": shard.shard, "span": list(ex.span), "text": ex.text}
                )
    return works, by_level, shard_docs


def build_report(
    result: ScanResult,
    matcher: Mapping[str, Any],
    *,
    generated: str,
    engine: str = "local",
    workers: int = 1,
    actions: Mapping[str, int] | None = None,
    purpose: str | None = None,
    left_out: Sequence[str] = (),
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The scan report as JSON-able data.

    ``matcher`` is the matcher factory's ``describe()``: it should carry ``index`` (path,
    sha256, works, texts), ``spec`` and ``thresholds``. ``actions`` counts what was done with
    the matches (e.g. ``{"documents_removed": 12}``); omitted when the scan only reported.
    ``purpose`` is the purpose the scan was run for (else the matcher's, if it records one);
    ``left_out`` names corpus files not read because their type is not supported;
    ``catalog`` gives works' ``title`` and ``rightsholders`` by work id, when known.
    """
    manifest_hash, files = corpus_manifest(result.shards)
    works, by_level, shard_docs = _tally(result)
    for work_id, entry in works.items():
        known = (catalog or {}).get(work_id) or {}
        entry["title"] = known.get("title")
        entry["rightsholders"] = list(known.get("rightsholders") or [])
    matched_docs = sum(len(docs) for docs in shard_docs.values())
    shard_rows = [
        {
            "shard": s.shard,
            "documents": s.documents,
            "chars": s.chars,
            "matches": len(s.matches),
            "documents_matched": len(shard_docs.get(s.shard, ())),
            "bad_records": s.bad_records,
            "duplicate_ids": s.duplicate_ids,
        }
        for s in result.shards
    ]
    problems = [
        {"location": p.location, "reason": p.reason} for s in result.shards for p in s.problems
    ][:_MAX_PROBLEMS]
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated": generated,
        "engine": {"name": engine, "workers": workers},
        "matcher": dict(matcher),
        "thresholds": dict(matcher.get("thresholds", {})),
        "corpus": {
            "manifest_sha256": manifest_hash,
            "files": files,
            "documents": result.documents,
            "chars": result.chars,
            "bad_records": result.bad_records,
            "stopped_early": sorted(
                p.location
                for s in result.shards
                for p in s.problems
                if p.reason.startswith(STOPPED_EARLY)
            ),
            "not_examined_files": sorted(
                p.location.rsplit(":", 1)[0]
                for s in result.shards
                for p in s.problems
                if p.reason.startswith(NO_TEXT_COLUMN)
            ),
            "left_out_files": sorted(left_out),
            "duplicate_ids": sum(s.duplicate_ids for s in result.shards),
            "problems": problems,
        },
        "purpose": purpose or matcher.get("purpose"),
        "catalog": catalog is not None,
        "totals": {
            "matches": len(result.matches),
            "documents_matched": matched_docs,
            "works_matched": len(works),
            "words_matched": sum(w["words"] for w in works.values()),
            "doc_words_matched": sum(w["doc_words"] for w in works.values()),
            "by_level": by_level,
        },
        "works": sorted(works.values(), key=lambda w: (-w["documents"], w["work"])),
        "shards": shard_rows,
        "actions": dict(actions or {}),
    }
    report["summary"] = {"eu_ai_act_3_1": eu_summary(report)}
    return report


def _thresholds_text(thresholds: Mapping[str, Any]) -> str:
    if not thresholds:
        return "no thresholds recorded by the matcher"
    return ", ".join(f"{k} = {v}" for k, v in sorted(thresholds.items()))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _method_text(m: Mapping[str, Any]) -> str:
    index = m.get("index") or {}
    if m.get("matcher") != "fingerprint":
        return f"Method: {m.get('matcher', 'an unnamed matcher')}."
    base = (
        "Method: normalised word n-gram fingerprints matched by position, so that excerpts "
        "are found after reformatting and light edits; each (document, work) finding stands "
        "on its own evidence."
    )
    if index.get("texts") is True:
        return base + " Findings were confirmed by aligning the original texts."
    return base + (
        " The index stores no work texts, so findings were not confirmed by aligning the "
        "original texts; a finding's similarity is the share of its extent covered by "
        "fingerprint hits."
    )


def _works_text(report: Mapping[str, Any]) -> str:
    works = report["works"]
    if not works:
        return ""
    named = []
    for w in works[:10]:
        who = ", ".join(w.get("rightsholders") or [])
        title = w.get("title")
        label = f"{title} ({who}; {w['work']})" if title else w["work"]
        named.append(f"{label}: {_plural(w['documents'], 'document', 'documents')}")
    more = f"; and {len(works) - 10} more" if len(works) > 10 else ""
    text = "Works found: " + "; ".join(named) + more + "."
    shared = sum(1 for w in works if w.get("group"))
    if shared:
        groups = {tuple(w["group"]) for w in works if w.get("group")}
        text += (
            f" {_plural(shared, 'work found shares its', 'works found share their')} text "
            "with other registered works (the same or a near-identical text registered under "
            f"several ids; {_plural(len(groups), 'group', 'groups')}); each is reported."
        )
    if not report.get("catalog"):
        text += (
            " The index file records work ids only; titles and rightsholders are in the "
            "registry under those ids."
        )
    else:
        text += (
            " Titles and rightsholders were taken from the registry at the time of the "
            "report (the index file records work ids only)."
        )
    return text


def _unread_text(c: Mapping[str, Any]) -> str:
    stopped, no_text = c.get("stopped_early", []), c.get("not_examined_files", [])
    records = c["bad_records"] - len(stopped) - len(no_text)
    parts = [f"{_plural(records, 'record', 'records')} could not be read and were not examined."]
    if stopped:
        parts.append(
            f"Reading stopped early in {_plural(len(stopped), 'file', 'files')} (at "
            + ", ".join(stopped)
            + "): the rest of each was not examined, and how many records it holds is unknown."
        )
    if no_text:
        parts.append(
            f"{_plural(len(no_text), 'file', 'files')} had no text column and "
            "were not examined: " + ", ".join(no_text) + "."
        )
    dups = c.get("duplicate_ids", 0)
    if dups:
        parts.append(
            f"{_plural(dups, 'document has', 'documents have')} an id an earlier document of "
            "its file has; findings are kept apart by file and position."
        )
    left_out = c.get("left_out_files", [])
    if left_out:
        more = f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
        its = "its type is" if len(left_out) == 1 else "their types are"
        parts.append(
            f"{_plural(len(left_out), 'file', 'files')} not read because {its} not "
            f"supported: {', '.join(left_out[:10])}{more}."
        )
    return " ".join(parts)


def _found_text(t: Mapping[str, Any]) -> str:
    """The result: works and documents found, by level, and what the levels measure."""
    levels = ", ".join(f"{n:,} {lvl}" for lvl, n in t["by_level"].items() if n) or "none"
    found = (
        f"Result: {_plural(t['works_matched'], 'registered work', 'registered works')} found "
        f"in {_plural(t['documents_matched'], 'document', 'documents')} ({levels})."
    )
    if t["matches"]:
        found += (
            " Levels measure how much of each work a document covers (distinct words of the "
            "work, so a passage repeated in a document counts once): "
            f"{t['words_matched']:,} words of works covered; the documents' side of the "
            f"same findings is {t.get('doc_words_matched', t['words_matched']):,} words."
        )
    return found


def eu_summary(report: Mapping[str, Any]) -> str:
    """A paragraph for section 3.1 of the EU AI Act training-content summary template
    (respect of reservations of rights from the text and data mining exception). Every
    sentence comes from what the run recorded: nothing is claimed that it did not do."""
    m = report["matcher"]
    index = m.get("index") or {}
    c = report["corpus"]
    t = report["totals"]
    index_words = []
    if index.get("path"):
        index_words.append(f"index file {PurePath(str(index['path'])).name}")
    if index.get("sha256"):
        index_words.append(f"sha256 {index['sha256']}")
    if index.get("works") is not None:
        index_words.append(f"{index['works']} registered works")
    index_text = "; ".join(index_words) or m.get("matcher", "a matcher")
    spec = m.get("spec") or "unrecorded"
    purpose = report.get("purpose")
    if purpose:
        purpose_text = (
            f"The scan was run for the purpose {purpose}: the works are those whose terms "
            f"reserve {purpose}."
        )
    else:
        purpose_text = "The purpose the works' reservations cover was not recorded for this run."
    actions = report.get("actions") or {}
    if actions:
        acted = (
            "Actions taken: "
            + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(actions.items()))
            + "."
        )
    else:
        acted = (
            "This scan only reported matches; the actions taken on them (removal, "
            "redaction or licensing) are recorded separately."
        )
    found = _found_text(t)
    parts = [
        "Respect of reservations of rights under Article 4(3) of Directive (EU) 2019/790. "
        f"The training text ({c['documents']:,} documents, {c['chars']:,} characters, in "
        f"{len(c['files'])} files; corpus manifest sha256 {c['manifest_sha256']}) was "
        "scanned with consentry against a registry of works whose rightsholders reserved "
        f"their use ({index_text}; fingerprint spec {spec}).",
        purpose_text,
        _method_text(m),
        f"Thresholds: {_thresholds_text(report['thresholds'])}.",
        found,
        _works_text(report),
        _unread_text(c),
        acted,
    ]
    return " ".join(p for p in parts if p)


def report_json(report: Mapping[str, Any]) -> str:
    return json_text(report, indent=2, sort_keys=False) + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1d1d1f;
padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eee;
padding:.25rem .5rem;text-align:left;vertical-align:top}td.n,th.n{text-align:right}
.summary{background:#f5f7fa;border-left:4px solid #3b6ea5;padding:.75rem 1rem;white-space:pre-wrap}
code,.mono{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}
blockquote{margin:.25rem 0;padding:.25rem .75rem;border-left:3px solid #c8a400;background:#fffbe6}
.kpi{display:inline-block;margin:0 1.5rem .5rem 0}.kpi b{display:block;font-size:1.4rem}
"""


def _e(value: Any) -> str:
    # a lone surrogate (kept from a JSONL escape) has no UTF-8 form: shown as U+FFFD
    return html.escape(_SURROGATE.sub("\ufffd", str(value)), quote=True)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bar_chart(rows: Sequence[tuple[str, int]], title: str, colour: str = "#3b6ea5") -> str:
    """A horizontal bar chart as inline SVG."""
    if not rows:
        return f"<p><em>{_e(title)}: nothing to chart.</em></p>"
    bar_h, gap, label_w, width = 18, 6, 260, 720
    top = max(v for _, v in rows) or 1
    height = len(rows) * (bar_h + gap) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 24 + i * (bar_h + gap)
        w = max(1, round((width - label_w - 70) * value / top)) if value else 0
        short = label if len(label) <= 38 else label[:36] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"{_e(short)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Mapping[str, Any], *, top: int = 25) -> str:
    """One self-contained HTML page (inline CSS and SVG, no scripts, no external assets)."""
    t, c = report["totals"], report["corpus"]
    out = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>consentry scan report {_e(report['generated'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>consentry scan report</h1>",
        f"<p>Generated {_e(report['generated'])} · engine {_e(report['engine']['name'])} "
        f"with {_e(report['engine']['workers'])} worker(s)</p>",
        "<div>",
    ]
    for label, value in (
        ("documents scanned", c["documents"]),
        ("documents matched", t["documents_matched"]),
        ("works found", t["works_matched"]),
        ("work words covered", t["words_matched"]),
        ("document words matched", t.get("doc_words_matched", t["words_matched"])),
        ("unreadable records", c["bad_records"]),
    ):
        out.append(f'<span class="kpi"><b>{value:,}</b>{_e(label)}</span>')
    out.append("</div>")
    out.append("<h2>Summary for the EU AI Act training-content summary, section 3.1</h2>")
    out.append(f'<div class="summary">{_e(report["summary"]["eu_ai_act_3_1"])}</div>')
    out += _html_matcher(report)
    out += _html_works(report, top)
    out += _html_shards(report, top)
    out += _html_extras(report)
    out.append("</body></html>\n")
    return "\n".join(out)


def _html_matcher(report: Mapping[str, Any]) -> list[str]:
    """The index, spec and thresholds the matcher ran with."""
    m = report["matcher"]
    out: list[str] = []
    out.append("<h2>Index, spec and thresholds</h2><table>")
    for key in sorted(m):
        if key == "thresholds":
            continue
        out.append(f'<tr><th>{_e(key)}</th><td class="mono">{_e(_flat(m[key]))}</td></tr>')
    out.append("</table><table><tr><th>threshold</th><th>value</th></tr>")
    for k, v in sorted(report["thresholds"].items()):
        out.append(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>")
    if not report["thresholds"]:
        out.append("<tr><td colspan=2><em>none recorded by the matcher</em></td></tr>")
    out.append("</table>")
    return out


def _html_group(w: Mapping[str, Any]) -> str:
    others = [g for g in w.get("group") or [] if g != w["work"]]
    return f"<br><small>same text as {_e(', '.join(others))}</small>" if others else ""


def _html_works(report: Mapping[str, Any], top: int) -> list[str]:
    """The works found: charts, then one row per work with example spans."""
    t, works = report["totals"], report["works"]
    out: list[str] = []
    out.append("<h2>Works found</h2>")
    out.append(
        _bar_chart(
            [(w["work"], w["documents"]) for w in works[:top]],
            f"Documents per work (top {min(top, len(works))})",
        )
    )
    out.append(
        _bar_chart([(lvl, n) for lvl, n in t["by_level"].items()], "Findings by level", "#8a5aa5")
    )
    out.append(
        '<table><tr><th>work</th><th class="n">documents</th><th class="n">work words</th>'
        '<th class="n">document words</th><th>levels</th><th>example spans</th></tr>'
    )
    for w in works:
        levels = ", ".join(f"{n} {lvl}" for lvl, n in w["by_level"].items() if n)
        examples = "".join(
            f'<blockquote>{_e(ex["text"])}<br><small class="mono">{_e(ex["doc"])} '
            f"[{ex['span'][0]}, {ex['span'][1]})</small></blockquote>"
            for ex in w["examples"]
        )
        out.append(
            f'<tr><td>{_e(w["work"])}{_html_group(w)}</td><td class="n">{w["documents"]:,}</td>'
            f'<td class="n">{w["words"]:,}</td><td class="n">{w.get("doc_words", 0):,}</td>'
            f"<td>{_e(levels)}</td><td>{examples}</td></tr>"
        )
    if not works:
        out.append("<tr><td colspan=5><em>no registered work found</em></td></tr>")
    out.append("</table>")
    return out


def _html_shards(report: Mapping[str, Any], top: int) -> list[str]:
    """The corpus shards and the corpus manifest hash."""
    c = report["corpus"]
    out: list[str] = []
    out.append("<h2>Corpus shards</h2>")
    out.append(
        _bar_chart(
            [(s["shard"], s["documents_matched"]) for s in report["shards"][:top]],
            "Matched documents per shard",
            "#2f8f5b",
        )
    )
    out.append(
        '<table><tr><th>shard</th><th class="n">documents</th><th class="n">characters'
        '</th><th class="n">matches</th><th class="n">documents matched</th>'
        '<th class="n">unreadable</th></tr>'
    )
    for s in report["shards"]:
        out.append(
            f'<tr><td class="mono">{_e(s["shard"])}</td><td class="n">{s["documents"]:,}</td>'
            f'<td class="n">{s["chars"]:,}</td><td class="n">{s["matches"]:,}</td>'
            f'<td class="n">{s["documents_matched"]:,}</td>'
            f'<td class="n">{s["bad_records"]:,}</td></tr>'
        )
    out.append("</table>")
    out.append(
        f"<p>Corpus manifest sha256: <code>{_e(c['manifest_sha256'])}</code> "
        f"({len(c['files'])} files; sha256 over sorted name, size and sha256 lines)</p>"
    )
    return out


def _html_extras(report: Mapping[str, Any]) -> list[str]:
    """Unreadable records and actions taken, when there are any."""
    c = report["corpus"]
    out: list[str] = []
    if c["problems"]:
        out.append("<h2>Unreadable records (first ones)</h2><table>")
        for p in c["problems"]:
            out.append(
                f'<tr><td class="mono">{_e(p["location"])}</td><td>{_e(p["reason"])}</td></tr>'
            )
        out.append("</table>")
    if report.get("actions"):
        out.append("<h2>Actions taken</h2><table>")
        for k, v in sorted(report["actions"].items()):
            out.append(f'<tr><td>{_e(k)}</td><td class="n">{v:,}</td></tr>')
        out.append("</table>")
    return out


def _flat(value: Any) -> str:
    if isinstance(value, Mapping | list):
        return json_text(value, sort_keys=True)
    return str(value)
