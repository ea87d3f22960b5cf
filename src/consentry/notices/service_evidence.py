"""What a campaign's evidence bundle holds, read in one transaction (the bundle itself is
written by ``evidence.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.ledger.chain import LedgerEntry
from consentry.notices.campaigns import Campaign, NoticeEvent
from consentry.registry.access import Actor
from consentry.registry.mandates import Mandate

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


class EvidenceCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    if TYPE_CHECKING:  # defined by NoticeService (service.py)

        def campaign(self, actor: Actor, campaign_id: str) -> Campaign: ...

        def status(self, actor: Actor, campaign_id: str) -> dict[str, Any]: ...

    def history(self, actor: Actor, campaign_id: str) -> tuple[Campaign, list[NoticeEvent]]:
        """The campaign and every event of its notices' histories, in the order recorded."""
        c = self.campaign(actor, campaign_id)
        with self._uow(False) as uow:
            ids = [n.id for n in uow.notices.notices(campaign_id=c.id)]
            return c, uow.notices.events(ids) if ids else []

    def evidence_records(self, actor: Actor, campaign_id: str) -> dict[str, Any]:
        """Everything the bundle records, as JSON values; messages with their hashes (the
        bytes are in the outbox)."""
        c = self.campaign(actor, campaign_id)
        status = self.status(actor, campaign_id)
        with self._uow(False) as uow:
            notices = uow.notices.notices(campaign_id=c.id)
            ids = [n.id for n in notices]
            relied = {md for _, md, _ in uow.notices.members(c.id)}
            mandates = [
                m for m in uow.mandates.of_organisation(c.organisation_id) if m.id in relied
            ]
            messages = uow.notices.messages(ids)
            events = uow.notices.events(ids)
            answers = uow.notices.answers(ids)
            files = {
                (a.id, f.name): uow.notices.answer_file(a.id, f.name)
                for a in answers
                for f in a.files
            }
            seqs = sorted(
                {e.ledger_seq for e in events if e.ledger_seq}
                | {s for s in [_campaign_seq(uow, c.id)] if s}
            )
            entries = [uow.ledger.entry(s) for s in seqs]
        return {
            "campaign": status
            | {
                "attachments": c.attachments,
                "template_sha256": c.template_sha256,
                "created_by": c.created_by,
                "base_url": c.base_url,
            },
            "mandates": [_mandate_json(m) for m in mandates],
            "messages": [_message_json(m) for m in messages],
            "events": [
                {
                    "notice_id": e.notice_id,
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "detail": e.detail,
                    "ledger_seq": e.ledger_seq,
                }
                for e in events
            ],
            "answers": [a.to_json() for a in answers],
            "answer_files": files,
            "ledger": [asdict(e) for e in entries if isinstance(e, LedgerEntry)],
        }


def _campaign_seq(uow: SqlUnitOfWork, campaign_id: str) -> int | None:
    return uow.notices.campaign_seq(campaign_id)


def _message_json(m: Any) -> dict[str, Any]:
    return {
        "message_id": m.message_id,
        "notice_id": m.notice_id,
        "number": m.number,
        "state": m.state,
        "eml_sha256": m.eml_sha256,
        "eml_size": m.eml_size,
        "attempts": m.attempts,
        "queued_at": m.queued_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        "smtp_reply": m.smtp_reply,
    }


def _mandate_json(m: Mandate) -> dict[str, Any]:
    return {
        "mandate_id": m.id,
        "member_id": m.member_id,
        "purposes": sorted(p.value for p in m.purposes),
        "territories": sorted(m.territories),
        "valid_from": m.valid_from.isoformat(),
        "valid_until": m.valid_until.isoformat() if m.valid_until else None,
        "withdrawn_at": m.withdrawn_at.isoformat() if m.withdrawn_at else None,
        "evidence": m.evidence,
    }
