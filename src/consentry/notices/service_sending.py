"""Use cases that send: queue (render once, store, record), deliver (one SMTP transaction per
message, recorded before and after), follow up, preview.

Resumability: a message is rendered and stored once, with its ``Message-ID``, before any
transaction. Before each transaction the attempt is committed (database and ledger); after
it, the reply. A run killed in between leaves the message ``queued`` with an attempt
started: the next run sends the same bytes with the same ``Message-ID`` again. So every
notice is delivered at least once, and a receiver that drops repeated Message-IDs sees it
exactly once (docs/notices.md, "What is guaranteed").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from consentry.errors import MandateError, NotFound, ValidationError
from consentry.notices import events
from consentry.notices.campaigns import Campaign, MessageState, Notice, NoticeEvent, NoticeMessage
from consentry.notices.eligibility import out_of_force
from consentry.notices.kinds import NoticeState
from consentry.notices.letters import (
    Addressee,
    Sender,
    followup_context,
    letter_context,
    sender_email,
)
from consentry.notices.message import Rendered, build_message, domain_of, message_id
from consentry.notices.ports import OutboxPort, RendererPort
from consentry.notices.repertoire import Attachments, RepertoireWork, parse_works_json
from consentry.notices.transport import DeliveryError, Transport, Unknown
from consentry.registry.access import Actor
from consentry.registry.mandates import Mandate
from consentry.registry.parties import Party

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What every letter of a campaign is made from, read once per run."""

    campaign: Campaign
    org: Party
    sender_email: str
    mandates: tuple[tuple[Mandate, str], ...]
    files: Attachments
    works: tuple[RepertoireWork, ...]


class SendingCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    outbox: OutboxPort

    if TYPE_CHECKING:  # defined by NoticeService (service.py)

        def ack_url(self, base_url: str, notice_id: str) -> str: ...

        def lookup_url(self, base_url: str, notice_id: str) -> str: ...

        def campaign(self, actor: Actor, campaign_id: str) -> Campaign: ...

    # ------------------------------------------------------------------ snapshot
    def snapshot(
        self,
        actor: Actor,
        campaign_id: str,
        renderer: RendererPort | None = None,
        *,
        check_mandates: bool = True,
    ) -> Snapshot:
        c = self.campaign(actor, campaign_id)
        if renderer is not None and renderer.fingerprint() != c.template_sha256:
            raise ValidationError(
                f"the templates of campaign {c.id} changed since it was created",
                field="--template",
                value=c.template_dir or "shipped templates",
                expected=f"templates with fingerprint {c.template_sha256[:16]}...: the ones "
                "the campaign was created with (create a new campaign for new templates)",
            )
        with self._uow(False) as uow:
            org = uow.parties.get(c.organisation_id)
            relied = {md: m for m, md, _ in uow.notices.members(c.id)}
            mandates = [m for m in uow.mandates.of_organisation(org.id) if m.id in relied]
            names = uow.parties.get_many(list(relied.values()))
        if check_mandates:
            _still_mandated(c, mandates, self.clock())
        files = self.outbox.read_attachments(c.id, c.attachments)
        pairs = tuple((m, names[m.member_id].name) for m in mandates)
        return Snapshot(
            c, org, sender_email(org), pairs, files, tuple(parse_works_json(files.works_json))
        )

    def _context(self, snap: Snapshot, n: Notice, dated: datetime) -> dict[str, Any]:
        c = snap.campaign
        return letter_context(
            kind=c.kind,
            notice_id=n.id,
            campaign_id=c.id,
            sender=Sender(snap.org.id, snap.org.name, snap.sender_email),
            addressee=Addressee(n.developer_id, n.developer_name, n.email),
            mandates=snap.mandates,
            works=snap.works,
            purposes=[p.value for p in c.purposes],
            territory=c.territory,
            dated=dated,
            deadline=c.deadline,
            lookup_url=self.lookup_url(c.base_url, n.id),
            ack_url=self.ack_url(c.base_url, n.id),
            repertoire_sha256=c.attachments["works.json"],
            attachments=[name for name, _, _ in snap.files.items()],
        )

    def render_notice(
        self,
        snap: Snapshot,
        n: Notice,
        renderer: RendererPort,
        dated: datetime,
        *,
        followup: int = 0,
    ) -> tuple[Rendered, bytes, str]:
        """The letter, the message bytes and the Message-ID of notice ``n`` (or of its
        follow-up number ``followup``)."""
        context = self._context(snap, n, dated)
        if followup:
            context = followup_context(
                context, number=followup, dated=dated, original_message_id=n.message_id
            )
        rendered = renderer.render(context, followup=bool(followup))
        mid = message_id(n.id, followup, domain_of(snap.sender_email)) if followup else n.message_id
        data = build_message(
            rendered=rendered,
            sender_name=snap.org.name,
            sender_email=snap.sender_email,
            to_name=n.developer_name,
            to_email=n.email or "",
            msg_id=mid,
            dated=dated,
            notice_id=n.id,
            campaign_id=snap.campaign.id,
            files=snap.files.items(),
            in_reply_to=n.message_id if followup else None,
        )
        return rendered, data, mid

    def preview(
        self, actor: Actor, campaign_id: str, renderer: RendererPort
    ) -> Iterator[tuple[Notice, Rendered, bytes, Attachments]]:
        """Every notice of the campaign rendered as it would be sent now (nothing recorded)."""
        snap = self.snapshot(actor, campaign_id, renderer, check_mandates=False)
        with self._uow(False) as uow:
            notices = uow.notices.notices(campaign_id=campaign_id)
        now = self.clock()
        for n in notices:
            rendered, data, _ = self.render_notice(snap, n, renderer, now)
            yield n, rendered, data, snap.files

    def preview_letter(
        self, actor: Actor, campaign_id: str, notice_id: str, renderer: RendererPort
    ) -> tuple[Notice, Rendered, list[str]]:
        """One notice's letter as it would be sent now, and the attachments its message
        carries (nothing recorded, no message built: the web page's preview)."""
        snap = self.snapshot(actor, campaign_id, renderer, check_mandates=False)
        with self._uow(False) as uow:
            n = uow.notices.notice(notice_id)
        if n.campaign_id != campaign_id:
            raise NotFound("notice", notice_id)
        rendered = renderer.render(self._context(snap, n, self.clock()))
        return n, rendered, [name for name, _, _ in snap.files.items()]

    # ------------------------------------------------------------------ queue
    def queue(self, actor: Actor, campaign_id: str, renderer: RendererPort) -> dict[str, Any]:
        """Render every drafted notice that has an address, store it, record it queued."""
        snap = self.snapshot(actor, campaign_id, renderer)
        with self._uow(False) as uow:
            drafted = [
                n
                for n in uow.notices.notices(campaign_id=campaign_id)
                if n.state is NoticeState.DRAFTED
            ]
        for n in (n for n in drafted if n.email):
            now = self.clock()
            _, data, mid = self.render_notice(snap, n, renderer, now)
            self._store_message(actor, snap.campaign.id, n, mid, 0, data)
        return {
            "queued": sum(1 for n in drafted if n.email),
            "no_address": [n.developer_id for n in drafted if not n.email],
        }

    def _store_message(
        self, actor: Actor, campaign_id: str, n: Notice, mid: str, number: int, data: bytes
    ) -> None:
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        self.outbox.write_message(campaign_id, mid, data)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            if uow.notices.message(mid) is not None:
                return  # queued by a run that died after storing: keep the first bytes
            uow.notices.add_message(
                NoticeMessage(
                    mid, n.id, number, MessageState.QUEUED, sha, len(data), 0, now, None, None, None
                )
            )
            if number == 0:
                uow.notices.update_notice(n.id, state=NoticeState.QUEUED)
            else:
                uow.notices.update_notice(n.id, followups=number)
            self._message_event(
                uow,
                "queued" if number == 0 else "followup_queued",
                n.id,
                mid,
                now,
                actor.label,
                eml_sha256=sha,
                size=len(data),
                number=number,
            )
            uow.commit()

    def _message_event(
        self,
        uow: SqlUnitOfWork,
        kind: str,
        notice_id: str,
        mid: str,
        at: datetime,
        actor: str,
        **detail: Any,
    ) -> None:
        entry = uow.ledger.append(
            *events.message_event(kind, notice_id, mid, **detail), actor=actor, at=at
        )
        uow.notices.add_event(
            NoticeEvent(notice_id, kind, at, actor, {"message_id": mid, **detail}, entry.seq)
        )

    # ------------------------------------------------------------------ deliver
    def deliver(self, actor: Actor, campaign_id: str, transport: Transport) -> dict[str, Any]:
        """Send every queued message of the campaign (notices and follow-ups), in order."""
        snap = self.snapshot(actor, campaign_id)
        with self._uow(False) as uow:
            notices = {n.id: n for n in uow.notices.notices(campaign_id=campaign_id)}
            pending = [
                m for m in uow.notices.messages(list(notices)) if m.state == MessageState.QUEUED
            ]
        counts = {"sent": 0, "refused": 0, "resent_unknown": 0}
        for m in sorted(pending, key=lambda m: (m.queued_at, m.number, m.message_id)):
            outcome = self._send_one(actor, snap, notices[m.notice_id], m, transport)
            counts[outcome] += 1
            if m.fate_unknown:
                counts["resent_unknown"] += 1
        return counts

    def _send_one(
        self, actor: Actor, snap: Snapshot, n: Notice, m: NoticeMessage, transport: Transport
    ) -> str:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            uow.notices.update_message(
                m.message_id, attempts=m.attempts + 1, attempt_started_at=now
            )
            self._message_event(
                uow,
                "attempt",
                n.id,
                m.message_id,
                now,
                actor.label,
                attempt=m.attempts + 1,
                after_unknown=m.fate_unknown,
            )
            uow.commit()
        data = self.outbox.read_message(snap.campaign.id, m.message_id, m.eml_sha256)
        try:
            reply = transport.send(snap.sender_email, n.email or "", data)
        except Unknown as exc:
            self._record(actor, n, m, "unknown", None, error=exc.message)
            raise
        if reply.accepted:
            self._record(actor, n, m, "sent", str(reply))
            return "sent"
        if reply.permanent:
            self._record(actor, n, m, "refused", str(reply))
            return "refused"
        self._record(actor, n, m, "deferred", str(reply))
        raise DeliveryError(
            f"the server deferred {m.message_id} ({reply}); run send again later: nothing was lost",
            message_id=m.message_id,
        )

    def _record(
        self, actor: Actor, n: Notice, m: NoticeMessage, kind: str, reply: str | None, **detail: Any
    ) -> None:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            if kind == "sent":
                uow.notices.update_message(
                    m.message_id, state=MessageState.SENT, sent_at=now, smtp_reply=reply
                )
                current = uow.notices.notice(n.id)
                if m.number == 0 and current.state is NoticeState.QUEUED:
                    uow.notices.update_notice(n.id, state=NoticeState.SENT, sent_at=now)
            elif kind == "refused":
                uow.notices.update_message(
                    m.message_id, state=MessageState.REFUSED, smtp_reply=reply
                )
                if m.number == 0:
                    uow.notices.update_notice(n.id, state=NoticeState.BOUNCED, bounced_at=now)
            self._message_event(
                uow, kind, n.id, m.message_id, now, actor.label, smtp_reply=reply, **detail
            )
            uow.commit()

    # ------------------------------------------------------------------ follow up
    def queue_followups(
        self, actor: Actor, campaign_id: str, renderer: RendererPort, *, every_days: int = 7
    ) -> list[str]:
        """Queue a reminder for each overdue notice, unless one was queued within
        ``every_days`` (a queued, unsent reminder is sent again by :meth:`deliver`)."""
        snap = self.snapshot(actor, campaign_id, renderer)
        now = self.clock()
        with self._uow(False) as uow:
            notices = uow.notices.notices(campaign_id=campaign_id)
            messages = uow.notices.messages([n.id for n in notices])
        latest: dict[str, datetime] = {}
        for m in messages:
            if m.number > 0:
                latest[m.notice_id] = max(latest.get(m.notice_id, m.queued_at), m.queued_at)
        out = []
        for n in notices:
            if n.shown_state(snap.campaign.deadline, now) is not NoticeState.OVERDUE:
                continue
            if n.id in latest and now - latest[n.id] < timedelta(days=every_days):
                continue
            number = n.followups + 1
            _, data, mid = self.render_notice(snap, n, renderer, now, followup=number)
            self._store_message(actor, campaign_id, n, mid, number, data)
            out.append(n.id)
        return out


def _still_mandated(c: Campaign, mandates: Sequence[Mandate], now: datetime) -> None:
    """Nothing is sent outside a mandate: every mandate the campaign relied on must still
    cover it now."""
    lapsed = out_of_force(mandates, c.purposes, c.territory, now)
    if lapsed:
        which = "; ".join(f"{m.id} (member {m.member_id}): {why}" for m, why in lapsed[:10])
        raise MandateError(
            f"campaign {c.id} relied on {len(lapsed)} mandate(s) that no longer cover it: "
            f"{which}; nothing was sent; create a new campaign for the members still mandated",
            campaign=c.id,
            mandates=[m.id for m, _ in lapsed],
        )
