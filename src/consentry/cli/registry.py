"""Registry commands: init, serve, demo, import, lookup, decide, declare, ledger, receipt, keys."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import (
    HomeOption,
    echo_json,
    lookup_results,
    parse_territory_option,
    parse_time,
    registry_for,
    reports_errors,
    settings_for,
)
from consentry.errors import ValidationError

if TYPE_CHECKING:
    from consentry.registry.importing import ImportReport

# Commands import what they implement inside their bodies: see consentry.cli.app.

import_app = typer.Typer(help="Bulk import works from CSV or ONIX.", no_args_is_help=True)
ledger_app = typer.Typer(help="The hash-chained ledger.", no_args_is_help=True)
receipt_app = typer.Typer(help="Signed receipts.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("lookup")(lookup)
    app.command("decide")(decide)
    app.command("declare")(declare)
    app.add_typer(import_app, name="import")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(receipt_app, name="receipt")
    app.add_typer(keys_app, name="keys")


@reports_errors
def init(home: Path | None = HomeOption) -> None:
    """Create the data folder, the database schema and the registry's signing key."""
    with registry_for(home) as reg:
        counts = reg.service.counts()
        typer.echo(f"data folder: {reg.settings.home}")
        typer.echo(f"database:    {reg.engine.url.render_as_string(hide_password=True)}")
        reg.key.get()  # read, or made on first use, so its public half is on disk
        typer.echo(f"public key:  {reg.settings.home / 'registry-public-key.pem'}")
        typer.echo(
            f"works: {counts['works']}, parties: {counts['parties']}, "
            f"ledger entries: {counts['ledger']}"
        )


@reports_errors
def serve(
    home: Path | None = HomeOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (uvicorn workers)."),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    from consentry.api.server import serve as run

    with registry_for(home) as reg:
        reg.key.get()  # a key that cannot be read stops the server now, not at a request
        run(reg, host=host, port=port, workers=workers)


@reports_errors
def demo(
    home: Path | None = typer.Option(
        None,
        "--home",
        envvar="CONSENTRY_HOME",
        help="Data folder for the demo: --home, else CONSENTRY_HOME, else "
        "~/.local/share/consentry-demo (apart from the default registry). It must be empty or "
        "seeded by the demo before.",
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Seed only; do not start the server."),
    corpus: Path | None = typer.Option(
        None,
        "--corpus",
        help="A folder with the ten sample novels (plain or .gz) to fingerprint instead of the "
        "copies shipped with consentry; one that is not there is an error.",
    ),
) -> None:
    """Seed a registry with realistic sample data and serve it with the API docs.

    Works from CSV and real ONIX samples, a member organisation with mandates and terms, API
    keys (written to DATA_FOLDER/demo-keys.txt), and the fingerprints of ten public-domain
    novels (shipped with consentry). The database is SQLite in the data folder, or
    CONSENTRY_DATABASE_URL. Running it again keeps the data and adds any fingerprints missing.
    """
    import os

    from consentry.config import default_home
    from consentry.demo.seed import corpus_files, seed

    corpus_files(corpus)  # refused before the data folder is made
    folder = home or default_home().parent / "consentry-demo"
    with registry_for(folder) as reg:
        summary = seed(reg, corpus)
        typer.echo(f"demo registry in {folder}")
        for line in summary:
            typer.echo(f"  {line}")
        if os.environ.get("CONSENTRY_HOME") != str(folder):
            typer.echo(f"other commands use it with: export CONSENTRY_HOME={folder}")
        if no_serve:
            return
        from consentry.api.server import serve as run

        reg.key.get()
        typer.echo(f"serving http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        run(reg, host=host, port=port)


def _import(
    path: Path, fmt: str, home: Path | None, skip_invalid: bool, rejects: Path | None = None
) -> ImportReport:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from consentry.registry.access import SYSTEM
    from consentry.registry.importing import ImportReport, ParsedRecord, import_records

    if not path.is_file():
        raise ValidationError(
            f"{path} is not a file", field="FILE", value=str(path), expected="a readable file"
        )
    if rejects is not None:
        check_rejects_option(rejects, skip_invalid)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with registry_for(home) as reg, reg.uow() as uow:
        if uow.imports.seen(digest):  # the same file again: nothing to read or change
            return ImportReport(already_imported=True)
        data_folder = reg.settings.home
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=True,
        disable=not typer.get_text_stream("stderr").isatty(),
    ) as progress:
        task = progress.add_task(f"reading {path.name}", total=None)
        records: list[ParsedRecord]
        if fmt == "csv":
            from consentry.registry.csvfile import parse_csv

            records = list(parse_csv(path))
        else:
            from consentry.registry.onix import parse_onix

            records = []
            for rec in parse_onix(path):
                records.append(rec)
                if len(records) % 1000 == 0:
                    progress.update(task, completed=len(records))
        progress.update(task, description=f"importing {path.name}", total=len(records))
        with registry_for(home) as reg:
            svc = reg.service
            with reg.uow(write=True) as uow:
                report = import_records(
                    uow,
                    records,
                    ids=svc.ids,
                    now=uow.ledger.locked_now(svc.clock),
                    actor=SYSTEM.label,
                    sha256=digest,
                    filename=path.name,
                    fmt=fmt,
                    skip_invalid=skip_invalid,
                    progress=lambda n: progress.update(task, completed=n),
                )
                uow.commit()
    report_rejects(report, path, digest, data_folder, rejects)
    return report


def report_rejects(
    report: ImportReport, path: Path, digest: str, data_folder: Path, rejects: Path | None
) -> None:
    """With ``--skip-invalid``: write the records skipped to ``--rejects`` (or the data
    folder's ``rejects/``) and say so on stderr."""
    if report.rejected:
        where = rejects or rejects_path(data_folder, path, digest)
        _write_rejects(where, report.rejected)
        typer.echo(f"{len(report.rejected)} invalid records skipped; see {where}", err=True)


def rejects_path(data_folder: Path, source: Path, digest: str) -> Path:
    """Where ``--skip-invalid`` writes a file's rejects by default: the data folder's
    ``rejects/`` folder, named for the input and its content (the same file again writes the
    same rejects file), never beside the input, which may be read-only or shared."""
    return data_folder / "rejects" / f"{source.name}.{digest[:12]}.rejects.csv"


def check_rejects_option(rejects: Path, skip_invalid: bool) -> None:
    """``--rejects FILE`` is checked before anything is imported."""
    import os

    if not skip_invalid:
        raise ValidationError(
            "--rejects is used with --skip-invalid (without it an invalid file imports nothing)",
            field="--rejects",
            value=str(rejects),
            expected="--skip-invalid --rejects FILE",
        )
    folder = rejects.parent
    if rejects.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ValidationError(
            f"--rejects {rejects}: cannot write a file there, expected a file path in an "
            "existing, writable folder",
            field="--rejects",
            value=str(rejects),
            expected="a writable file path",
        )


def _write_rejects(where: Path, rejected: list[tuple[int, str]]) -> None:
    from consentry.errors import StorageError

    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with where.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["record", "reason"])
            writer.writerows(rejected)
    except OSError as exc:
        raise StorageError(
            f"the import was recorded, but its rejects file {where} cannot be written "
            f"({exc.strerror or exc}); expected a writable file (give --rejects FILE)",
            path=str(where),
        ) from None


def _print_report(report: ImportReport) -> None:
    if report.already_imported:
        typer.echo("this file was imported before: nothing changed")
        return
    typer.echo(
        f"records: {report.records}, created: {report.created}, updated: {report.updated}, "
        f"unchanged: {report.unchanged}, rejected: {len(report.rejected)}, "
        f"new parties: {report.parties_created}"
    )
    for dispute_id, identifier, work_ids, action in report.disputes:
        typer.echo(
            f"dispute {dispute_id} {action}: {identifier} is claimed by works "
            f"{', '.join(work_ids)} of unrelated registrants (consentry disputes resolve)"
        )


# The options both import commands take.
SkipInvalidOption = typer.Option(
    False,
    "--skip-invalid",
    help="Import the valid records; write the rejects to the data folder (or --rejects).",
)
RejectsOption = typer.Option(
    None,
    "--rejects",
    help="With --skip-invalid: write the rejects here (default: "
    "DATA_FOLDER/rejects/FILE.HASH.rejects.csv).",
)


@import_app.command("csv")
@reports_errors
def import_csv(
    file: Path = typer.Argument(
        ..., help="CSV: work_id,kind,title,identifiers,contributors,holders,terms"
    ),
    home: Path | None = HomeOption,
    skip_invalid: bool = SkipInvalidOption,
    rejects: Path | None = RejectsOption,
) -> None:
    """Import works from CSV. The file imports whole or not at all."""
    _print_report(_import(file, "csv", home, skip_invalid, rejects))


@import_app.command("onix")
@reports_errors
def import_onix(
    file: Path = typer.Argument(..., help="ONIX for Books 3.0 (reference or short tags) or 2.1"),
    home: Path | None = HomeOption,
    skip_invalid: bool = SkipInvalidOption,
    rejects: Path | None = RejectsOption,
) -> None:
    """Import products from an ONIX file. The file imports whole or not at all."""
    _print_report(_import(file, "onix", home, skip_invalid, rejects))


@reports_errors
def lookup(
    ids: list[str] = typer.Argument(
        ..., help="Identifiers: isbn:..., doi:..., url:..., bare ISBNs"
    ),
    home: Path | None = HomeOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per identifier."),
    at: str | None = typer.Option(None, "--at", help="Answer as of this time (ISO-8601)."),
    territory: str | None = typer.Option(
        None,
        "--territory",
        help="Where: WORLD or an ISO 3166-1 alpha-2 code such as GB. Default: everywhere "
        "(the most restrictive answer over every territory).",
    ),
) -> None:
    """Look works up by identifier and show their terms (in --territory, or everywhere).

    Exit status: 0 when every identifier is registered; 1 when any is invalid or not
    registered (each is still reported, on stdout).
    """
    where = parse_territory_option(territory)
    results = lookup_results(home, ids, at=parse_time(at), territory=where)
    missing = sum(1 for r in results if r.error or not r.works)
    for r in results:
        if as_json:
            echo_json(r.to_json())
            continue
        if r.error:
            typer.echo(f"{r.id}: invalid: {r.error}")
        elif not r.works:
            typer.echo(f"{r.id}: not registered")
        elif r.disputed:
            combined = r.to_json()["combined_terms"]
            statuses = ", ".join(f"{p}={s}" for p, s in combined.items())
            typer.echo(f"{r.id}: DISPUTED ({r.dispute_id or 'no dispute recorded'}): {statuses}")
        for w, terms in r.works:
            statuses = ", ".join(f"{p}={s}" for p, s in terms.as_dict().items())
            typer.echo(f"{r.id}: {w.id} {w.title!r}: {statuses}")
    if missing:
        raise typer.Exit(1)


@reports_errors
def decide(
    work: str = typer.Option(..., "--work", help="Work id"),
    purpose: str = typer.Option(..., "--purpose", help="tdm, ai-train, ai-input, ai-index, search"),
    developer: str | None = typer.Option(None, "--developer", help="Developer party id"),
    at: str | None = typer.Option(None, "--at", help="Time to answer for (ISO-8601)"),
    territory: str | None = typer.Option(
        None,
        "--territory",
        help="Where: WORLD or an ISO 3166-1 alpha-2 code such as GB. Default: everywhere "
        "(the most restrictive answer over every territory).",
    ),
    home: Path | None = HomeOption,
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """May a developer use a work for a purpose at a time, in a territory (default:
    everywhere)? With reasons and evidence."""
    from consentry.registry.purposes import Purpose

    where = parse_territory_option(territory)
    with registry_for(home) as reg:
        d = reg.service.decide(
            work_id=work,
            purpose=Purpose.parse(purpose),
            at=parse_time(at),
            developer_id=developer,
            territory=where,
        )
    if as_json:
        echo_json(d.to_json())
        return
    place = f"in {d.territory}" if d.territory else "everywhere"
    typer.echo(
        f"{d.outcome.value}: work {d.work_id}, {d.purpose.value}, at {d.at.isoformat()}, {place}"
    )
    for reason in d.reasons:
        typer.echo(f"  - {reason}")


@reports_errors
def declare(
    party: str = typer.Option(..., "--party", help="Whose terms (party id)"),
    terms: str = typer.Option(..., "--terms", help="e.g. 'ai-train=reserved;search=allowed'"),
    work: str | None = typer.Option(None, "--work", help="One work; omit for the whole catalogue"),
    effective_from: str | None = typer.Option(None, "--from", help="Effective from (ISO-8601)"),
    territory: str = typer.Option(
        "WORLD",
        "--territory",
        help="Where the terms hold: WORLD (default) or an ISO 3166-1 alpha-2 code such as GB.",
    ),
    receipt: Path | None = typer.Option(None, "--receipt", help="Write the signed receipt here"),
    home: Path | None = HomeOption,
) -> None:
    """Record a party's terms (as the registry operator) and get a signed receipt."""
    from consentry.registry.access import SYSTEM
    from consentry.registry.terms import parse_terms_spec

    statuses = parse_terms_spec(terms)
    listed = {item.split("=")[0].strip() for item in terms.split(";") if "=" in item}
    statuses = {p: s for p, s in statuses.items() if p.value in listed}
    where = parse_territory_option(territory) or "WORLD"
    with registry_for(home) as reg:
        out = reg.service.declare_terms(
            SYSTEM,
            party_id=party,
            work_id=work,
            statuses=statuses,
            effective_from=parse_time(effective_from, field="--from"),
            territory=where,
        )
    text = json.dumps(out.receipt, indent=2, ensure_ascii=False)
    if receipt:
        receipt.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"ledger entry {out.ledger_seq}; receipt written to {receipt}")
    else:
        typer.echo(text)


@ledger_app.command("verify")
@reports_errors
def ledger_verify(home: Path | None = HomeOption) -> None:
    """Re-walk the hash chain; name the first entry that does not verify."""
    with registry_for(home) as reg:
        report = reg.service.verify_ledger()
    if report.bad is None:
        typer.echo(
            f"ledger OK: {report.checked} entries, head {report.head_seq} {report.head_hash}"
        )
        return
    typer.echo(f"ledger BROKEN at entry {report.bad.seq}: {report.bad.reason}", err=True)
    raise typer.Exit(1)


@receipt_app.command("verify")
@reports_errors
def receipt_verify(
    file: Path = typer.Argument(..., help="Receipt JSON file"),
    public_key: Path | None = typer.Option(
        None, "--public-key", help="Registry public key (PEM); default: the data folder's"
    ),
    home: Path | None = HomeOption,
) -> None:
    """Check a receipt offline against the registry's public key."""
    from consentry.ledger.keys import verify_receipt_file

    key_path = public_key or settings_for(home).home / "registry-public-key.pem"
    verify_receipt_file(file, key_path, None)
    typer.echo(f"receipt OK: {file}")


@keys_app.command("create")
@reports_errors
def keys_create(
    role: str = typer.Option(..., "--role", help="admin, organisation, creator or developer"),
    party: str | None = typer.Option(None, "--party", help="The party the key acts as"),
    home: Path | None = HomeOption,
) -> None:
    """Create an API key; the token is printed once and stored only hashed."""
    from consentry.registry.access import SYSTEM, Role

    with registry_for(home) as reg:
        key_id, token = reg.service.create_api_key(SYSTEM, role=Role.parse(role), party_id=party)
    typer.echo(token)
    typer.echo(f"key {key_id} ({role}{', party ' + party if party else ''})", err=True)


@keys_app.command("list")
@reports_errors
def keys_list(
    home: Path | None = HomeOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per key."),
) -> None:
    """List every API key (revoked ones too), oldest first; never tokens or their hashes."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        keys = reg.service.list_api_keys(SYSTEM)
    if not keys and not as_json:
        typer.echo("no API keys yet: make one with `consentry keys create --role ROLE`", err=True)
    for k in keys:
        if as_json:
            echo_json(k.to_json())
            continue
        state = f"revoked {k.revoked_at.isoformat()}" if k.revoked_at else "active"
        party = k.party_id or "-"
        typer.echo(
            f"{k.key_id}  {k.role.value:<12}  {party:<20}  {k.created_at.isoformat()}  {state}"
        )


@keys_app.command("revoke")
@reports_errors
def keys_revoke(
    key_id: str = typer.Argument(..., help="The key id (the part after cst_ in the token)"),
    home: Path | None = HomeOption,
) -> None:
    """Revoke an API key. A running server refuses it within one second (its key cache)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        revoked_at = reg.service.revoke_api_key(SYSTEM, key_id)
    typer.echo(f"key {key_id} revoked at {revoked_at.isoformat()}")
