"""``consentry evidence verify``: check an evidence bundle offline (docs/ledger.md,
"Evidence bundles")."""

from __future__ import annotations

from pathlib import Path

import typer

from consentry.cli.common import echo_json, reports_errors

evidence_app = typer.Typer(help="Signed evidence bundles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("verify")
@reports_errors
def verify(
    file: Path = typer.Argument(..., help="The bundle (.zip)"),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The registry's public key (PEM), obtained apart from the bundle: its "
        "/.well-known/consentry-public-key.pem or registry-public-key.pem. Without it the "
        "key inside the bundle is used, which proves integrity only.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check a bundle offline: the manifest's signature, then every file's SHA-256.

    Exit status 0 when every file matches; 1 naming the first file whose bytes do not
    match (manifest.json when the signature does not), or when the file is not a bundle.
    """
    from consentry.errors import ValidationError
    from consentry.ledger.evidence import verify_bundle
    from consentry.ledger.keys import load_public_key

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"{file}: cannot be read ({exc.strerror or exc})",
            field="FILE",
            value=str(file),
            expected="a readable evidence bundle (.zip)",
        ) from None
    key = load_public_key(public_key) if public_key is not None else None
    report = verify_bundle(data, key)
    if as_json:
        echo_json(report.to_json())
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(1)


def _print(report: object) -> None:
    from consentry.ledger.evidence import BundleReport

    assert isinstance(report, BundleReport)
    if report.key_source == "given":
        trust = "the registry key given with --public-key"
    else:
        trust = (
            "the key inside the bundle: this proves the bundle is intact, not who made it; "
            "compare the fingerprint with the registry's published key, or pass --public-key"
        )
    if not report.ok:
        typer.echo(f"evidence BROKEN: {report.bad_path}: {report.reason}", err=True)
        typer.echo(f"checked with key {report.key_id} ({trust})", err=True)
        if report.bundle_key_id not in (None, report.key_id):
            typer.echo(f"the bundle carries key {report.bundle_key_id}", err=True)
        return
    size = sum(f.size for f in report.files)
    typer.echo(f"evidence OK: {len(report.files)} files, {size} bytes, all SHA-256s match")
    typer.echo(f"created:     {report.created_at} by {report.registry}")
    typer.echo(f"signed by:   key {report.key_id}, fingerprint {report.fingerprint}")
    typer.echo(f"trusted key: {trust}")
    for name, value in sorted(report.metadata.items()):
        typer.echo(f"  {name}: {value}")
