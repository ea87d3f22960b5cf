"""``consentry works list``: the registered works, a page at a time.

``--json`` prints the page in the API's shape (``GET /v1/works``: ``items``, ``offset``,
``limit``, ``next_offset``), so scripts can find ids with ``jq``::

    consentry works list --json | jq -r '.items[] | select(.title == "Emma") | .id'
"""

from __future__ import annotations

from pathlib import Path

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors

# Commands import what they implement inside their bodies: see consentry.cli.app.

MAX_PAGE = 1000  # the API's largest page (consentry.api.schemas.MAX_PAGE)

works_app = typer.Typer(help="Registered works.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(works_app, name="works")


@works_app.command("list")
@reports_errors
def list_works(
    home: Path | None = HomeOption,
    offset: int = typer.Option(0, "--offset", min=0, help="Works to skip (by work id order)."),
    limit: int = typer.Option(
        100, "--limit", min=1, max=MAX_PAGE, help=f"Works per page, at most {MAX_PAGE}."
    ),
    party: str | None = typer.Option(
        None, "--party", help="Only works this party holds or contributed to."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="The page as JSON, in the shape of GET /v1/works."
    ),
) -> None:
    """List registered works (id, title, identifiers), ordered by work id, a page at a time.

    The next page starts at the printed --offset; with --json, at next_offset (null on the
    last page).
    """
    from consentry.api.views import page_view, work_view

    with registry_for(home) as reg:
        rows = reg.service.list_works(offset=offset, limit=limit, party_id=party)
    page = page_view([work_view(w, t) for w, t in rows], offset=offset, limit=limit)
    if as_json:
        echo_json(page)
        return
    if not rows and offset == 0:
        typer.echo(
            "no works yet: import some with `consentry import csv FILE` (or try `consentry demo`)",
            err=True,
        )
    for work, _terms in rows:
        ids = ", ".join(work.identifiers) or "-"
        typer.echo(f"{work.id}  {work.title!r}  {ids}")
    if page["next_offset"] is not None:
        typer.echo(f"more: consentry works list --offset {page['next_offset']}", err=True)
