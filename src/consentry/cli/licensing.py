"""``consentry licences|schemes|credits``: offers, collective schemes, requests, grants,
revocation, ODRL/RSL exports and credit records (docs/licensing.md).

The command line acts as the registry's operator (an admin), as every other command does:
``licences offer --work`` records the offer for the parties named with ``--by`` (default:
every rights holder and creative contributor of the work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors

licences_app = typer.Typer(help="Licence offers, requests, grants.", no_args_is_help=True)
schemes_app = typer.Typer(help="Collective licensing schemes.", no_args_is_help=True)
credits_app = typer.Typer(help="Credit owed under licences.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(licences_app, name="licences")
    app.add_typer(schemes_app, name="schemes")
    app.add_typer(credits_app, name="credits")


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _scope(work: str | None, party: str | None, scheme: str | None) -> tuple[Any, str]:
    from consentry.errors import ValidationError
    from consentry.licensing.terms import OfferScope

    given = [
        (s, v)
        for s, v in (
            (OfferScope.WORK, work),
            (OfferScope.PARTY, party),
            (OfferScope.SCHEME, scheme),
        )
        if v is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            f"{len(given)} of --work, --party, --scheme given; expected exactly one of them",
            field="--work/--party/--scheme",
            value=[v for _, v in given],
            expected="exactly one of --work ID, --party ID, --scheme ID",
        )
    return given[0]


@licences_app.command("offer")
@reports_errors
def offer(
    purposes: str = typer.Option(..., "--purposes", help="Purposes, comma-separated"),
    fee_model: str = typer.Option(
        ..., "--fee-model", help="per-work, per-unit, revenue-share or free-attribution"
    ),
    work: str | None = typer.Option(None, "--work", help="Offer one work"),
    party: str | None = typer.Option(None, "--party", help="Offer a party's catalogue"),
    scheme: str | None = typer.Option(None, "--scheme", help="Offer a collective scheme"),
    amount: str | None = typer.Option(None, "--amount", help="Fee (revenue-share: percent)"),
    currency: str | None = typer.Option(None, "--currency", help="ISO 4217 code"),
    unit: str | None = typer.Option(None, "--unit", help="documents, tokens, words, answers"),
    term_days: int | None = typer.Option(None, "--term-days", help="Term in days (no end)"),
    territory: str = typer.Option("WORLD", "--territory", help="WORLD or an ISO 3166-1 code"),
    attribution: str | None = typer.Option(
        None, "--attribution", help="Credit line; {title} and {creators} are filled in"
    ),
    conditions: list[str] = typer.Option([], "--condition", help="A condition (repeatable)"),
    sub_uses: str | None = typer.Option(None, "--sub-uses", help="fine-tuning,rag (ai-train)"),
    by: list[str] = typer.Option([], "--by", help="Work offers: a party making it (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help='Print {"offer_id"}'),
    home: Path | None = HomeOption,
) -> None:
    """Offer works for licensing in advance: one work, a party's catalogue, or a scheme."""
    from consentry.licensing.terms import make_terms
    from consentry.registry.access import SYSTEM

    scope, subject = _scope(work, party, scheme)
    terms = make_terms(
        purposes=_csv(purposes),
        fee_model=fee_model,
        amount=amount,
        currency=currency,
        unit=unit,
        term_days=term_days,
        territory=territory,
        attribution=attribution,
        conditions=conditions,
        sub_uses=_csv(sub_uses),
    )
    with registry_for(home) as reg:
        made = reg.licensing.make_offer(SYSTEM, scope=scope, subject_id=subject, terms=terms, by=by)
    if as_json:
        echo_json({"offer_id": made.id})
        return
    t = made.terms
    fee = t.fee_model.value + (f" {t.amount}" if t.amount is not None else "")
    fee += f" {t.currency}" if t.currency else ("%" if t.fee_model.value == "revenue-share" else "")
    fee += f" per {t.unit.value[:-1]}" if t.unit else ""
    term = f"{t.term_days} days" if t.term_days else "no end"
    typer.echo(
        f"offer {made.id} ({made.scope.value} {made.subject_id}): "
        f"{', '.join(p.value for p in t.purposes)}; {fee}; {term}; {t.territory}"
    )


@licences_app.command("join")
@reports_errors
def join(
    offer_id: str = typer.Argument(..., help="The offer"),
    party: str = typer.Option(..., "--party", help="A further holder agreeing to it"),
    home: Path | None = HomeOption,
) -> None:
    """A further rights holder or creator of the offered works agrees to the offer."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        made = reg.licensing.join_offer(SYSTEM, offer_id, party_id=party)
    typer.echo(f"offer {made.id}: made or joined by {', '.join(made.parties)}")


@licences_app.command("withdraw")
@reports_errors
def withdraw(
    offer_id: str = typer.Argument(..., help="The offer"), home: Path | None = HomeOption
) -> None:
    """Withdraw an offer: no further requests or grants under it (grants made stand)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        made = reg.licensing.withdraw_offer(SYSTEM, offer_id)
    assert made.withdrawn_at is not None
    typer.echo(f"offer {made.id} withdrawn at {made.withdrawn_at.isoformat()}")


@licences_app.command("show")
@reports_errors
def show(
    offer_id: str = typer.Argument(..., help="The offer"), home: Path | None = HomeOption
) -> None:
    """An offer as JSON."""
    with registry_for(home) as reg:
        echo_json(reg.licensing.get_offer(offer_id).to_json())


@licences_app.command("request")
@reports_errors
def request(
    offer_id: str = typer.Argument(..., help="The offer"),
    developer: str = typer.Option(..., "--developer", help="Party id (role ai-developer)"),
    as_json: bool = typer.Option(False, "--json", help='Print {"request_id"}'),
    home: Path | None = HomeOption,
) -> None:
    """An AI developer requests a licence under an offer."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        req = reg.licensing.request(SYSTEM, offer_id, developer_id=developer)
    if as_json:
        echo_json({"request_id": req.id})
    else:
        typer.echo(f"request {req.id}: {req.developer_id} under offer {req.offer_id}")


@licences_app.command("grant")
@reports_errors
def grant(
    request_id: str = typer.Argument(..., help="The request"),
    as_json: bool = typer.Option(False, "--json", help='Print {"grant_id", "document"}'),
    home: Path | None = HomeOption,
) -> None:
    """Grant a request: a licence document signed with the registry's key."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        g = reg.licensing.grant(SYSTEM, request_id)
    if as_json:
        echo_json({"grant_id": g.id, "document": g.document})
        return
    until = g.valid_until.isoformat() if g.valid_until else "no end"
    typer.echo(
        f"grant {g.id} to {g.licensee_id}: {len(g.works)} work(s), "
        f"{', '.join(p.value for p in g.terms.purposes)} in {g.terms.territory}, "
        f"{g.valid_from.isoformat()} to {until}; ledger entry {g.ledger_seq}"
    )


@licences_app.command("revoke")
@reports_errors
def revoke(
    grant_id: str = typer.Argument(..., help="The grant"),
    reason: str | None = typer.Option(None, "--reason", help="Why (recorded in the ledger)"),
    home: Path | None = HomeOption,
) -> None:
    """Revoke a grant from now on (decisions asked for earlier times are unchanged)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        g = reg.licensing.revoke(SYSTEM, grant_id, reason=reason)
    assert g.revoked_at is not None
    typer.echo(f"grant {g.id} revoked at {g.revoked_at.isoformat()}")


@licences_app.command("export")
@reports_errors
def export(
    offer_id: str = typer.Argument(..., help="The offer"),
    fmt: str = typer.Option(..., "--format", help="odrl (JSON-LD Offer) or rsl (license.xml)"),
    url: str | None = typer.Option(None, "--url", help="RSL: the content URL it licenses"),
    request_url: str | None = typer.Option(
        None, "--request-url", help="RSL: where the licence is requested (<custom>)"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default stdout)"),
    home: Path | None = HomeOption,
) -> None:
    """An offer as an ODRL Offer (JSON-LD) or an RSL 1.0 license.xml."""
    import sys

    with registry_for(home) as reg:
        _, body = reg.licensing.export_offer(offer_id, fmt, url=url, request_url=request_url)
    if out is not None:
        out.write_bytes(body)
        typer.echo(f"wrote {out}", err=True)
        return
    sys.stdout.buffer.write(body if body.endswith(b"\n") else body + b"\n")


@schemes_app.command("create")
@reports_errors
def scheme_create(
    organisation: str = typer.Option(..., "--organisation", help="The organisation running it"),
    name: str = typer.Option(..., "--name", help="The scheme's name"),
    purposes: str = typer.Option(..., "--purposes", help="Purposes it licenses, comma-separated"),
    as_json: bool = typer.Option(False, "--json", help='Print {"scheme_id"}'),
    home: Path | None = HomeOption,
) -> None:
    """Create a collective scheme; members opt works in per work and purpose."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        s = reg.licensing.create_scheme(
            SYSTEM, organisation_id=organisation, name=name, purposes=_csv(purposes)
        )
    if as_json:
        echo_json({"scheme_id": s.id})
    else:
        typer.echo(f"scheme {s.id} ({s.name}) by {s.organisation_id}")


@schemes_app.command("opt-in")
@reports_errors
def scheme_opt_in(
    scheme_id: str = typer.Argument(..., help="The scheme"),
    work: str = typer.Option(..., "--work", help="The work"),
    purposes: str | None = typer.Option(None, "--purposes", help="Default: the scheme's"),
    party: str | None = typer.Option(
        None, "--party", help="The holder opting in (default: every holder and creator)"
    ),
    home: Path | None = HomeOption,
) -> None:
    """Opt a work into a scheme, per purpose."""
    _opt(scheme_id, work, purposes, party, home, out=False)


@schemes_app.command("opt-out")
@reports_errors
def scheme_opt_out(
    scheme_id: str = typer.Argument(..., help="The scheme"),
    work: str = typer.Option(..., "--work", help="The work"),
    purposes: str | None = typer.Option(None, "--purposes", help="Default: every purpose"),
    party: str | None = typer.Option(
        None, "--party", help="The holder opting out (default: every holder and creator)"
    ),
    home: Path | None = HomeOption,
) -> None:
    """Take a work out of a scheme, per purpose (grants already made stand)."""
    _opt(scheme_id, work, purposes, party, home, out=True)


def _opt(
    scheme_id: str,
    work: str,
    purposes: str | None,
    party: str | None,
    home: Path | None,
    *,
    out: bool,
) -> None:
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        act = reg.licensing.opt_out if out else reg.licensing.opt_in
        done = act(
            SYSTEM,
            scheme_id,
            work_id=work,
            purposes=_csv(purposes) if purposes is not None else None,
            party_id=party,
        )
    for o in done:
        now_in = ", ".join(p.value for p in o.purposes) or "nothing"
        typer.echo(f"{o.work_id}: {o.party_id} opted in to {o.scheme_id} for {now_in}")


@credits_app.command("record")
@reports_errors
def credits_record(
    grant_id: str = typer.Argument(..., help="The grant"),
    model: str = typer.Option(..., "--model", help="The model the works went into"),
    period: str = typer.Option(..., "--period", help="2026, 2026-Q1 or 2026-03"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per record"),
    home: Path | None = HomeOption,
) -> None:
    """The licensee records that a grant's works went into a model: signed credit records."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        records = reg.licensing.record_credits(SYSTEM, grant_id, model=model, period=period)
    for r in records:
        if as_json:
            echo_json(r.to_json())
        else:
            typer.echo(f"{r.work_id}  {r.period}  {r.credit_line}  (ledger {r.ledger_seq})")


@credits_app.command("show")
@reports_errors
def credits_show(
    work: str = typer.Option(..., "--work", help="The work"),
    as_json: bool = typer.Option(False, "--json", help="As JSON"),
    home: Path | None = HomeOption,
) -> None:
    """What credit does this work require?"""
    with registry_for(home) as reg:
        answer = reg.licensing.work_credit(work)
    if as_json:
        echo_json(answer)
        return
    if not answer["credits"]:
        typer.echo(f"{work} ({answer['title']}): no licence offered for it requires credit")
    for c in answer["credits"]:
        typer.echo(
            f'{work}: credit "{c["credit_line"]}" for {", ".join(c["purposes"])} '
            f"(offer {c['offer_id']}; grants: {', '.join(c['grants']) or 'none yet'})"
        )


@credits_app.command("export")
@reports_errors
def credits_export(
    model: str = typer.Option(..., "--model", help="The model"),
    fmt: str = typer.Option("markdown", "--format", help="markdown or json (for model cards)"),
    home: Path | None = HomeOption,
) -> None:
    """A model's credits for its model card (Markdown or JSON)."""
    from consentry.errors import ValidationError
    from consentry.licensing.credits import model_card_json, model_card_markdown

    if fmt not in ("markdown", "json"):
        raise ValidationError(
            f"--format {fmt!r} is not markdown or json",
            field="--format",
            value=fmt,
            expected="markdown or json",
        )
    with registry_for(home) as reg:
        records = reg.licensing.model_credits(model)
    if fmt == "json":
        echo_json(model_card_json(model, records))
    else:
        typer.echo(model_card_markdown(model, records), nl=False)
