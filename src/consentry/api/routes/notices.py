"""Notices: campaigns (organisations, for their mandated members), the notices developers
received, acknowledgements and answers; and, without a key, the pages behind a notice's
links (``/notices/ack/TOKEN``, ``/notices/works/TOKEN``)."""

from __future__ import annotations

import base64
import binascii
from html import escape
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from consentry.api.deps import ActorDep, RegistryDep
from consentry.api.notice_schemas import (
    AckOut,
    AnswerIn,
    CampaignCreatedOut,
    CampaignIn,
    CampaignStatusOut,
    NoticeOut,
)
from consentry.api.routes.common import CONFLICT, PROBLEMS, REQUIRE_KEY, field_as, json_response
from consentry.bootstrap import Registry
from consentry.errors import ConsentryError, ValidationError

router = APIRouter(
    prefix="/v1/notices", tags=["notices"], dependencies=REQUIRE_KEY, responses=PROBLEMS
)


def _request(reg: Registry, body: CampaignIn, base_url: str) -> Any:
    from consentry.notices.kinds import NoticeKind
    from consentry.notices.render import template_fingerprint
    from consentry.notices.service import CampaignRequest
    from consentry.registry.purposes import ALL_PURPOSES, Purpose
    from consentry.registry.territories import parse_territory

    purposes = []
    for n, p in enumerate(body.purposes or []):
        with field_as(f"purposes[{n}]"):
            purposes.append(Purpose.parse(p))
    with field_as("territory"):
        territory = parse_territory(body.territory)
    return CampaignRequest(
        organisation_id=body.organisation_id,
        kind=NoticeKind.parse(body.kind),
        purposes=tuple(purposes) or ALL_PURPOSES,
        developers=None if body.developers == "all" else tuple(body.developers),
        members=None if body.members == "all" else tuple(body.members),
        deadline_days=body.deadline_days,
        territory=territory,
        base_url=reg.settings.public_url or base_url,
        template_sha256=template_fingerprint(None),
    )


@router.post(
    "/campaigns",
    status_code=201,
    response_model=CampaignCreatedOut,
    summary="Create a campaign",
    responses=CONFLICT,
)
def create_campaign(
    body: CampaignIn, request: Request, actor: ActorDep, reg: RegistryDep
) -> Response:
    """An organisation for its own members (admins for any): only members whose mandate in
    force covers the purposes, territory and date are named; the others are listed with the
    reason. One notice per developer, drafted (shipped templates)."""
    req = _request(reg, body, str(request.base_url).rstrip("/"))
    return json_response(reg.notices().create_campaign(actor, req), 201)


@router.get("/campaigns", summary="Campaigns")
def list_campaigns(actor: ActorDep, reg: RegistryDep) -> Response:
    """Admins see all; an organisation sees its own."""
    items = [
        {
            "campaign_id": c.id,
            "organisation_id": c.organisation_id,
            "kind": c.kind.value,
            "created_at": c.created_at.isoformat(),
            "deadline": c.deadline.isoformat(),
            "works": c.works,
        }
        for c in reg.notices().campaigns(actor)
    ]
    return json_response({"items": items})


@router.get(
    "/campaigns/{campaign_id}",
    response_model=CampaignStatusOut,
    summary="A campaign and its notices' states",
)
def campaign_status(campaign_id: str, actor: ActorDep, reg: RegistryDep) -> Response:
    return json_response(reg.notices().status(actor, campaign_id))


@router.post("/campaigns/{campaign_id}/send", summary="Send a campaign's notices")
def send_campaign(campaign_id: str, actor: ActorDep, reg: RegistryDep) -> Response:
    """Queue and send every notice not yet accepted through the server's
    ``CONSENTRY_SMTP_URL`` (503 when none is set); resumable, as ``campaign send``."""
    from consentry.notices.delivery import SmtpTransport, SmtpUrl
    from consentry.notices.render import LetterRenderer
    from consentry.notices.transport import DeliveryError

    svc = reg.notices()
    c = svc.campaign(actor, campaign_id)
    if not reg.settings.smtp_url:
        raise DeliveryError("this server has no CONSENTRY_SMTP_URL: it cannot send notices")
    renderer = LetterRenderer(None if c.template_dir is None else _folder(c.template_dir))
    queued = svc.queue(actor, campaign_id, renderer)
    with SmtpTransport(SmtpUrl.parse(reg.settings.smtp_url)) as t:
        counts = svc.deliver(actor, campaign_id, t)
    return json_response({"campaign_id": campaign_id, **counts, "no_address": queued["no_address"]})


def _folder(path: str) -> Any:
    from pathlib import Path

    return Path(path)


@router.get("", summary="Notices")
def list_notices(actor: ActorDep, reg: RegistryDep) -> Response:
    """Developers: the notices addressed to them; organisations: those of their campaigns;
    admins: all."""
    return json_response({"items": reg.notices().notices_for(actor)})


@router.get("/{notice_id}", response_model=NoticeOut, summary="A notice")
def get_notice(notice_id: str, actor: ActorDep, reg: RegistryDep) -> Response:
    return json_response(reg.notices().notice(actor, notice_id))


@router.post(
    "/{notice_id}/acknowledge",
    response_model=AckOut,
    summary="Acknowledge a notice",
    responses=CONFLICT,
)
def acknowledge(notice_id: str, actor: ActorDep, reg: RegistryDep) -> Response:
    """The developer it is addressed to (or an admin); a second acknowledgement changes
    nothing (``already``)."""
    return json_response(reg.notices().acknowledge(actor, notice_id))


@router.post("/{notice_id}/answer", status_code=201, summary="Answer a notice", responses=CONFLICT)
def answer(notice_id: str, body: AnswerIn, actor: ActorDep, reg: RegistryDep) -> Response:
    """Free text and up to 10 files (base64, 5 MB each), kept with their SHA-256s."""
    files = []
    for n, f in enumerate(body.files):
        try:
            files.append((f.name, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise ValidationError(
                f"files[{n}].content_base64 is not base64",
                field=f"files[{n}].content_base64",
                value=f.name,
                expected="the file's bytes in base64",
            ) from None
    a = reg.notices().answer(actor, notice_id, body.text, files)
    return json_response(a.to_json(), 201)


# ---------------------------------------------------------------------- pages (no key)
def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{escape(title)}</title><meta name="robots" content="noindex"></head><body '
        f'style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def install_notice_pages(app: FastAPI) -> None:
    """``GET /notices/ack/TOKEN``: the notice named, with one button; ``POST`` (the button)
    records the acknowledgement. ``GET /notices/works/TOKEN``: the campaign's works.json."""

    @app.get("/notices/ack/{token}", include_in_schema=False)
    def ack_page(token: str, request: Request) -> HTMLResponse:
        reg: Registry = request.app.state.registry
        try:
            n = reg.notices().notice_by_token(token)
        except ConsentryError as exc:
            return _page("Link not valid", f"<p>{escape(exc.message)}</p>", exc.status)
        done = n["acknowledged_at"]
        body = (
            f"<p>Notice <code>{escape(n['notice_id'])}</code> ({escape(n['kind'])}) "
            f"from {escape(n['sender'])} to {escape(n['developer_name'])}.</p>"
        )
        if done:
            body += f"<p>Receipt was acknowledged at {escape(done)}.</p>"
        else:
            body += '<form method="post"><button type="submit">Acknowledge receipt</button></form>'
        return _page("Acknowledge a notice", body)

    @app.post("/notices/ack/{token}", include_in_schema=False)
    def ack_post(token: str, request: Request) -> HTMLResponse:
        reg: Registry = request.app.state.registry
        try:
            result = reg.notices().acknowledge_token(token)
        except ConsentryError as exc:
            return _page("Link not valid", f"<p>{escape(exc.message)}</p>", exc.status)
        return _page(
            "Receipt acknowledged",
            f"<p>Notice <code>{escape(result['notice_id'])}</code>: receipt "
            f"acknowledged at {escape(result['acknowledged_at'])}. Thank you.</p>",
        )

    @app.get("/notices/works/{token}", include_in_schema=False)
    def works_of_notice(token: str, request: Request) -> Response:
        reg: Registry = request.app.state.registry
        data = reg.notices().works_by_token(token)
        return Response(data, media_type="application/json")
