"""Sending a campaign from the browser: a long job on a thread of the server, so the request
that starts it returns at once and the campaign page polls its progress (htmx).

The job does what ``POST /v1/notices/campaigns/{id}/send`` and ``consentry notices campaign
send`` do, through the same use cases: queue (render once, store, record) and deliver over
the server's ``CONSENTRY_SMTP_URL``. Sending is resumable (docs/notices.md), so a job lost
with its server process is finished by pressing "Send" again. One job per campaign at a
time in this process; what a finished job reported stays until the next one starts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import ConsentryError

if TYPE_CHECKING:
    from consentry.bootstrap import Registry
    from consentry.registry.access import Actor


@dataclass
class SendJob:
    campaign_id: str
    started_at: datetime
    running: bool = True
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


_jobs: dict[str, SendJob] = {}
_lock = threading.Lock()


def job(campaign_id: str) -> SendJob | None:
    with _lock:
        return _jobs.get(campaign_id)


def start_sending(
    reg: Registry, actor: Actor, campaign_id: str, *, followups: bool = False
) -> SendJob:
    """Check what can be checked at once (the actor may act for the campaign, the server
    has an SMTP URL), then send on a thread: the notices not yet sent, or (``followups``) a
    reminder to each overdue developer. A job already running is returned as is."""
    svc = reg.notices()
    svc.campaign(actor, campaign_id)  # PermissionDenied / NotFound before anything starts
    _smtp_url(reg)
    with _lock:
        current = _jobs.get(campaign_id)
        if current is not None and current.running:
            return current
        started = SendJob(campaign_id, svc.clock())
        _jobs[campaign_id] = started
        started.thread = threading.Thread(
            target=_run,
            args=(reg, actor, started, followups),
            name=f"send-{campaign_id}",
            daemon=True,
        )
        started.thread.start()
    return started


def _run(reg: Registry, actor: Actor, j: SendJob, followups: bool) -> None:
    try:
        counts = send_now(reg, actor, j.campaign_id, followups=followups)
    except ConsentryError as exc:
        error: str | None = exc.message
        counts = {}
    except Exception as exc:  # any failure of the thread is shown on the page
        error = f"{type(exc).__name__}: {exc}"
        counts = {}
    else:
        error = None
    with _lock:
        j.counts, j.error, j.running = counts, error, False


def send_now(
    reg: Registry, actor: Actor, campaign_id: str, *, followups: bool = False
) -> dict[str, Any]:
    """Queue and deliver, as the API's send route (or ``campaign followup``) does."""
    from pathlib import Path

    from consentry.notices.delivery import SmtpTransport, SmtpUrl
    from consentry.notices.render import LetterRenderer

    svc = reg.notices()
    c = svc.campaign(actor, campaign_id)
    renderer = LetterRenderer(None if c.template_dir is None else Path(c.template_dir))
    if followups:
        reminded = svc.queue_followups(actor, campaign_id, renderer)
        extra: dict[str, Any] = {"reminders": len(reminded)}
    else:
        extra = {"no_address": svc.queue(actor, campaign_id, renderer)["no_address"]}
    with SmtpTransport(SmtpUrl.parse(_smtp_url(reg))) as t:
        counts = svc.deliver(actor, campaign_id, t)
    return {**counts, **extra}


def _smtp_url(reg: Registry) -> str:
    from consentry.notices.transport import DeliveryError

    if not reg.settings.smtp_url:
        raise DeliveryError("this server has no CONSENTRY_SMTP_URL: it cannot send notices")
    return reg.settings.smtp_url
