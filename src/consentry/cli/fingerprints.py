"""``consentry fingerprints``: build an index (bundle) of works, and show what an index holds."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import reports_errors
from consentry.errors import ScanError, ValidationError

if TYPE_CHECKING:
    from consentry.fingerprints.builder import IndexInfo
    from consentry.fingerprints.common import CommonFilter
    from consentry.fingerprints.spec import CanonSpec

# Commands import what they implement inside their bodies: see consentry.cli.app.


def works_from(source: Path) -> Iterator[tuple[str, Path]]:
    """(work id, file) pairs from a folder (work id = file stem) or a CSV ``work_id,path``."""
    from consentry.fingerprints.extract import SUFFIXES

    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise ValidationError(
                f"folder {str(source)!r} has no work files, expected files ending in "
                + ", ".join(SUFFIXES),
                field="WORKS",
                value=str(source),
                expected="a folder of text files or a CSV work_id,path",
            )
        for p in files:
            yield p.stem, p
        return
    if not source.is_file():
        raise ValidationError(
            f"WORKS {str(source)!r} does not exist, expected a folder or a CSV file",
            field="WORKS",
            value=str(source),
            expected="a folder of text files or a CSV work_id,path",
        )
    with open(source, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        cols = reader.fieldnames or []
        if "work_id" not in cols or "path" not in cols:
            raise ValidationError(
                f"{source} has columns {cols}, expected work_id and path",
                field="WORKS",
                value=cols,
                expected="columns work_id,path",
            )
        for line, row in enumerate(reader, start=2):
            wid, path = (row.get("work_id") or "").strip(), (row.get("path") or "").strip()
            if not wid or not path:
                raise ValidationError(
                    f"{source} line {line}: work_id {wid!r} and path {path!r} must both be set",
                    field="WORKS",
                    value=line,
                    expected="work_id and path on every line",
                )
            p = Path(path)
            yield wid, p if p.is_absolute() else source.parent / p


def build_index(
    source: Path,
    out: Path,
    *,
    spec: CanonSpec,
    common: CommonFilter,
    background: list[Path],
    store_text: bool,
) -> IndexInfo:
    from consentry.fingerprints.builder import IndexBuilder
    from consentry.fingerprints.common import background_fingerprints
    from consentry.fingerprints.extract import extract_text

    bg = None
    if background:
        bg = background_fingerprints((extract_text(p) for p in background), spec)
    b = IndexBuilder(out, spec=spec, common=common, background=bg, store_text=store_text)
    try:
        for wid, path in works_from(source):
            b.add_text(wid, extract_text(path))
        return b.finish()
    except BaseException:
        b.abort()
        raise


def _say_duplicates(info: IndexInfo, max_dropped_share: float = 0.25) -> None:
    """On stderr, when works share a text: how many, and what that means."""
    dup = info.duplicates
    if dup.get("groups"):
        typer.echo(
            f"{dup['works_in_groups']} works share their text with another work "
            f"({dup['groups']} groups, {dup['identical_copies']} identical copies); "
            "each counts as one text for the common-gram filter and every work of a "
            "group is reported on a match (see 'duplicates' above)",
            err=True,
        )
    if info.common_kept:
        shown = ", ".join(info.common_kept[:10])
        more = f" and {len(info.common_kept) - 10} more" if len(info.common_kept) > 10 else ""
        typer.echo(
            f"{len(info.common_kept)} works keep fingerprints that other registered texts "
            "share, because the common-gram filter would have taken more than "
            f"{max_dropped_share:.0%} of theirs (copies of them are registered under other "
            f"works): {shown}{more}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    fp = typer.Typer(
        help="Fingerprint indexes (bundles) of registered works.", no_args_is_help=True
    )
    app.add_typer(fp, name="fingerprints")

    @fp.command("build")
    @reports_errors
    def build(
        works: Path = typer.Argument(
            ..., help="Folder of work files (id = stem) or CSV work_id,path"
        ),
        out: Path = typer.Option(..., "--out", help="Index file to write"),
        k: int = typer.Option(6, "--k", help="Words per gram"),
        selection: str = typer.Option("all", "--selection", help="all or winnow-W"),
        ocr_fold: bool = typer.Option(True, "--ocr-fold/--no-ocr-fold"),
        spec_version: str = typer.Option(
            "canon-v2",
            "--spec",
            help="Fingerprint spec: canon-v2 (default) or canon-v1 (docs/fingerprint-spec.md)",
        ),
        max_works: int = typer.Option(
            3, "--max-works", help="Drop grams in more distinct texts (works sharing a text: one)"
        ),
        background: list[Path] = typer.Option(
            [], "--background", help="Public text whose grams are dropped (repeatable)"
        ),
        store_text: bool = typer.Option(
            False,
            "--store-text/--no-store-text",
            help="Also store the works' words, to confirm matches by alignment",
        ),
    ) -> None:
        """Build an index file from works: txt, epub, pdf, docx or html."""
        from consentry.fingerprints.common import CommonFilter
        from consentry.fingerprints.spec import CanonSpec

        spec = CanonSpec(k=k, ocr_fold=ocr_fold, selection=selection, version=spec_version)
        common = CommonFilter(max_works=max_works, background=",".join(p.name for p in background))
        info = build_index(
            works, out, spec=spec, common=common, background=background, store_text=store_text
        )
        typer.echo(json.dumps(info.to_dict()))
        _say_duplicates(info, common.max_dropped_share)

    @fp.command("show")
    @reports_errors
    def show(index: Path = typer.Argument(..., help="Index file")) -> None:
        """Print an index's spec, filters, counts and works."""
        from consentry.fingerprints.index import Index

        if not index.is_file():
            raise ScanError(f"index {str(index)!r} does not exist", path=str(index))
        idx = Index(index, prefilter=False)
        d = idx.describe()
        d["bytes"] = index.stat().st_size
        d["bytes_per_fingerprint"] = round(d["bytes"] / max(1, idx.count), 2)
        d["work_ids"] = idx.work_ids[:20]
        typer.echo(json.dumps(d, indent=2))
