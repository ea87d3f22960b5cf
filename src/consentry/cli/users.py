"""Web accounts: ``consentry users invite EMAIL --role R [--party ID]`` and
``consentry users list`` (docs/web.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors

if TYPE_CHECKING:
    from consentry.accounts.rules import Account
    from consentry.bootstrap import Registry

# Commands import what they implement inside their bodies: see consentry.cli.app.

users_app = typer.Typer(
    help="Web accounts: invite organisations, developers and admins; list accounts.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("invite")
@reports_errors
def invite(
    email: str = typer.Argument(..., help="The person's email (the account's sign-in name)"),
    role: str = typer.Option(..., "--role", help="creator, organisation, developer or admin"),
    party: str | None = typer.Option(
        None, "--party", help="The party the account acts as (required unless --role admin)"
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
    home: Path | None = HomeOption,
) -> None:
    """Make a web account and print a one-time link to choose its password (valid 7 days):
    CONSENTRY_PUBLIC_URL/reset/TOKEN. Emailed to EMAIL as well when CONSENTRY_SMTP_URL is
    set. The account has the role's rights for the party, as an API key of that role."""
    from consentry.registry.access import SYSTEM, Role

    with registry_for(home) as reg:
        account = reg.accounts.create_account(
            SYSTEM, email=email, role=Role.parse(role), party_id=party
        )
        _give_link(reg, account, as_json)


@users_app.command("link")
@reports_errors
def link_again(
    email: str = typer.Argument(..., help="The email of an existing account"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
    home: Path | None = HomeOption,
) -> None:
    """A new one-time link to choose the password of an existing account (valid 7 days),
    printed, and emailed when CONSENTRY_SMTP_URL is set: for an invitation that expired, or
    a person who forgot the password where the server cannot send email. The current
    password keeps working until the link is used."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        _give_link(reg, reg.accounts.account_by_email(SYSTEM, email), as_json)


def _give_link(reg: Registry, account: Account, as_json: bool) -> None:
    from consentry.accounts.delivery import send_link_quietly
    from consentry.accounts.mail import link
    from consentry.accounts.rules import INVITE_LIFETIME, TokenPurpose
    from consentry.registry.access import SYSTEM

    token = reg.accounts.invite(SYSTEM, account.id)
    now = reg.accounts.clock()
    url = link(reg.settings.base_url(), token)
    smtp_set = bool(reg.settings.smtp_url)
    emailed = smtp_set and send_link_quietly(
        reg.settings.smtp_url,
        base_url=reg.settings.base_url(),
        registry=reg.settings.registry_name,
        account=account,
        purpose=TokenPurpose.INVITE,
        token=token,
        now=now,
    )
    expires = (now + INVITE_LIFETIME).isoformat()
    if as_json:
        echo_json(
            {
                "user_id": account.id,
                "email": account.email,
                "role": account.role.value,
                "party_id": account.party_id,
                "link": url,
                "expires_at": expires,
                "emailed": emailed,
            }
        )
        return
    typer.echo(url)
    where = f", party {account.party_id}" if account.party_id else ""
    typer.echo(f"account {account.id}: {account.email} ({account.role.value}{where})", err=True)
    typer.echo(f"the link works once, until {expires}", err=True)
    if smtp_set and not emailed:
        typer.echo("warning: the email could not be sent; give the link yourself", err=True)
    elif emailed:
        typer.echo(f"emailed to {account.email}", err=True)


@users_app.command("list")
@reports_errors
def list_users(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per account."),
    home: Path | None = HomeOption,
) -> None:
    """Every web account, oldest first (never passwords or their hashes)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        accounts = reg.accounts.list_accounts(SYSTEM)
    if not accounts and not as_json:
        typer.echo("no accounts yet: sign up at /signup or `consentry users invite`", err=True)
    for a in accounts:
        state = "password set" if a.password_set_at else "invited"
        if as_json:
            echo_json(
                {
                    "user_id": a.id,
                    "email": a.email,
                    "role": a.role.value,
                    "party_id": a.party_id,
                    "created_at": a.created_at.isoformat(),
                    "state": state,
                }
            )
            continue
        party = a.party_id or "-"
        typer.echo(f"{a.id}  {a.email:<32}  {a.role.value:<12}  {party:<20}  {state}")
