"""``consentry removals``: the removal requests of removal campaigns (docs/notices.md,
"Removal requests"). The command line acts as the registry's operator, recording what the
developers answer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors

if TYPE_CHECKING:
    from consentry.bootstrap import Registry

removals_app = typer.Typer(help="Removal requests (work x developer).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(removals_app, name="removals")


def _open(reg: Registry, campaign_id: str) -> int:
    """Open the requests of a removal campaign that are not open yet."""
    from consentry.notices.repertoire import parse_works_json
    from consentry.notices.service_removals import open_removals
    from consentry.registry.access import SYSTEM

    with reg.uow() as uow:
        c = uow.notices.campaign(campaign_id)
    works = parse_works_json(reg.notices().outbox.read_attachments(c.id, c.attachments).works_json)
    with reg.uow(write=True) as uow:
        n = open_removals(
            uow,
            campaign_id,
            [w.work_id for w in works],
            ids=reg.service.ids,
            now=uow.ledger.locked_now(reg.service.clock),
            actor=SYSTEM.label,
        )
        uow.commit()
    return n


@removals_app.command("open")
@reports_errors
def removals_open(
    campaign: str = typer.Argument(..., help="A removal campaign's id"),
    home: Path | None = HomeOption,
) -> None:
    """Open one removal request per work x developer of a removal campaign (again: only
    those missing)."""
    with registry_for(home) as reg:
        n = _open(reg, campaign)
    typer.echo(f"{n} removal requests opened")


@removals_app.command("list")
@reports_errors
def removals_list(
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign's"),
    as_json: bool = typer.Option(False, "--json", help='Print {"items": [...]}'),
    home: Path | None = HomeOption,
) -> None:
    """List removal requests (a removal campaign's are opened first if they are not)."""
    from consentry.notices.kinds import NoticeKind
    from consentry.notices.service_removals import list_removals

    with registry_for(home) as reg:
        if campaign is not None:
            with reg.uow() as uow:
                kind = uow.notices.campaign(campaign).kind
            if kind is NoticeKind.REMOVAL:
                _open(reg, campaign)
        with reg.uow() as uow:
            items = list_removals(uow, campaign)
    if as_json:
        echo_json({"items": items})
        return
    for i in items:
        typer.echo(
            f"{i['removal_id']}  {i['state']:<12}  work {i['work_id']}  developer "
            f"{i['developer_id']}  campaign {i['campaign_id']}  evidence {len(i['evidence'])}"
        )


@removals_app.command("update")
@reports_errors
def removals_update(
    removal_id: str = typer.Argument(..., help="The removal request's id"),
    state: str = typer.Option(..., "--state", help="acknowledged, confirmed, verified or disputed"),
    evidence: list[Path] = typer.Option(
        [],
        "--evidence",
        help="A file the developer gave: the removal manifest (consentry filter's "
        "_removals.jsonl), the rescan report (consentry scan --report JSON) (repeatable)",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the request as JSON"),
    home: Path | None = HomeOption,
) -> None:
    """Move a removal request to a state, with evidence. `verified` re-checks the evidence:
    a removal manifest names the work and a rescan report found nothing of it."""
    from consentry.errors import ValidationError
    from consentry.notices.removals import RemovalState
    from consentry.notices.service_removals import update_removal
    from consentry.registry.access import SYSTEM

    new = RemovalState.parse(state)
    files = []
    for path in evidence:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise ValidationError(
                f"--evidence {path}: cannot be read ({exc.strerror or exc})",
                field="--evidence",
                value=str(path),
                expected="a readable file",
            ) from None
    with registry_for(home) as reg, reg.uow(write=True) as uow:
        out = update_removal(
            uow,
            removal_id,
            new,
            files,
            now=uow.ledger.locked_now(reg.service.clock),
            actor=SYSTEM.label,
        )
        uow.commit()
    if as_json:
        echo_json(out)
    else:
        typer.echo(f"removal request {removal_id} is {out['state']}")
