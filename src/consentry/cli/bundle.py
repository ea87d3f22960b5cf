"""Fingerprints in the registry and the offline bundle developers download.

``consentry bundle register FILE --work ID`` fingerprints a work's text (the text is not
stored); ``consentry bundle export --purpose ai-train --out INDEX`` writes the index of every
fingerprinted work whose terms for that purpose are not ``allowed``, for ``consentry scan``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from consentry.cli.common import HomeOption, echo_json, parse_time, registry_for, reports_errors
from consentry.errors import ValidationError

# Commands import what they implement inside their bodies: see consentry.cli.app.

bundle_app = typer.Typer(
    help="Works' fingerprints in the registry and offline bundles.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(bundle_app, name="bundle")


@bundle_app.command("register")
@reports_errors
def register_text(
    file: Path = typer.Argument(..., help="The work's text: .txt, .epub, .pdf, .docx or .html"),
    work: str = typer.Option(..., "--work", help="Registry work id"),
    home: Path | None = HomeOption,
) -> None:
    """Fingerprint a work's text into the registry (the text itself is not kept)."""
    from consentry.fingerprints.extract import extract_text
    from consentry.registry.access import SYSTEM

    if not file.is_file():
        raise ValidationError(
            f"{file} is not a file", field="FILE", value=str(file), expected="a readable file"
        )
    text = extract_text(file)
    with registry_for(home) as reg:
        summary = reg.service.register_fingerprints(SYSTEM, work_id=work, text=text)
    echo_json(summary.to_json())


@bundle_app.command("export")
@reports_errors
def export(
    out: Path = typer.Option(..., "--out", help="The index file to write"),
    purpose: str = typer.Option("ai-train", "--purpose", help="Works not allowed for this"),
    at: str | None = typer.Option(None, "--at", help="Terms as of this time (ISO-8601)"),
    home: Path | None = HomeOption,
) -> None:
    """Write the offline bundle: every fingerprinted work not allowed for the purpose."""
    from consentry.fingerprints.builder import build_index_from_fingerprints
    from consentry.registry.purposes import Purpose

    p = Purpose.parse(purpose)
    with registry_for(home) as reg:
        spec = reg.service.bundle_spec()
        works = reg.service.bundle_works(purpose=p, at=parse_time(at))
        info = build_index_from_fingerprints(
            out, iter(reg.service.bundle_fingerprints(works, spec)), spec=spec
        )
    typer.echo(json.dumps({"purpose": p.value, **info.to_dict()}))
