"""``consentry scan`` and ``consentry filter``: find registered works in a corpus, and write
the corpus again without them.

The commands are thin: they build a matcher factory for the index, discover the corpus
shards, run an executor with a rich progress bar, and write the match file, the report and
the filter output. :func:`run_scan` and :func:`run_filter` take the matcher factory as a
parameter, so the same code runs with the fingerprint index or any other matcher.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from consentry.cli.common import HomeOption, registry_for, reports_errors
from consentry.errors import ScanError
from consentry.scan.model import MAX_RECORD_BYTES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console
    from rich.progress import Progress

    from consentry.bootstrap import Registry
    from consentry.scan.filter import FilterResult, ShardFilterResult
    from consentry.scan.pipeline import MatcherFactory, ScanResult, ShardResult
    from consentry.scan.readers import ReadOptions, Shard

# Commands import what they implement inside their bodies: see consentry.cli.app.

__all__ = [
    "index_matcher_factory",
    "prestart_workers",
    "register",
    "report_paths",
    "run_filter",
    "run_scan",
]


def prestart_workers(argv: list[str]) -> int:
    """Start the worker processes of ``consentry scan|filter ... --workers N`` (N >= 2, the
    local engine) before the command line is even parsed, so that their start-up (a fresh
    interpreter importing numpy, rapidfuzz and the scanner: about 0.4 s) overlaps this
    process's (Typer, the command's imports, finding the shards: as long again). Measured on
    the 1 GB benchmark corpus with 2 workers, it is most of the gap between 1.7x and 1.8x one
    worker. Anything this reading does not understand starts nothing: the command then starts
    its workers itself, after parsing, and reports any error in the arguments. Returns the
    number started."""
    if len(argv) < 2 or argv[0] not in ("scan", "filter") or "--help" in argv:
        return 0
    workers, engine = 1, "local"
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if name not in ("--workers", "--engine"):
            continue
        if not eq:
            value = argv[i + 1] if i + 1 < len(argv) else ""
        if name == "--engine":
            engine = value
        elif value.isdigit() and len(value) <= 4:
            workers = int(value)
        else:
            return 0
    if engine != "local" or workers < 2:
        return 0
    from consentry.scan.executors import prestart

    prestart(workers)
    return workers


def index_matcher_factory(index: Path) -> MatcherFactory:
    """The fingerprint matcher for an index file (``consentry fingerprints build``)."""
    from consentry.scan.pipeline import IndexMatcher

    if not index.is_file():
        raise ScanError(f"index {str(index)!r} does not exist", path=str(index))
    return IndexMatcher(str(index))


def report_paths(report: Path) -> tuple[Path, Path]:
    """``--report R`` writes ``R.json`` and ``R.html`` (a ``.json``/``.html`` suffix on R is
    dropped first)."""
    base = report.with_suffix("") if report.suffix.lower() in (".json", ".html") else report
    return base.with_name(base.name + ".json"), base.with_name(base.name + ".html")


def _progress(console: Console) -> Progress:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[shards]} shards"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def registry_catalog(reg: Registry, work_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Title and rightsholders (party names) of each work the registry holds, for the
    report; a work the registry does not hold is left out (the report names it by id)."""
    from consentry.errors import NotFound
    from consentry.registry.access import SYSTEM

    out: dict[str, dict[str, Any]] = {}
    for wid in sorted(set(work_ids)):
        try:
            work = reg.service.get_work(wid)
        except NotFound:
            continue
        names = []
        for party_id in dict.fromkeys(h.party_id for h in work.holders):
            try:
                names.append(reg.service.get_party(SYSTEM, party_id).name)
            except NotFound:
                names.append(party_id)
        out[wid] = {"title": work.title, "rightsholders": names}
    return out


def _print_thresholds(console: Console, describe: dict[str, Any]) -> None:
    thresholds = describe.get("thresholds") or {}
    text = ", ".join(f"{k}={v}" for k, v in sorted(thresholds.items())) or "none recorded"
    console.print(f"thresholds: {text}")


def _shards_to_scan(corpora: list[Path], factory: MatcherFactory, engine: str) -> list[Shard]:
    """The corpus's shards, after the engine is checked; with Ray, a bad index fails here
    in one line, before any output or cluster (``scan`` and ``filter`` alike)."""
    from consentry.scan.executors import ENGINES, check_matcher
    from consentry.scan.readers import discover_shards

    if engine not in ENGINES:
        raise ScanError(f"engine {engine!r} is not one of {list(ENGINES)}", engine=engine)
    shards = discover_shards(corpora)
    if engine == "ray" and shards:
        check_matcher(factory)
    return shards


def run_scan(
    corpora: list[Path],
    factory: MatcherFactory,
    *,
    matches: Path,
    report: Path | None = None,
    options: ReadOptions | None = None,
    workers: int = 1,
    engine: str = "local",
    console: Console | None = None,
    now: datetime | None = None,
    purpose: str | None = None,
    registry: Registry | None = None,
) -> ScanResult:
    """Scan ``corpora`` and write the match file (and the report when asked). Without a
    report the index is not described (its header read, the whole file hashed): only the
    thresholds are printed."""
    from rich.console import Console

    from consentry.scan.executors import run
    from consentry.scan.pipeline import write_match_lines
    from consentry.scan.readers import ReadOptions

    console = console or Console(stderr=True)
    options = options or ReadOptions()
    shards = _shards_to_scan(corpora, factory, engine)
    describe = factory.describe() if report is not None else None
    _print_thresholds(console, describe if describe is not None else _thresholds(factory))
    total_bytes = sum(Path(s.path).stat().st_size for s in shards)
    with _progress(console) as progress:
        done = [0]
        task = progress.add_task("scanning", total=total_bytes, shards=f"0/{len(shards)}")

        def on_shard(result: ShardResult) -> None:
            done[0] += 1
            progress.update(task, advance=result.size, shards=f"{done[0]}/{len(shards)}")

        # shard hashes only go into the report's corpus manifest
        result = run(
            engine,
            shards,
            options,
            factory,
            workers=workers,
            on_shard=on_shard,
            digest=report is not None,
        )
    written = write_match_lines(result.match_lines(), matches)
    console.print(
        f"{result.documents:,} documents in {len(shards)} shards ({total_bytes:,} bytes); "
        f"{written:,} matches written to {matches}"
    )
    _print_problems(console, result)
    if report is not None and describe is not None:
        _write_report(
            console, result, describe, report, corpora, engine, workers, now, purpose, registry
        )
    return result


def _thresholds(factory: MatcherFactory) -> dict[str, Any]:
    """What is printed before a scan without a report: an index matcher's thresholds without
    describing the index (``describe`` reads its header and hashes the whole file, which
    only the report records: seconds for a large index)."""
    from consentry.scan.pipeline import IndexMatcher

    if isinstance(factory, IndexMatcher):
        return {"thresholds": factory.thresholds()}
    return factory.describe()


def _print_problems(console: Console, result: ScanResult) -> None:
    """Duplicate ids and unreadable records, five per shard and "and N more"."""
    for s in result.shards:
        if s.duplicate_ids:
            console.print(
                f"[yellow]warning:[/yellow] {s.shard}: {s.duplicate_ids:,} documents reuse an "
                "id of an earlier document; matches name each by shard and record"
            )
    if result.bad_records:
        console.print(f"[yellow]{result.bad_records:,} records could not be read[/yellow]:")
        for s in result.shards:
            for p in s.problems[:5]:
                console.print(f"  {p.location}: {p.reason}")
            if s.bad_records > min(5, len(s.problems)):
                more = s.bad_records - min(5, len(s.problems))
                console.print(f"  {s.shard}: and {more:,} more")


def _write_report(
    console: Console,
    result: ScanResult,
    describe: dict[str, Any],
    report: Path,
    corpora: list[Path],
    engine: str,
    workers: int,
    now: datetime | None,
    purpose: str | None,
    registry: Registry | None,
) -> None:
    from consentry.scan.readers import unsupported_files
    from consentry.scan.report import build_report, render_html, report_json

    generated = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    data = build_report(
        result,
        describe,
        generated=generated,
        engine=engine,
        workers=workers,
        purpose=purpose,
        left_out=unsupported_files(corpora),
        catalog=(
            None
            if registry is None
            else registry_catalog(registry, (m.work for m in result.matches))
        ),
    )
    json_path, html_path = report_paths(report)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(report_json(data), encoding="utf-8")
    html_path.write_text(render_html(data), encoding="utf-8")
    console.print(f"report written to {json_path} and {html_path}")


def run_filter(
    corpus: list[Path],
    factory: MatcherFactory,
    *,
    out: Path,
    mode: str = "drop",
    purpose: str = "ai-train",
    options: ReadOptions | None = None,
    workers: int = 1,
    engine: str = "local",
    console: Console | None = None,
) -> FilterResult:
    """Write ``corpus`` to ``out`` without the matched documents or spans (resumable)."""
    from rich.console import Console

    from consentry.scan.filter import MODES, filter_corpus
    from consentry.scan.readers import ReadOptions

    console = console or Console(stderr=True)
    options = options or ReadOptions()
    if mode not in MODES:
        raise ScanError(f"--mode {mode!r} is not one of {list(MODES)}", mode=mode)
    for folder in corpus:
        if folder.is_dir() and out.resolve().is_relative_to(folder.resolve()):
            raise ScanError(
                f"output folder {str(out)!r} is inside the corpus folder {str(folder)!r}; "
                "expected a folder outside it (a second run would read the output as corpus)",
                out=str(out),
            )
    shards = _shards_to_scan(corpus, factory, engine)
    _print_thresholds(console, factory.describe())
    with _progress(console) as progress:
        sizes = {s.name: Path(s.path).stat().st_size for s in shards}
        done = [0]
        task = progress.add_task("filtering", total=sum(sizes.values()), shards=f"0/{len(shards)}")

        def on_shard(result: ShardFilterResult) -> None:
            done[0] += 1
            progress.update(task, advance=sizes[result.shard], shards=f"{done[0]}/{len(shards)}")

        result = filter_corpus(
            shards,
            options,
            factory,
            out,
            mode=mode,
            purpose=purpose,
            workers=workers,
            engine=engine,
            on_shard=on_shard,
        )
    skipped = sum(1 for s in result.shards if s.skipped)
    console.print(
        f"{result.total('documents'):,} documents: {result.total('kept'):,} kept, "
        f"{result.total('dropped'):,} dropped, {result.total('redacted'):,} redacted, "
        f"{result.total('unreadable'):,} unreadable left out"
        + (f"; {skipped} shards already done, skipped" if skipped else "")
    )
    console.print(f"corpus written to {out}; removal manifest {result.manifest}")
    return result


def _purpose_value(purpose: str) -> str:
    from consentry.registry.purposes import Purpose

    return str(Purpose.parse(purpose).value)


def register(app: typer.Typer) -> None:
    @app.command("scan")
    @reports_errors
    def scan(
        corpus: list[Path] = typer.Argument(
            ..., help="Files or folders: JSONL(.gz/.zst), Parquet, WARC, .txt, HF datasets"
        ),
        index: Path = typer.Option(..., "--index", help="Index file to scan against"),
        matches: Path = typer.Option(..., "--matches", help="Where to write matches (JSONL)"),
        report: Path | None = typer.Option(
            None, "--report", help="Write REPORT.json and REPORT.html"
        ),
        text_field: str = typer.Option("text", "--text-field"),
        id_field: str = typer.Option("id", "--id-field"),
        max_record_bytes: int = typer.Option(
            MAX_RECORD_BYTES,
            "--max-record-bytes",
            min=1,
            help="A larger record (JSONL line, WARC body, text file) is skipped as bad",
        ),
        workers: int = typer.Option(1, "--workers", min=1),
        engine: str = typer.Option("local", "--engine", help="local or ray"),
        purpose: str | None = typer.Option(
            None, "--purpose", help="Purpose the index was built for (stated in the report)"
        ),
        names: bool = typer.Option(
            False,
            "--names-from-registry",
            help="Name the works in the report by title and rightsholders from the registry",
        ),
        home: Path | None = HomeOption,
    ) -> None:
        """Find registered works in a corpus: one JSONL line per (document, work)."""
        from contextlib import nullcontext

        with registry_for(home) if names else nullcontext() as reg:
            _scan(
                corpus,
                index,
                matches,
                report,
                text_field,
                id_field,
                max_record_bytes,
                workers,
                engine,
                purpose,
                reg,
            )

    def _scan(
        corpus: list[Path],
        index: Path,
        matches: Path,
        report: Path | None,
        text_field: str,
        id_field: str,
        max_record_bytes: int,
        workers: int,
        engine: str,
        purpose: str | None,
        reg: Registry | None,
    ) -> None:
        from consentry.scan.readers import ReadOptions

        run_scan(
            corpus,
            index_matcher_factory(index),
            matches=matches,
            report=report,
            options=ReadOptions(
                text_field=text_field, id_field=id_field, max_record_bytes=max_record_bytes
            ),
            workers=workers,
            engine=engine,
            purpose=None if purpose is None else _purpose_value(purpose),
            registry=reg,
        )

    @app.command("filter")
    @reports_errors
    def filter_(
        corpus: list[Path] = typer.Argument(..., help="Files or folders to filter"),
        index: Path = typer.Option(..., "--index", help="Index file of the works to remove"),
        out: Path = typer.Option(..., "--out", help="Output folder"),
        purpose: str = typer.Option("ai-train", "--purpose", help="Purpose the works reserve"),
        mode: str = typer.Option("drop", "--mode", help="drop documents or redact spans"),
        text_field: str = typer.Option("text", "--text-field"),
        id_field: str = typer.Option("id", "--id-field"),
        max_record_bytes: int = typer.Option(
            MAX_RECORD_BYTES,
            "--max-record-bytes",
            min=1,
            help="A larger record (JSONL line, WARC body, text file) is skipped as bad",
        ),
        workers: int = typer.Option(1, "--workers", min=1),
        engine: str = typer.Option("local", "--engine", help="local or ray"),
    ) -> None:
        """Write the corpus without matched documents (or spans) plus a removal manifest."""
        from consentry.registry.purposes import Purpose
        from consentry.scan.readers import ReadOptions

        purpose = Purpose.parse(purpose).value
        run_filter(
            corpus,
            index_matcher_factory(index),
            out=out,
            mode=mode,
            purpose=purpose,
            options=ReadOptions(
                text_field=text_field, id_field=id_field, max_record_bytes=max_record_bytes
            ),
            workers=workers,
            engine=engine,
        )
