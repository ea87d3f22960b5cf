"""``consentry disputes list|resolve``: identifiers claimed by works of unrelated registrants
(docs/registry.md). Resolving is the registry admin's act, recorded in the ledger."""

from __future__ import annotations

from pathlib import Path

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors

disputes_app = typer.Typer(help="Identifier disputes.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(disputes_app, name="disputes")


@disputes_app.command("list")
@reports_errors
def disputes_list(
    home: Path | None = HomeOption,
    show_all: bool = typer.Option(False, "--all", help="Resolved disputes too."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per dispute."),
) -> None:
    """List open identifier disputes (with --all, resolved ones too), oldest first."""
    with registry_for(home) as reg:
        disputes = []
        offset = 0
        while True:
            page = reg.service.list_disputes(offset=offset, limit=1000, open_only=not show_all)
            disputes.extend(page)
            if len(page) < 1000:
                break
            offset += len(page)
    if not disputes and not as_json:
        typer.echo("no open disputes" if not show_all else "no disputes", err=True)
    for d in disputes:
        if as_json:
            echo_json(d.to_json())
            continue
        state = f"resolved for {d.winner_work_id}" if d.resolved_at else "open"
        typer.echo(f"{d.id}  {d.identifier}  {' '.join(d.work_ids)}  {state}")


@disputes_app.command("resolve")
@reports_errors
def disputes_resolve(
    dispute_id: str = typer.Argument(..., help="The dispute id (from `disputes list`)"),
    winner: str = typer.Option(..., "--winner", help="The work the identifier belongs to"),
    note: str | None = typer.Option(None, "--note", help="Why (recorded in the ledger)"),
    home: Path | None = HomeOption,
) -> None:
    """Give the identifier to one work; the others lose it (they stay registered)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        d = reg.service.resolve_dispute(SYSTEM, dispute_id, winner_work_id=winner, note=note)
    losers = [w for w in d.work_ids if w != winner]
    typer.echo(
        f"dispute {d.id}: {d.identifier} stays with {winner}; removed from {' '.join(losers)}"
    )
