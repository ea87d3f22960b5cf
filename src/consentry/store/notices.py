"""Notice campaigns in the database: campaigns, members relied on, exclusions, notices,
their messages, the insert-only event history and answers. Rows never leave this module:
they are mapped to the values of ``consentry.notices.campaigns``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.notices.campaigns import (
    Answer,
    AnswerFile,
    Campaign,
    Notice,
    NoticeEvent,
    NoticeMessage,
)
from consentry.notices.kinds import NoticeKind, NoticeState
from consentry.registry.purposes import Purpose
from consentry.registry.terms import Declaration
from consentry.registry.works import CREATIVE_ROLES
from consentry.store import bulk_reads as bulk
from consentry.store.lookup_reads import declaration_from
from consentry.store.repositories import chunks
from consentry.store.tables import (
    CampaignExclusionRow,
    CampaignMemberRow,
    ContributorRow,
    HoldingRow,
    NoticeAnswerFileRow,
    NoticeAnswerRow,
    NoticeCampaignRow,
    NoticeEventRow,
    NoticeMessageRow,
    NoticeRow,
    table,
)


def _campaign(r: NoticeCampaignRow) -> Campaign:
    return Campaign(
        id=r.id,
        organisation_id=r.organisation_id,
        kind=NoticeKind(r.kind),
        purposes=tuple(Purpose(p) for p in r.purposes.split(",") if p),
        territory=r.territory,
        created_at=r.created_at,
        deadline=r.deadline,
        created_by=r.created_by,
        base_url=r.base_url,
        template_dir=r.template_dir,
        template_sha256=r.template_sha256,
        works=r.works,
        attachments=json.loads(r.attachments),
    )


def _notice(r: NoticeRow) -> Notice:
    return Notice(
        id=r.id,
        campaign_id=r.campaign_id,
        developer_id=r.developer_id,
        developer_name=r.developer_name,
        email=r.email,
        state=NoticeState(r.state),
        message_id=r.message_id,
        created_at=r.created_at,
        sent_at=r.sent_at,
        bounced_at=r.bounced_at,
        acknowledged_at=r.acknowledged_at,
        answered_at=r.answered_at,
        followups=r.followups,
    )


def _message(r: NoticeMessageRow) -> NoticeMessage:
    return NoticeMessage(
        message_id=r.message_id,
        notice_id=r.notice_id,
        number=r.number,
        state=r.state,
        eml_sha256=r.eml_sha256,
        eml_size=r.eml_size,
        attempts=r.attempts,
        queued_at=r.queued_at,
        attempt_started_at=r.attempt_started_at,
        sent_at=r.sent_at,
        smtp_reply=r.smtp_reply,
    )


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ------------------------------------------------------------------ campaigns
    def add_campaign(self, c: Campaign, *, ledger_seq: int | None = None) -> None:
        self.s.add(
            NoticeCampaignRow(
                id=c.id,
                organisation_id=c.organisation_id,
                kind=c.kind.value,
                purposes=",".join(p.value for p in c.purposes),
                territory=c.territory,
                created_at=c.created_at,
                deadline=c.deadline,
                created_by=c.created_by,
                base_url=c.base_url,
                template_dir=c.template_dir,
                template_sha256=c.template_sha256,
                works=c.works,
                attachments=json.dumps(c.attachments, sort_keys=True),
                ledger_seq=ledger_seq,
            )
        )
        self.s.flush()

    def set_campaign_seq(self, campaign_id: str, seq: int) -> None:
        self.s.execute(
            update(NoticeCampaignRow)
            .where(NoticeCampaignRow.id == campaign_id)
            .values(ledger_seq=seq)
        )

    def campaign_seq(self, campaign_id: str) -> int | None:
        return self.s.scalar(
            select(NoticeCampaignRow.ledger_seq).where(NoticeCampaignRow.id == campaign_id)
        )

    def add_members(self, campaign_id: str, rows: Sequence[tuple[str, str, int]]) -> None:
        values = [
            {"campaign_id": campaign_id, "member_id": m, "mandate_id": md, "works": n}
            for m, md, n in rows
        ]
        for part in chunks(values):
            self.s.execute(insert(table(CampaignMemberRow)), list(part))

    def add_exclusions(self, campaign_id: str, rows: Sequence[dict[str, str]]) -> None:
        values = [{"campaign_id": campaign_id, **r} for r in rows]
        for part in chunks(values):
            self.s.execute(insert(table(CampaignExclusionRow)), list(part))

    def campaign(self, campaign_id: str) -> Campaign:
        row = self.s.get(NoticeCampaignRow, campaign_id)
        if row is None:
            raise NotFound("campaign", campaign_id)
        return _campaign(row)

    def campaigns(self, organisation_id: str | None = None) -> list[Campaign]:
        q = select(NoticeCampaignRow).order_by(NoticeCampaignRow.created_at, NoticeCampaignRow.id)
        if organisation_id is not None:
            q = q.where(NoticeCampaignRow.organisation_id == organisation_id)
        return [_campaign(r) for r in self.s.scalars(q)]

    def campaigns_of_member(self, member_id: str) -> list[Campaign]:
        """The campaigns that named ``member_id`` (a member whose works they list)."""
        q = (
            select(NoticeCampaignRow)
            .join(CampaignMemberRow, CampaignMemberRow.campaign_id == NoticeCampaignRow.id)
            .where(CampaignMemberRow.member_id == member_id)
            .order_by(NoticeCampaignRow.created_at, NoticeCampaignRow.id)
        )
        return [_campaign(r) for r in self.s.scalars(q)]

    def members(self, campaign_id: str) -> list[tuple[str, str, int]]:
        """``(member_id, mandate_id, works)`` of the members a campaign relied on."""
        rows = self.s.execute(
            select(
                CampaignMemberRow.member_id, CampaignMemberRow.mandate_id, CampaignMemberRow.works
            )
            .where(CampaignMemberRow.campaign_id == campaign_id)
            .order_by(CampaignMemberRow.member_id)
        )
        return [(m, md, n) for m, md, n in rows]

    def exclusions(self, campaign_id: str) -> list[dict[str, str]]:
        rows = self.s.scalars(
            select(CampaignExclusionRow)
            .where(CampaignExclusionRow.campaign_id == campaign_id)
            .order_by(CampaignExclusionRow.id)
        )
        return [
            {"member": r.member, "name": r.name, "reason": r.reason, "detail": r.detail}
            for r in rows
        ]

    # ------------------------------------------------------------------ notices
    def add_notices(self, notices: Sequence[Notice]) -> None:
        for n in notices:
            self.s.add(
                NoticeRow(
                    id=n.id,
                    campaign_id=n.campaign_id,
                    developer_id=n.developer_id,
                    developer_name=n.developer_name,
                    email=n.email,
                    state=n.state.value,
                    message_id=n.message_id,
                    created_at=n.created_at,
                    followups=0,
                )
            )
        self.s.flush()

    def notice(self, notice_id: str, *, for_update: bool = False) -> Notice:
        q = select(NoticeRow).where(NoticeRow.id == notice_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).one_or_none()
        if row is None:
            raise NotFound("notice", notice_id)
        return _notice(row)

    def notices(
        self,
        *,
        campaign_id: str | None = None,
        developer_id: str | None = None,
        campaign_ids: Sequence[str] | None = None,
    ) -> list[Notice]:
        q = select(NoticeRow).order_by(NoticeRow.created_at, NoticeRow.id)
        if campaign_id is not None:
            q = q.where(NoticeRow.campaign_id == campaign_id)
        if developer_id is not None:
            q = q.where(NoticeRow.developer_id == developer_id)
        if campaign_ids is not None:
            q = q.where(NoticeRow.campaign_id.in_(list(campaign_ids)))
        return [_notice(r) for r in self.s.scalars(q)]

    def update_notice(self, notice_id: str, **values: Any) -> None:
        if "state" in values and isinstance(values["state"], NoticeState):
            values["state"] = values["state"].value
        self.s.execute(update(NoticeRow).where(NoticeRow.id == notice_id).values(**values))

    # ------------------------------------------------------------------ messages
    def add_message(self, m: NoticeMessage) -> None:
        self.s.add(
            NoticeMessageRow(
                message_id=m.message_id,
                notice_id=m.notice_id,
                number=m.number,
                state=m.state,
                eml_sha256=m.eml_sha256,
                eml_size=m.eml_size,
                attempts=m.attempts,
                queued_at=m.queued_at,
                attempt_started_at=m.attempt_started_at,
                sent_at=m.sent_at,
                smtp_reply=m.smtp_reply,
            )
        )
        self.s.flush()

    def message(self, message_id: str) -> NoticeMessage | None:
        row = self.s.get(NoticeMessageRow, message_id)
        return _message(row) if row else None

    def messages(self, notice_ids: Sequence[str]) -> list[NoticeMessage]:
        out: list[NoticeMessage] = []
        for part in chunks(list(notice_ids)):
            q = (
                select(NoticeMessageRow)
                .where(NoticeMessageRow.notice_id.in_(part))
                .order_by(NoticeMessageRow.notice_id, NoticeMessageRow.number)
            )
            out.extend(_message(r) for r in self.s.scalars(q))
        return out

    def update_message(self, message_id: str, **values: Any) -> None:
        self.s.execute(
            update(NoticeMessageRow)
            .where(NoticeMessageRow.message_id == message_id)
            .values(**values)
        )

    # ------------------------------------------------------------------ events, answers
    def add_event(self, e: NoticeEvent) -> None:
        self.s.add(
            NoticeEventRow(
                notice_id=e.notice_id,
                kind=e.kind,
                at=e.at,
                actor=e.actor,
                detail=json.dumps(e.detail, sort_keys=True, ensure_ascii=False),
                ledger_seq=e.ledger_seq,
            )
        )

    def events(self, notice_ids: Sequence[str]) -> list[NoticeEvent]:
        out: list[NoticeEvent] = []
        for part in chunks(list(notice_ids)):
            q = (
                select(NoticeEventRow)
                .where(NoticeEventRow.notice_id.in_(part))
                .order_by(NoticeEventRow.id)
            )
            out.extend(
                NoticeEvent(r.notice_id, r.kind, r.at, r.actor, json.loads(r.detail), r.ledger_seq)
                for r in self.s.scalars(q)
            )
        return out

    def add_answer(self, a: Answer, files: Sequence[tuple[str, str, bytes]]) -> None:
        self.s.add(
            NoticeAnswerRow(id=a.id, notice_id=a.notice_id, at=a.at, actor=a.actor, text=a.text)
        )
        self.s.flush()
        for name, sha, content in files:
            self.s.add(NoticeAnswerFileRow(answer_id=a.id, name=name, sha256=sha, content=content))
        self.s.flush()

    def answers(self, notice_ids: Sequence[str]) -> list[Answer]:
        out: list[Answer] = []
        for part in chunks(list(notice_ids)):
            rows = list(
                self.s.scalars(
                    select(NoticeAnswerRow)
                    .where(NoticeAnswerRow.notice_id.in_(part))
                    .order_by(NoticeAnswerRow.at, NoticeAnswerRow.id)
                )
            )
            files: dict[str, list[AnswerFile]] = defaultdict(list)
            ids = [r.id for r in rows]
            if ids:
                for f in self.s.scalars(
                    select(NoticeAnswerFileRow)
                    .where(NoticeAnswerFileRow.answer_id.in_(ids))
                    .order_by(NoticeAnswerFileRow.id)
                ):
                    files[f.answer_id].append(AnswerFile(f.name, f.sha256, len(f.content)))
            out.extend(
                Answer(r.id, r.notice_id, r.at, r.actor, r.text, tuple(files[r.id])) for r in rows
            )
        return out

    def answer_file(self, answer_id: str, name: str) -> bytes:
        row = self.s.scalars(
            select(NoticeAnswerFileRow)
            .where(NoticeAnswerFileRow.answer_id == answer_id)
            .where(NoticeAnswerFileRow.name == name)
        ).first()
        if row is None:
            raise NotFound("answer file", f"{answer_id}/{name}")
        return bytes(row.content)

    # ------------------------------------------------------------------ repertoire reads
    def works_of_parties(self, party_ids: Sequence[str]) -> dict[str, list[str]]:
        """Per party, the works it holds rights in or created (sorted, no repeats)."""
        out: dict[str, set[str]] = defaultdict(set)
        creative = [r.value for r in CREATIVE_ROLES]
        for part in chunks(list(dict.fromkeys(party_ids))):
            for pid, wid in self.s.execute(
                select(HoldingRow.party_id, HoldingRow.work_id).where(HoldingRow.party_id.in_(part))
            ):
                out[pid].add(wid)
            for pid, wid in self.s.execute(
                select(ContributorRow.party_id, ContributorRow.work_id)
                .where(ContributorRow.party_id.in_(part))
                .where(ContributorRow.role.in_(creative))
            ):
                out[pid].add(wid)
        return {p: sorted(ws) for p, ws in out.items()}

    def titles_and_identifiers(
        self, work_ids: Sequence[str]
    ) -> dict[str, tuple[str, tuple[str, ...]]]:
        titles: dict[str, str] = {}
        idents: dict[str, list[str]] = defaultdict(list)
        for part in chunks(list(work_ids)):
            for wid, title in bulk.TITLES.rows(self.s, part, "id", "title"):
                titles[wid] = title
            for wid, ident in bulk.WORK_IDENTIFIERS.rows(self.s, part, "work_id", "identifier"):
                idents[wid].append(ident)
        return {w: (t, tuple(sorted(idents[w]))) for w, t in titles.items()}

    def declarations_of(
        self, work_ids: Sequence[str], party_ids: Sequence[str]
    ) -> list[Declaration]:
        """Declarations on ``work_ids`` and the catalogue-wide ones of ``party_ids``."""
        names = bulk.DECLARATION_FIELDS
        out: list[Declaration] = []
        for part in chunks(list(work_ids)):
            out.extend(
                declaration_from(v) for v in bulk.DECLARATIONS_OF_WORKS.rows(self.s, part, *names)
            )
        for part in chunks(list(dict.fromkeys(party_ids))):
            out.extend(
                declaration_from(v) for v in bulk.CATALOGUE_DECLARATIONS.rows(self.s, part, *names)
            )
        return out
