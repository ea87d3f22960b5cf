"""Campaigns of notices: the builder (kind, purposes, developers, members), the campaign page
(states over time, every notice and its replies, the send button and its progress) and the
preview of one developer's letter exactly as it will be sent.

Everything goes through ``NoticeService`` (docs/notices.md) with the signed-in user's actor:
who is named, what is sent and who may see a campaign are its rules, not this module's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from consentry.errors import ConsentryError
from consentry.web.organisation_sending import job, start_sending
from consentry.web.organisation_views import (
    OrgUser,
    field_error,
    organisation_of,
    registry_of,
    when,
)
from consentry.web.session import WebUser, read_form
from consentry.web.templating import redirect, render, secure_headers

router = APIRouter(prefix="/campaigns")  # included by organisation.py under /organisation
BUILDER_FIELDS = {"kind", "purposes", "territory", "deadline_days", "developers", "members"}


# ---------------------------------------------------------------------- builder
def _choices(request: Request, user: WebUser) -> dict[str, Any]:
    """What the builder offers: kinds, purposes, the developer directory, the members that
    ever mandated the organisation (with whether a mandate is in force now)."""
    from consentry.notices.kinds import SUBJECTS, NoticeKind
    from consentry.registry.purposes import ALL_PURPOSES

    reg = registry_of(request)
    actor = user.actor
    developers = [
        {
            "id": d.party.id,
            "name": d.party.name,
            "email": next((c.value for c in d.party.contacts if c.kind == "email"), None),
        }
        for d in reg.service.list_developers(actor)
    ]
    now = reg.service.clock()
    members: dict[str, dict[str, Any]] = {}
    for m, name in reg.service.mandates_with_names(actor, organisation_of(user)):
        row = members.setdefault(m.member_id, {"id": m.member_id, "name": name, "live": False})
        row["live"] = row["live"] or m.in_force(now)
    return {
        "kinds": [(k.value, SUBJECTS[k]) for k in NoticeKind],
        "purposes": [p.value for p in ALL_PURPOSES],
        "developers": developers,
        "members": list(members.values()),
    }


def _defaults() -> dict[str, Any]:
    from consentry.registry.purposes import ALL_PURPOSES

    return {
        "kind": "reservation",
        "purposes": [p.value for p in ALL_PURPOSES],
        "territory": "WORLD",
        "deadline_days": "30",
        "developers_mode": "selected",
        "developers": [],
        "members_mode": "all",
        "members": [],
    }


def _builder(
    request: Request,
    user: WebUser,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "organisation/campaign_new.html",
        status_code=status,
        values=values,
        errors=errors,
        **_choices(request, user),
    )


@router.get("/new", name="organisation_campaign_new")
def campaign_new(request: Request, user: OrgUser) -> HTMLResponse:
    return _builder(request, user, _defaults(), {})


def _typed(form: FormData) -> dict[str, Any]:
    return {
        "kind": str(form.get("kind") or ""),
        "purposes": [str(v) for v in form.getlist("purposes")],
        "territory": str(form.get("territory") or "").strip(),
        "deadline_days": str(form.get("deadline_days") or "").strip(),
        "developers_mode": str(form.get("developers_mode") or "selected"),
        "developers": [str(v) for v in form.getlist("developers")],
        "members_mode": str(form.get("members_mode") or "all"),
        "members": [str(v) for v in form.getlist("members")],
    }


def _campaign_request(request: Request, user: WebUser, v: dict[str, Any]) -> Any:
    """The service's CampaignRequest from the typed values; a value the form cannot have
    produced is a ValidationError naming its field."""
    from consentry.errors import ValidationError
    from consentry.notices.kinds import NoticeKind
    from consentry.notices.render import template_fingerprint
    from consentry.notices.service import CampaignRequest
    from consentry.registry.purposes import Purpose
    from consentry.registry.territories import parse_territory

    reg = registry_of(request)
    try:
        days = int(v["deadline_days"])
    except ValueError:
        raise ValidationError(
            f"{v['deadline_days']!r} is not a number of days",
            field="deadline_days",
            value=v["deadline_days"],
            expected="a whole number of days, 1 to 3650",
        ) from None
    purposes = tuple(Purpose.parse(p) for p in v["purposes"])
    developers = None if v["developers_mode"] == "all" else tuple(v["developers"])
    if developers == ():
        raise ValidationError(
            "no developer chosen",
            field="developers",
            value=[],
            expected="all developers, or at least one ticked",
        )
    members = None if v["members_mode"] == "all" else tuple(v["members"])
    if members == ():
        raise ValidationError(
            "no member chosen", field="members", value=[], expected="all, or at least one ticked"
        )
    return CampaignRequest(
        organisation_id=organisation_of(user),
        kind=NoticeKind.parse(v["kind"]),
        purposes=purposes,
        developers=developers,
        members=members,
        deadline_days=days,
        territory=parse_territory(v["territory"] or "WORLD", field="territory"),
        base_url=reg.settings.public_url or str(request.base_url).rstrip("/"),
        template_sha256=template_fingerprint(None),
    )


@router.post("", name="organisation_campaign_create")
async def campaign_create(request: Request, user: OrgUser) -> Response:
    """Create the campaign (drafted, nothing sent) and show it: its exclusions, its notices
    and a preview link per developer."""
    form = await read_form(request)
    values = _typed(form)

    def create() -> str:
        req = _campaign_request(request, user, values)
        created: dict[str, Any] = registry_of(request).notices().create_campaign(user.actor, req)
        return str(created["campaign_id"])

    try:
        campaign_id = await run_in_threadpool(create)
    except ConsentryError as exc:
        if exc.status == 403:
            raise
        errors = field_error(exc, BUILDER_FIELDS, "form")
        return await run_in_threadpool(_builder, request, user, values, errors, 422)
    return redirect(
        request,
        f"/organisation/campaigns/{campaign_id}",
        flash="Campaign created. Nothing is sent yet: preview the letters, then send.",
    )


# ---------------------------------------------------------------------- campaign page
@router.get("", name="organisation_campaigns")
def campaigns(request: Request, user: OrgUser) -> HTMLResponse:
    listed = registry_of(request).notices().campaigns(user.actor)
    rows = [
        {
            "id": c.id,
            "kind": c.kind.value,
            "created": when(c.created_at),
            "deadline": when(c.deadline),
            "works": c.works,
        }
        for c in sorted(listed, key=lambda c: (c.created_at, c.id), reverse=True)
    ]
    return render(request, "organisation/campaigns.html", campaigns=rows)


def _states(request: Request, user: WebUser, campaign_id: str) -> dict[str, Any]:
    """The campaign's status, its notices with their replies, the states-by-day chart and
    the sending job's progress."""
    from consentry.notices.timeline import STATE_ORDER, state_changes, states_by_day
    from consentry.web.charts import stacked_over_time

    svc = registry_of(request).notices()
    status = svc.status(user.actor, campaign_id)
    campaign, events = svc.history(user.actor, campaign_id)
    points = states_by_day(events, deadline=campaign.deadline, now=svc.clock())
    series = {
        s.value: [p.counts[s] for p in points]
        for s in STATE_ORDER
        if any(p.counts[s] for p in points)
    }
    chart = stacked_over_time(
        [p.day for p in points],
        series,
        title=f"Notices of campaign {campaign_id} by state, day by day",
        description="Each column counts the campaign's notices in each state at the end "
        "of the day.",
        ident=f"states-{campaign_id}",
    )
    notices = status["notices"]
    moves = state_changes(events)
    for n in notices:
        n["answers"] = svc.notice(user.actor, n["notice_id"])["answers"] if n["answered_at"] else []
        n["history"] = [(when(at), state.value) for at, state in moves.get(n["notice_id"], [])]
    sending = job(campaign_id)
    to_send = [n for n in notices if n["email"] and n["state"] in ("drafted", "queued")]
    return {
        "campaign": status,
        "notices": notices,
        "chart": chart,
        "job": sending,
        "running": bool(sending and sending.running),
        "can_send": bool(to_send) and not (sending and sending.running),
        "overdue": sum(1 for n in notices if n["state"] == "overdue"),
        "sent_count": sum(1 for n in notices if n["sent_at"]),
        "addressed": sum(1 for n in notices if n["email"]),
        "smtp": bool(registry_of(request).settings.smtp_url),
        "when": when,
    }


@router.get("/{campaign_id}", name="organisation_campaign")
def campaign_page(request: Request, campaign_id: str, user: OrgUser) -> HTMLResponse:
    return render(request, "organisation/campaign.html", **_states(request, user, campaign_id))


@router.get("/{campaign_id}/states", name="organisation_campaign_states")
def campaign_states(request: Request, campaign_id: str, user: OrgUser) -> HTMLResponse:
    """The part of the campaign page that changes while it is sent (htmx polls it)."""
    return render(
        request, "organisation/_campaign_states.html", **_states(request, user, campaign_id)
    )


@router.post("/{campaign_id}/send", name="organisation_campaign_send")
async def campaign_send(request: Request, campaign_id: str, user: OrgUser) -> Response:
    """Send the notices not yet sent, or (``followups``) remind the overdue developers."""
    form = await read_form(request)
    followups = form.get("followups") == "yes"
    await run_in_threadpool(
        lambda: start_sending(registry_of(request), user.actor, campaign_id, followups=followups)
    )
    what = "Sending the reminders." if followups else "Sending started."
    return redirect(request, f"/organisation/campaigns/{campaign_id}", flash=what)


@router.get("/{campaign_id}/evidence.zip", name="organisation_campaign_evidence")
def campaign_evidence(request: Request, campaign_id: str, user: OrgUser) -> Response:
    """The campaign's signed evidence bundle, as ``consentry notices evidence`` writes it
    (check it with ``consentry evidence verify FILE.zip``)."""
    from consentry.notices.evidence import build_bundle
    from consentry.notices.outbox import Outbox

    reg = registry_of(request)
    data, _ = build_bundle(
        reg.notices(),
        Outbox(reg.settings.home / "notices"),
        user.actor,
        campaign_id,
        signer=reg.signing_key,
        registry=reg.settings.registry_name,
    )
    return secure_headers(
        request,
        Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{campaign_id}-evidence.zip"'},
        ),
    )


# ---------------------------------------------------------------------- preview
def _rendered(request: Request, user: WebUser, campaign_id: str, notice_id: str) -> Any:
    """The notice's letter rendered by the send path (PDF left out), nothing recorded."""
    from pathlib import Path

    from consentry.notices.render import LetterRenderer

    svc = registry_of(request).notices()
    c = svc.campaign(user.actor, campaign_id)
    renderer = LetterRenderer(None if c.template_dir is None else Path(c.template_dir), pdf=False)
    return svc.preview_letter(user.actor, campaign_id, notice_id, renderer)


@router.get("/{campaign_id}/notices/{notice_id}/preview", name="organisation_letter_preview")
def letter_preview(
    request: Request, campaign_id: str, notice_id: str, user: OrgUser
) -> HTMLResponse:
    """Before sending: the letter as it will be sent; after: the letter as it was sent."""
    n, rendered, attachments = _rendered(request, user, campaign_id, notice_id)
    sent = registry_of(request).notices().letter(user.actor, notice_id)
    return render(
        request,
        "organisation/letter_preview.html",
        campaign_id=campaign_id,
        notice=n,
        letter=rendered,
        text=sent if sent is not None else rendered.text,
        as_sent=sent is not None,
        attachments=attachments,
    )


@router.get("/{campaign_id}/notices/{notice_id}/letter.html", name="organisation_letter_html")
def letter_html(request: Request, campaign_id: str, notice_id: str, user: OrgUser) -> Response:
    """The HTML body of the letter, as the message carries it: its own inline styles and
    nothing else (no script, no request to anywhere)."""
    _, rendered, _ = _rendered(request, user, campaign_id, notice_id)
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    return secure_headers(
        request, HTMLResponse(rendered.html, headers={"Content-Security-Policy": csp})
    )
