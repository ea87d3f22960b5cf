"""``consentry parties|mandates|developers``: members and mandates in bulk and the AI-developer
directory (docs/registry.md, "Members and developers").

The command line acts as the registry's operator (an admin), as every other command does.
``mandates import`` and ``developers import`` follow ``consentry import csv``: the whole file
or nothing (``--skip-invalid`` imports the valid records and writes the rejects, to
``--rejects`` or the data folder), and the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors
from consentry.cli.registry import RejectsOption, SkipInvalidOption

if TYPE_CHECKING:
    from consentry.bootstrap import Registry
    from consentry.registry.importing import ImportReport
    from consentry.registry.service_members import ImportSource
    from consentry.store.uow import SqlUnitOfWork

parties_app = typer.Typer(help="Parties: people and organisations.", no_args_is_help=True)
mandates_app = typer.Typer(help="Mandates: who may act for whom.", no_args_is_help=True)
developers_app = typer.Typer(help="The AI-developer directory.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(parties_app, name="parties")
    app.add_typer(mandates_app, name="mandates")
    app.add_typer(developers_app, name="developers")


# --------------------------------------------------------------------- parties
@parties_app.command("add")
@reports_errors
def parties_add(
    name: str = typer.Argument(..., help="The party's name"),
    kind: str = typer.Option(..., "--kind", help="person or organisation"),
    roles: list[str] = typer.Option(
        [],
        "--role",
        help="creator, rightsholder, publisher, label, agent, member-organisation or "
        "ai-developer (repeatable)",
    ),
    contacts: list[str] = typer.Option(
        [],
        "--contact",
        help="KIND:VALUE, KIND email, postal, url, form (a web form), policy (a policy page) "
        "or phone (repeatable)",
    ),
    identifiers: list[str] = typer.Option(
        [], "--identifier", help="isni:..., orcid:... or url:... (repeatable)"
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"party_id": ...}'),
    home: Path | None = HomeOption,
) -> None:
    """Register a party and print its id."""
    from consentry.registry.access import SYSTEM
    from consentry.registry.parties import PartyKind, PartyRole, parse_contact

    parsed_roles = [PartyRole.parse(r) for r in roles]
    points = [parse_contact(c) for c in contacts]
    with registry_for(home) as reg:
        party = reg.service.create_party(
            SYSTEM,
            name=name,
            kind=PartyKind.parse(kind),
            roles=parsed_roles,
            identifiers=identifiers,
            contacts=points,
        )
    if as_json:
        echo_json({"party_id": party.id})
    else:
        typer.echo(party.id)


def _party_json(party: Any) -> dict[str, Any]:
    from consentry.api.views import party_view

    view = party_view(party)
    return {"party_id": view.pop("id"), **view}


@parties_app.command("list")
@reports_errors
def parties_list(
    role: str | None = typer.Option(None, "--role", help="Only parties with this role"),
    as_json: bool = typer.Option(False, "--json", help='Print {"items": [...]}'),
    home: Path | None = HomeOption,
) -> None:
    """List parties (with their contact points), oldest id first."""
    from consentry.registry.access import SYSTEM
    from consentry.registry.parties import PartyRole

    wanted = PartyRole.parse(role) if role else None
    with registry_for(home) as reg:
        parties, offset = [], 0
        while page := reg.service.list_parties(SYSTEM, offset=offset, limit=1000, role=wanted):
            parties += [p for p in page if wanted is None or wanted in p.roles]
            offset += len(page)
    if as_json:
        echo_json({"items": [_party_json(p) for p in parties]})
        return
    for p in parties:
        roles = ",".join(sorted(r.value for r in p.roles)) or "-"
        typer.echo(f"{p.id}  {p.kind.value:<12}  {roles:<24}  {p.name}")


@parties_app.command("show")
@reports_errors
def parties_show(
    party_id: str = typer.Argument(..., help="Party id"),
    as_json: bool = typer.Option(False, "--json", help="Print the party as JSON"),
    home: Path | None = HomeOption,
) -> None:
    """Show a party: kind, roles, identifiers and contact points."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        party = reg.service.get_party(SYSTEM, party_id)
    if as_json:
        echo_json(_party_json(party))
        return
    typer.echo(f"{party.id}  {party.name} ({party.kind.value})")
    typer.echo(f"  roles: {', '.join(sorted(r.value for r in party.roles)) or '-'}")
    for ident in party.identifiers:
        typer.echo(f"  identifier: {ident}")
    for c in party.contacts:
        typer.echo(f"  {c.kind}: {c.value}")


# --------------------------------------------------------------------- bulk files
def _import_file(
    path: Path,
    fmt: str,
    home: Path | None,
    skip_invalid: bool,
    rejects: Path | None,
    run: Callable[[Registry, SqlUnitOfWork, ImportSource], ImportReport],
) -> ImportReport:
    """The shell of every import: file and ``--rejects`` checked first, one write
    transaction, the rejects written after the commit (as ``consentry import csv``)."""
    import hashlib

    from consentry.cli.registry import check_rejects_option, report_rejects
    from consentry.errors import ValidationError
    from consentry.registry.service_members import ImportSource

    if not path.is_file():
        raise ValidationError(
            f"{path} is not a file", field="FILE", value=str(path), expected="a readable file"
        )
    if rejects is not None:
        check_rejects_option(rejects, skip_invalid)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with registry_for(home) as reg:
        with reg.uow(write=True) as uow:
            report = run(reg, uow, ImportSource(path.name, digest, fmt))
            uow.commit()
        data_folder = reg.settings.home
    report_rejects(report, path, digest, data_folder, rejects)
    return report


def _summary(report: ImportReport, created: str, updated: str | None = None) -> None:
    if report.already_imported:
        typer.echo("this file was imported before: nothing changed")
        return
    parts = [f"records: {report.records}", f"{created}: {report.created}"]
    if updated is not None:
        parts.append(f"{updated}: {report.updated}")
    parts += [
        f"unchanged: {report.unchanged}",
        f"rejected: {len(report.rejected)}",
        f"new parties: {report.parties_created}",
    ]
    typer.echo(", ".join(parts))


# --------------------------------------------------------------------- mandates
@mandates_app.command("import")
@reports_errors
def mandates_import(
    file: Path = typer.Argument(
        ..., help="CSV: member,email,purposes,territories,valid_from,valid_until,evidence"
    ),
    organisation: str = typer.Option(..., "--organisation", help="The organisation's party id"),
    skip_invalid: bool = SkipInvalidOption,
    rejects: Path | None = RejectsOption,
    home: Path | None = HomeOption,
) -> None:
    """Grant the mandates a file lists (its members' signed authorisations) to an
    organisation. The file imports whole or not at all; the same file again changes nothing."""
    from consentry.registry.access import SYSTEM
    from consentry.registry.membercsv import parse_mandates_csv
    from consentry.registry.service_members import import_mandates

    def run(reg: Registry, uow: SqlUnitOfWork, source: ImportSource) -> ImportReport:
        records = parse_mandates_csv(file)
        svc = reg.service
        return import_mandates(
            uow,
            records,
            organisation_id=organisation,
            source=source,
            ids=svc.ids,
            now=uow.ledger.locked_now(svc.clock),
            actor=SYSTEM.label,
            skip_invalid=skip_invalid,
        )

    _summary(_import_file(file, "mandates-csv", home, skip_invalid, rejects, run), "granted")


@mandates_app.command("list")
@reports_errors
def mandates_list(
    organisation: str | None = typer.Option(
        None, "--organisation", help="Only this organisation's mandates"
    ),
    as_json: bool = typer.Option(False, "--json", help='Print {"items": [...]}'),
    home: Path | None = HomeOption,
) -> None:
    """List mandates (withdrawn ones too), oldest id first."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        listed = reg.service.mandates_with_names(SYSTEM, organisation)
        now = reg.service.clock()
    items = [_mandate_json(m, name) for m, name in listed]
    if as_json:
        echo_json({"items": items})
        return
    for (m, name), item in zip(listed, items, strict=True):
        state = (
            "in force" if m.in_force(now) else ("withdrawn" if m.withdrawn_at else "not in force")
        )
        typer.echo(
            f"{m.id}  {m.organisation_id} for {m.member_id} ({name}): "
            f"{','.join(item['purposes'])} in {','.join(item['territories'])}, "
            f"{m.period()}; {state}; evidence {m.evidence}"
        )


def _mandate_json(m: Any, member_name: str) -> dict[str, Any]:
    def iso(t: Any) -> str | None:
        return t.isoformat() if t is not None else None

    return {
        "mandate_id": m.id,
        "organisation_id": m.organisation_id,
        "member_id": m.member_id,
        "member_name": member_name,
        "purposes": sorted(p.value for p in m.purposes),
        "territories": sorted(m.territories),
        "valid_from": m.valid_from.isoformat(),
        "valid_until": iso(m.valid_until),
        "withdrawn_at": iso(m.withdrawn_at),
        "evidence": m.evidence,
    }


@mandates_app.command("withdraw")
@reports_errors
def mandates_withdraw(
    mandate_id: str = typer.Argument(..., help="Mandate id"),
    home: Path | None = HomeOption,
) -> None:
    """Withdraw a mandate: from now on it covers nothing (recorded in the ledger)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        m = reg.service.withdraw_mandate(SYSTEM, mandate_id)
    assert m.withdrawn_at is not None
    typer.echo(f"mandate {m.id} withdrawn at {m.withdrawn_at.isoformat()}")


# --------------------------------------------------------------------- developers
def _developers_run(
    records: Any, skip_invalid: bool
) -> Callable[[Registry, SqlUnitOfWork, ImportSource], ImportReport]:
    from consentry.registry.access import SYSTEM
    from consentry.registry.service_members import import_developers

    def run(reg: Registry, uow: SqlUnitOfWork, source: ImportSource) -> ImportReport:
        svc = reg.service
        return import_developers(
            uow,
            records() if callable(records) else records,
            source=source,
            ids=svc.ids,
            now=uow.ledger.locked_now(svc.clock),
            actor=SYSTEM.label,
            skip_invalid=skip_invalid,
        )

    return run


@developers_app.command("import")
@reports_errors
def developers_import(
    file: Path = typer.Argument(..., help="CSV: name,email,postal_address,optout_url,tokens"),
    skip_invalid: bool = SkipInvalidOption,
    rejects: Path | None = RejectsOption,
    home: Path | None = HomeOption,
) -> None:
    """List AI developers: contact points and crawler tokens (from the signals catalogue).
    A developer is found by name (else registered); what it has is kept, what the file
    adds is added."""
    from consentry.registry.membercsv import parse_developers_csv

    run = _developers_run(lambda: parse_developers_csv(file), skip_invalid)
    report = _import_file(file, "developers-csv", home, skip_invalid, rejects, run)
    _summary(report, "listed", "completed")


@developers_app.command("seed")
@reports_errors
def developers_seed(home: Path | None = HomeOption) -> None:
    """Load the shipped directory of major AI developers (names, crawler tokens, public
    opt-out and policy pages; no emails: they are never guessed). Running it again changes
    nothing."""
    from consentry.registry.developers import SEED_FILE, seed_records, seed_sha256
    from consentry.registry.service_members import ImportSource

    run = _developers_run(seed_records, False)
    with registry_for(home) as reg, reg.uow(write=True) as uow:
        report = run(reg, uow, ImportSource(SEED_FILE, seed_sha256(), "developers-seed"))
        uow.commit()
    _summary(report, "listed", "completed")


@developers_app.command("list")
@reports_errors
def developers_list(
    as_json: bool = typer.Option(False, "--json", help='Print {"items": [...]}'),
    home: Path | None = HomeOption,
) -> None:
    """The directory: each developer's contact points, crawler tokens and policy pages."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        developers = reg.service.list_developers(SYSTEM)
    if as_json:
        echo_json({"items": [d.to_json() for d in developers]})
        return
    for d in developers:
        j = d.to_json()
        typer.echo(f"{d.party.id}  {d.party.name}")
        typer.echo(f"  tokens: {', '.join(d.tokens) or '-'}")
        for label, key in (
            ("email", "emails"),
            ("postal", "postal_addresses"),
            ("opt-out", "optout_urls"),
            ("policy", "policy_urls"),
        ):
            for value in j[key]:
                typer.echo(f"  {label}: {value}")
