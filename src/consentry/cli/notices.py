"""``consentry notices ...``: campaigns of notices on members' behalf (docs/notices.md).

``campaign create|list|status|preview|send|followup``, ``ack TOKEN``, ``bounces import
MBOX``, ``evidence CAMPAIGN --out FILE.zip``, ``templates export DIR``. The CLI acts as the
registry's operator (admin); the API gives organisations and developers their own views.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import HomeOption, echo_json, registry_for, reports_errors
from consentry.errors import ValidationError

if TYPE_CHECKING:
    from consentry.bootstrap import Registry
    from consentry.notices.delivery import SmtpTransport
    from consentry.notices.render import LetterRenderer

notices_app = typer.Typer(
    help="Notices on members' behalf: campaigns, replies, evidence.", no_args_is_help=True
)
campaign_app = typer.Typer(
    help="Campaigns: create, preview, send, follow up, status.", no_args_is_help=True
)
bounces_app = typer.Typer(help="Delivery-status notifications.", no_args_is_help=True)
templates_app = typer.Typer(help="The letter templates.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    notices_app.add_typer(campaign_app, name="campaign")
    notices_app.add_typer(bounces_app, name="bounces")
    notices_app.add_typer(templates_app, name="templates")
    app.add_typer(notices_app, name="notices")


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None or value.strip().lower() == "all":
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _members_file(value: str | None) -> tuple[str, ...] | None:
    """``all`` or a file with one member a line (``party:ID``, an id or a name; a CSV's
    first column; lines starting with ``#`` and a ``member`` header are skipped)."""
    if value is None or value.strip().lower() == "all":
        return None
    import csv

    path = Path(value)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"--members {value!r} cannot be read: {exc}",
            field="--members",
            value=value,
            expected="all, or a UTF-8 file of members",
        ) from None
    rows = [r for r in csv.reader(text.splitlines()) if r and r[0].strip()]
    out = [r[0].strip() for r in rows if not r[0].startswith("#")]
    return tuple(out[1:] if out and out[0].lower() == "member" else out)


def _renderer(template: str | None, *, pdf: bool = True) -> LetterRenderer:
    from consentry.notices.render import LetterRenderer

    return LetterRenderer(Path(template) if template else None, pdf=pdf)


@campaign_app.command("create")
@reports_errors
def campaign_create(
    organisation: str = typer.Option(..., "--organisation", help="The member organisation"),
    kind: str = typer.Option(
        ..., "--kind", help="reservation, removal, compensation, transparency or licence-invitation"
    ),
    developers: str = typer.Option(..., "--developers", help="all, or ai-developer ids a,b"),
    purposes: str | None = typer.Option(None, "--purposes", help="p1,p2 (default: all)"),
    members: str = typer.Option("all", "--members", help="all, or a file of members"),
    deadline_days: int = typer.Option(30, "--deadline-days", help="Days to reply"),
    territory: str = typer.Option("WORLD", "--territory", help="WORLD or an ISO code"),
    template: str | None = typer.Option(None, "--template", help="Folder of templates"),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Registry address in links (CONSENTRY_PUBLIC_URL)"
    ),
    as_json: bool = typer.Option(False, "--json"),
    home: Path | None = HomeOption,
) -> None:
    """Draft one notice per developer naming the works of members under mandate."""
    from consentry.notices.kinds import NoticeKind
    from consentry.notices.service import CampaignRequest
    from consentry.registry.access import SYSTEM
    from consentry.registry.purposes import ALL_PURPOSES, Purpose
    from consentry.registry.territories import parse_territory

    renderer = _renderer(template, pdf=False)
    chosen = _split(purposes)
    with registry_for(home) as reg:
        req = CampaignRequest(
            organisation_id=organisation.removeprefix("party:"),
            kind=NoticeKind.parse(kind),
            purposes=tuple(Purpose.parse(p) for p in chosen) if chosen else ALL_PURPOSES,
            developers=_split(developers),
            members=_members_file(members),
            deadline_days=deadline_days,
            territory=parse_territory(territory, field="--territory"),
            base_url=base_url or reg.settings.base_url(),
            template_dir=str(Path(template).resolve()) if template else None,
            template_sha256=renderer.fingerprint(),
        )
        result = reg.notices().create_campaign(SYSTEM, req)
    if as_json:
        echo_json(result)
        return
    typer.echo(
        f"campaign {result['campaign_id']}: {result['notices']} notices, "
        f"{result['works']} works of {result['members']} members"
    )
    for e in result["excluded"]:
        typer.echo(f"  excluded {e['member']} {e['name']}: {e['reason']} ({e['detail']})")
    for d in result["developers_without_email"]:
        typer.echo(f"  developer {d} has no email address: its notice stays drafted")


@campaign_app.command("list")
@reports_errors
def campaign_list(
    as_json: bool = typer.Option(False, "--json"), home: Path | None = HomeOption
) -> None:
    """Every campaign, oldest first."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        campaigns = reg.notices().campaigns(SYSTEM)
    for c in campaigns:
        row = {
            "campaign_id": c.id,
            "organisation_id": c.organisation_id,
            "kind": c.kind.value,
            "created_at": c.created_at.isoformat(),
            "works": c.works,
        }
        if as_json:
            echo_json(row)
        else:
            typer.echo(
                f"{c.id}  {c.kind.value}  {c.organisation_id}  {c.works} works  "
                f"{c.created_at.isoformat()}"
            )


@campaign_app.command("status")
@reports_errors
def campaign_status(
    campaign_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    home: Path | None = HomeOption,
) -> None:
    """Each notice's state (overdue: sent, past the deadline, no acknowledgement)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        status = reg.notices().status(SYSTEM, campaign_id)
    if as_json:
        echo_json(status)
        return
    typer.echo(
        f"campaign {status['campaign_id']} ({status['kind']}), {status['works']} works, "
        f"deadline {status['deadline']}"
    )
    for n in status["notices"]:
        typer.echo(
            f"  {n['notice_id']}  {n['developer_name']:<24} {n['state']:<12} "
            f"{n['message_id']}  sent {n['sent_at'] or '-'}"
        )


@campaign_app.command("preview")
@reports_errors
def campaign_preview(
    campaign_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="Folder to write the notices to"),
    home: Path | None = HomeOption,
) -> None:
    """Render every notice (HTML, text, PDF, .eml, attachments) to a folder; nothing sent."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        svc = reg.notices()
        c = svc.campaign(SYSTEM, campaign_id)
        count = 0
        for n, rendered, eml, files in svc.preview(SYSTEM, campaign_id, _renderer(c.template_dir)):
            folder = out / f"{n.id}-{_slug(n.developer_name)}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "letter.html").write_text(rendered.html, encoding="utf-8")
            (folder / "letter.txt").write_text(rendered.text, encoding="utf-8")
            (folder / "letter.pdf").write_bytes(rendered.pdf)
            (folder / "message.eml").write_bytes(eml)
            for name, _, data in files.items():
                (folder / name).write_bytes(data)
            count += 1
    typer.echo(f"{count} notices rendered to {out}")


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "developer"


def _transport(reg: Registry) -> SmtpTransport:
    from consentry.notices.delivery import SmtpTransport, SmtpUrl

    if not reg.settings.smtp_url:
        raise ValidationError(
            "CONSENTRY_SMTP_URL is not set",
            field="CONSENTRY_SMTP_URL",
            value=None,
            expected="smtp://host:port, smtp+starttls://user:"
            "pass@host:port or smtps://user:pass@host:port",
        )
    return SmtpTransport(SmtpUrl.parse(reg.settings.smtp_url))


@campaign_app.command("send")
@reports_errors
def campaign_send(
    campaign_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    home: Path | None = HomeOption,
) -> None:
    """Send every notice not yet accepted, through CONSENTRY_SMTP_URL (resumable)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        svc = reg.notices()
        c = svc.campaign(SYSTEM, campaign_id)
        transport = _transport(reg)
        queued = svc.queue(SYSTEM, campaign_id, _renderer(c.template_dir))
        with transport as t:
            counts = svc.deliver(SYSTEM, campaign_id, t)
    result = {"campaign_id": campaign_id, **counts, "no_address": queued["no_address"]}
    if as_json:
        echo_json(result)
        return
    typer.echo(
        f"campaign {campaign_id}: {counts['sent']} sent, {counts['refused']} refused, "
        f"{counts['resent_unknown']} re-sent after an unknown outcome"
    )
    for d in queued["no_address"]:
        typer.echo(f"  developer {d} has no email address: not sent")


@campaign_app.command("followup")
@reports_errors
def campaign_followup(
    campaign_id: str = typer.Argument(...),
    every_days: int = typer.Option(7, "--every-days", help="At most one reminder per N days"),
    home: Path | None = HomeOption,
) -> None:
    """Send a reminder for each overdue notice (sent, past the deadline, no reply)."""
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        svc = reg.notices()
        c = svc.campaign(SYSTEM, campaign_id)
        transport = _transport(reg)
        queued = svc.queue_followups(
            SYSTEM, campaign_id, _renderer(c.template_dir), every_days=every_days
        )
        with transport as t:
            counts = svc.deliver(SYSTEM, campaign_id, t)
    typer.echo(f"campaign {campaign_id}: {len(queued)} reminders queued, {counts['sent']} sent")


@notices_app.command("ack")
@reports_errors
def notices_ack(
    token: str = typer.Argument(..., help="The token of the notice's ack link"),
    home: Path | None = HomeOption,
) -> None:
    """Record that the developer acknowledged a notice (the token from its link)."""
    with registry_for(home) as reg:
        result = reg.notices().acknowledge_token(token.rstrip("/").rpartition("/")[2])
    word = "already acknowledged" if result["already"] else "acknowledged"
    typer.echo(f"notice {result['notice_id']} {word} at {result['acknowledged_at']}")


@bounces_app.command("import")
@reports_errors
def bounces_import(
    mbox: Path = typer.Argument(..., help="An mbox of bounce messages"),
    as_json: bool = typer.Option(False, "--json"),
    home: Path | None = HomeOption,
) -> None:
    """Read delivery-status notifications; mark the notices they name bounced."""
    from consentry.notices.bounces import read_mbox

    found = read_mbox(mbox)
    marked: list[str] = []
    with registry_for(home) as reg:
        svc = reg.notices()
        for b in found:
            marked.extend(
                svc.record_bounce(
                    message_ids=b.message_ids,
                    recipients=b.recipients,
                    permanent=b.permanent,
                    detail=b.detail(),
                )
            )
    if as_json:
        echo_json({"messages": len(found), "notices": sorted(set(marked))})
    else:
        typer.echo(
            f"{len(found)} delivery-status notifications read; {len(set(marked))} notices updated"
        )


@notices_app.command("evidence")
@reports_errors
def notices_evidence(
    campaign_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="The bundle to write (.zip)"),
    home: Path | None = HomeOption,
) -> None:
    """Write the campaign's signed evidence bundle (check it with `consentry evidence verify`)."""
    from consentry.notices.evidence import write_bundle
    from consentry.notices.outbox import Outbox
    from consentry.registry.access import SYSTEM

    with registry_for(home) as reg:
        summary = write_bundle(
            reg.notices(),
            Outbox(reg.settings.home / "notices"),
            SYSTEM,
            campaign_id,
            out,
            signer=reg.signing_key,
            registry=reg.settings.registry_name,
        )
    typer.echo(
        f"{out}: {summary['files']} files of {summary['notices']} notices, listed in "
        f"manifest.json signed by the registry key (sha256 {summary['sha256']})"
    )


@templates_app.command("export")
@reports_errors
def templates_export(
    folder: Path = typer.Argument(..., help="Where to copy the templates"),
) -> None:
    """Copy the shipped letter templates to a folder, to edit and pass with --template."""
    import shutil

    from consentry.notices.render import BUILTIN

    if folder.exists() and any(folder.iterdir()):
        raise ValidationError(
            f"{folder} is not empty",
            field="folder",
            value=str(folder),
            expected="a new or empty folder",
        )
    shutil.copytree(BUILTIN, folder, dirs_exist_ok=True)
    typer.echo(f"templates copied to {folder}; edit them and pass --template {folder}")
