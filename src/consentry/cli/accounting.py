"""``consentry usage import``, ``consentry distribute`` and ``consentry claims``: usage
reports, distributions with statements, and past-use claims (docs/usage.md,
docs/distribution.md, docs/claims in docs/distribution.md).

The command line acts as the registry's operator (an admin), as every other command does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors
from consentry.errors import ValidationError

if TYPE_CHECKING:
    from consentry.accounting.service import Distribution, StatementData

usage_app = typer.Typer(help="Usage reports from licensees.", no_args_is_help=True)
claims_app = typer.Typer(help="Claims for past use (settlement works lists).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(usage_app, name="usage")
    app.command("distribute")(distribute)
    app.command("unidentified")(unidentified)
    app.add_typer(claims_app, name="claims")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"{path}: cannot be read ({exc.strerror or exc})",
            field=what,
            value=str(path),
            expected="a readable file",
        ) from None


@usage_app.command("import")
@reports_errors
def usage_import(
    file: Path = typer.Argument(..., help="CSV or JSON usage report (docs/usage.md)"),
    fmt: str | None = typer.Option(None, "--format", help="csv or json (default: by suffix)"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the valid lines and list the invalid ones"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON"),
    home: Path | None = HomeOption,
) -> None:
    """Import a usage report. The file imports whole or not at all; the same report twice
    changes nothing."""
    from consentry.accounting.usage import parse_report
    from consentry.registry.access import SYSTEM

    report = parse_report(_read(file, "FILE"), name=file.name, fmt=fmt)
    with registry_for(home) as reg:
        done = reg.accounting.import_usage(
            SYSTEM, report, filename=file.name, skip_invalid=skip_invalid
        )
    if as_json:
        echo_json(done.to_json())
        return
    if done.already_imported:
        typer.echo(f"this report was imported before (report {done.report_id}): nothing changed")
        return
    typer.echo(
        f"report {done.report_id}: lines: {done.records}, imported: {done.imported}, "
        f"rejected: {len(done.rejected)}"
    )
    for number, reason in done.rejected[:50]:
        typer.echo(f"  record {number}: {reason}", err=True)


@reports_errors
def distribute(
    period: str = typer.Option(..., "--period", help="2026-Q1 or 2026-03"),
    pool: str = typer.Option(..., "--pool", help="The licence income to distribute"),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code"),
    out: Path = typer.Option(..., "--out", help="Folder for summary.json and statements/"),
    unit: str | None = typer.Option(None, "--unit", help="documents, tokens, words, answers"),
    licensee: str | None = typer.Option(None, "--licensee", help="Only this licensee's usage"),
    threshold: str = typer.Option("0", "--threshold", help="Minimum payment; less is carried"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDF statements"),
    as_json: bool = typer.Option(False, "--json", help="Print summary.json"),
    home: Path | None = HomeOption,
) -> None:
    """Distribute a period's licence income over its usage; write summary.json and a
    statement per payee (CSV and PDF). A closed period is never redistributed differently."""
    from consentry.registry.access import SYSTEM

    _check_out(out)
    with registry_for(home) as reg:
        result = reg.accounting.distribute(
            SYSTEM,
            period=period,
            pool=pool,
            currency=currency,
            unit=unit,
            licensee=licensee,
            threshold=threshold,
        )
        data = reg.accounting.statement_data(result)
    write_outputs(result, data, out, pdf=pdf)
    if as_json:
        typer.echo(result.summary_text, nl=False)
        return
    s = result.summary
    again = " (closed before: same inputs, same statements)" if result.reused else ""
    typer.echo(
        f"distribution {result.run_id} {s['period']}{again}: pool {s['pool']} {s['currency']}, "
        f"paid {len(s['paid'])} payees, carried forward {len(s['carried_forward'])}, "
        f"unidentified {s['unidentified']}; written to {out}"
    )


@reports_errors
def unidentified(
    as_of: str | None = typer.Option(None, "--as-of", help="A date, YYYY-MM-DD (default today)"),
    as_json: bool = typer.Option(False, "--json", help="Print the funds as JSON"),
    home: Path | None = HomeOption,
) -> None:
    """The unidentified fund per period: held apart for three years after the period,
    then reported as non-distributable (CRM Directive Art. 13(6))."""
    from datetime import UTC, date, datetime

    from consentry.registry.access import SYSTEM

    try:
        day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    except ValueError:
        raise ValidationError(
            f"--as-of {as_of!r} is not a date",
            field="--as-of",
            value=as_of,
            expected="YYYY-MM-DD",
        ) from None
    with registry_for(home) as reg:
        held = reg.accounting.unidentified(SYSTEM, as_of=day)
    if as_json:
        echo_json([f.to_json() for f in held])
        return
    if not held:
        typer.echo("no unidentified funds")
    for f in held:
        d = f.to_json()
        typer.echo(
            f"{d['period']}  {d['amount']} {d['currency']}  {d['status']}"
            f" (non-distributable from {d['non_distributable_from']})"
        )


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ValidationError(
            f"--out {out} is a file, expected a folder",
            field="--out",
            value=str(out),
            expected="a folder (created if missing)",
        )


def write_outputs(result: Distribution, data: StatementData, out: Path, *, pdf: bool = True) -> int:
    """summary.json and statements/PARTY.csv (and .pdf); returns the statements written."""
    from consentry.accounting.distribution import payee_shares
    from consentry.accounting.pdf import html_to_pdf
    from consentry.accounting.statements import build_statement, statement_csv, statement_html

    folder = out / "statements"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(result.summary_text, encoding="utf-8")
    shares = payee_shares(result.inputs, data.rows, result.payees)
    for party_id in result.payees:
        st = build_statement(
            party_id,
            inputs=result.inputs,
            allocation=result.allocation,
            rows=data.rows,
            shares=shares[party_id],
            name=result.names.get(party_id, party_id),
            contacts=data.contacts.get(party_id, ()),
            titles=data.titles,
            run_id=result.run_id,
            inputs_sha256=result.digest,
            rules_version=result.summary["rules_version"],
            closed_at=result.closed_at,
        )
        (folder / f"{party_id}.csv").write_text(statement_csv(st), encoding="utf-8", newline="")
        if pdf:
            (folder / f"{party_id}.pdf").write_bytes(html_to_pdf(statement_html(st)))
    return len(result.payees)


MATCHED, REVIEW, UNMATCHED = "matched.csv", "review.csv", "unmatched.csv"


@claims_app.command("match")
@reports_errors
def claims_match(
    works_list: Path = typer.Argument(..., help="CSV with ISBN, title and author columns"),
    out: Path = typer.Option(..., "--out", help="Folder for matched, review, unmatched.csv"),
    match_at: float = typer.Option(90.0, "--match-at", help="Fuzzy confidence for a match"),
    review_at: float = typer.Option(60.0, "--review-at", help="Fuzzy confidence for review"),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON"),
    home: Path | None = HomeOption,
) -> None:
    """Match a published list of works used against the registry: by ISBN first, else by
    title and author; uncertain matches go to review, never paid automatically."""
    from consentry.accounting.claims import outcomes_csv, parse_list
    from consentry.registry.access import SYSTEM

    _check_out(out)
    listed = parse_list(_read(works_list, "LIST"), name=works_list.name)
    with registry_for(home) as reg:
        outcomes = reg.accounting.match_claims(
            SYSTEM, listed, match_at=match_at, review_at=review_at
        )
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for status, name in (("matched", MATCHED), ("review", REVIEW), ("unmatched", UNMATCHED)):
        chosen = [o for o in outcomes if o.status == status]
        (out / name).write_text(outcomes_csv(chosen), encoding="utf-8", newline="")
        counts[status] = len(chosen)
    if as_json:
        echo_json({"records": len(outcomes), **counts})
        return
    typer.echo(
        f"{len(outcomes)} listed works: {counts['matched']} matched, {counts['review']} to "
        f"review, {counts['unmatched']} unmatched; written to {out}"
    )


@claims_app.command("prepare")
@reports_errors
def claims_prepare(
    folder: Path = typer.Argument(..., help="The folder `claims match` wrote"),
    per_work: str = typer.Option(..., "--per-work", help="Amount claimed per work"),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code"),
    as_json: bool = typer.Option(False, "--json", help="Print compensation.json"),
    home: Path | None = HomeOption,
) -> None:
    """Prepare claims per work and holder for the matched works (review.csv is not paid):
    writes claims.csv and compensation.json (for a `compensation` notice)."""
    import json

    from consentry.accounting.claims import read_matched
    from consentry.registry.access import SYSTEM

    matched = read_matched(_read(folder / MATCHED, "DIR"), name=str(folder / MATCHED))
    with registry_for(home) as reg:
        prepared = reg.accounting.prepare_claims(
            SYSTEM, matched, per_work=per_work, currency=currency
        )
    doc = prepared.to_json()
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    (folder / "compensation.json").write_text(text, encoding="utf-8")
    (folder / "claims.csv").write_text(claims_csv(doc), encoding="utf-8", newline="")
    if as_json:
        typer.echo(text, nl=False)
        return
    typer.echo(
        f"{len(doc['works'])} works claimed at {doc['per_work']} {doc['currency']}: "
        f"{doc['total']} {doc['currency']}; written to {folder}/claims.csv and compensation.json"
    )


def claims_csv(doc: dict[str, object]) -> str:
    import csv
    import io

    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        ("work_id", "title", "party_id", "name", "role", "share", "amount", "currency", "basis")
    )
    works = doc["works"]
    assert isinstance(works, list)
    for work in works:
        for c in work["claimants"]:
            w.writerow(
                (
                    work["work_id"],
                    work["title"],
                    c["party_id"] or "",
                    c["name"] or "",
                    c["role"],
                    c["share"],
                    c["amount"],
                    doc["currency"],
                    c["basis"],
                )
            )
    return out.getvalue()
