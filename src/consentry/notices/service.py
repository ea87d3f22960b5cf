"""Use cases of notice campaigns: create, read, acknowledge, answer, bounces.

Each public method is one use case in one transaction (or one per message when sending:
``service_sending.py``); every change appends a ledger event in the same transaction and a
row to the notice's insert-only history. Time and ids are injected; files go through the
outbox port, letters through the renderer port.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from consentry.errors import Conflict, NotFound, PermissionDenied, ValidationError
from consentry.notices import events
from consentry.notices.campaigns import Answer, Campaign, Notice, NoticeEvent, check_answer
from consentry.notices.eligibility import NO_WORKS, Eligible, Excluded, Member, select_members
from consentry.notices.kinds import MAY_ACKNOWLEDGE, NoticeKind, NoticeState
from consentry.notices.letters import email_of, sender_email
from consentry.notices.message import domain_of, message_id
from consentry.notices.ports import OutboxPort
from consentry.notices.repertoire import MemberTerms, RepertoireWork, attachments
from consentry.notices.service_evidence import EvidenceCases
from consentry.notices.service_member import MemberReads
from consentry.notices.service_removals import open_removals
from consentry.notices.service_sending import SendingCases
from consentry.notices.tokens import make_token, read_token
from consentry.registry.access import Actor, Role
from consentry.registry.decisions import terms_for
from consentry.registry.mandates import WORLD
from consentry.registry.parties import Party, PartyRole
from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.registry.terms import Declaration

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class CampaignRequest:
    organisation_id: str
    kind: NoticeKind
    purposes: tuple[Purpose, ...] = ALL_PURPOSES
    developers: tuple[str, ...] | None = None  # None: every ai-developer party
    members: tuple[str, ...] | None = None  # None: every member with a mandate, in any state
    deadline_days: int = 30
    territory: str = WORLD
    base_url: str = "http://127.0.0.1:8000"
    template_dir: str | None = None
    template_sha256: str = ""


class NoticeService(SendingCases, EvidenceCases, MemberReads):
    def __init__(
        self,
        uow: Callable[[bool], SqlUnitOfWork],
        *,
        clock: Callable[[], datetime],
        ids: Callable[[str], str],
        sign: Callable[[bytes], bytes],
        verify: Callable[[bytes, bytes], bool],
        outbox: OutboxPort,
    ) -> None:
        self._uow = uow
        self.clock = clock
        self.ids = ids
        self._sign = sign
        self._verify = verify
        self.outbox = outbox

    # ------------------------------------------------------------------ tokens and links
    def token(self, notice_id: str) -> str:
        return make_token(notice_id, self._sign)

    def ack_url(self, base_url: str, notice_id: str) -> str:
        return f"{base_url.rstrip('/')}/notices/ack/{self.token(notice_id)}"

    def lookup_url(self, base_url: str, notice_id: str) -> str:
        return f"{base_url.rstrip('/')}/notices/works/{self.token(notice_id)}"

    # ------------------------------------------------------------------ create
    def create_campaign(self, actor: Actor, req: CampaignRequest) -> dict[str, Any]:
        """Select the members under mandates in force, snapshot their works and terms into
        the attachments, and draft one notice per developer."""
        _may_act_for(actor, req.organisation_id)
        _check_request(req)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            org = uow.parties.get(req.organisation_id)
            from_address = sender_email(org)
            mandates = uow.mandates.of_organisation(org.id)
            members = _resolve_members(uow, req.members, [m.member_id for m in mandates])
            eligible, excluded = select_members(
                members,
                mandates,
                organisation_id=org.id,
                purposes=req.purposes,
                at=now,
                territory=req.territory,
            )
            developers = _developers(uow, req.developers)
            works, eligible, no_works = _repertoire(uow, eligible, req.territory, now)
            excluded.extend(no_works)
            campaign = Campaign(
                id=self.ids("c"),
                organisation_id=org.id,
                kind=req.kind,
                purposes=tuple(p for p in ALL_PURPOSES if p in req.purposes),
                territory=req.territory,
                created_at=now,
                deadline=now + timedelta(days=req.deadline_days),
                created_by=actor.label,
                base_url=req.base_url,
                template_dir=req.template_dir,
                template_sha256=req.template_sha256,
                works=len(works),
                attachments={},
            )
            files = attachments(
                meta=_meta(campaign, org),
                assigner=_assigner(org, from_address),
                works=works,
                mandates=[(e.mandate, e.name) for e in eligible],
            )
            campaign = _with_attachments(campaign, files.sha256s())
            self.outbox.write_attachments(campaign.id, files)
            notices = self._draft_notices(campaign, developers, domain_of(from_address), now)
            self._record_campaign(uow, actor, campaign, eligible, excluded, notices, works)
            if campaign.kind is NoticeKind.REMOVAL:  # one request per work x developer, now
                ids = [w.work_id for w in works]
                open_removals(uow, campaign.id, ids, ids=self.ids, now=now, actor=actor.label)
            uow.commit()
        return {
            "campaign_id": campaign.id,
            "notices": len(notices),
            "works": len(works),
            "members": len(eligible),
            "excluded": [e.to_json() for e in excluded],
            "developers_without_email": [n.developer_id for n in notices if not n.email],
        }

    def _draft_notices(
        self, campaign: Campaign, developers: Sequence[Party], domain: str, now: datetime
    ) -> list[Notice]:
        out = []
        for dev in developers:
            nid = self.ids("n")
            out.append(
                Notice(
                    id=nid,
                    campaign_id=campaign.id,
                    developer_id=dev.id,
                    developer_name=dev.name,
                    email=email_of(dev),
                    state=NoticeState.DRAFTED,
                    message_id=message_id(nid, 0, domain),
                    created_at=now,
                )
            )
        return out

    def _record_campaign(
        self,
        uow: SqlUnitOfWork,
        actor: Actor,
        campaign: Campaign,
        eligible: Sequence[Eligible],
        excluded: Sequence[Excluded],
        notices: Sequence[Notice],
        works: Sequence[RepertoireWork],
    ) -> None:
        counts: dict[str, int] = {}
        for w in works:
            for m in w.members:
                counts[m.member_id] = counts.get(m.member_id, 0) + 1
        uow.notices.add_campaign(campaign)
        uow.notices.add_members(
            campaign.id, [(e.member_id, e.mandate.id, counts[e.member_id]) for e in eligible]
        )
        uow.notices.add_exclusions(campaign.id, [e.to_json() for e in excluded])
        uow.notices.add_notices(notices)
        entry = uow.ledger.append(
            *events.campaign_created(
                campaign,
                members=[(e.member_id, e.mandate.id) for e in eligible],
                notices=[n.id for n in notices],
                excluded=[{"member": e.member, "reason": e.reason} for e in excluded],
            ),
            actor=actor.label,
            at=campaign.created_at,
        )
        uow.notices.set_campaign_seq(campaign.id, entry.seq)
        for n in notices:
            uow.notices.add_event(
                NoticeEvent(
                    n.id,
                    "drafted",
                    campaign.created_at,
                    actor.label,
                    {"developer": n.developer_id},
                    entry.seq,
                )
            )

    # ------------------------------------------------------------------ reads
    def campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        with self._uow(False) as uow:
            c = uow.notices.campaign(campaign_id)
        _may_act_for(actor, c.organisation_id, what=f"campaign {campaign_id}")
        return c

    def campaigns(self, actor: Actor) -> list[Campaign]:
        actor.require(Role.ADMIN, Role.ORGANISATION)
        party = None if actor.role is Role.ADMIN else actor.own_party()
        with self._uow(False) as uow:
            return uow.notices.campaigns(party)

    def status(self, actor: Actor, campaign_id: str) -> dict[str, Any]:
        c = self.campaign(actor, campaign_id)
        now = self.clock()
        with self._uow(False) as uow:
            notices = uow.notices.notices(campaign_id=campaign_id)
            excluded = uow.notices.exclusions(campaign_id)
            members = uow.notices.members(campaign_id)
        return {
            "campaign_id": c.id,
            "kind": c.kind.value,
            "organisation_id": c.organisation_id,
            "purposes": [p.value for p in c.purposes],
            "territory": c.territory,
            "created_at": c.created_at.isoformat(),
            "deadline": c.deadline.isoformat(),
            "works": c.works,
            "members": len(members),
            "excluded": excluded,
            "notices": [n.status_json(c.deadline, now) for n in notices],
        }

    def notices_for(self, actor: Actor) -> list[dict[str, Any]]:
        """Developers: the notices addressed to them; organisations: those of their
        campaigns; admins: all."""
        now = self.clock()
        with self._uow(False) as uow:
            if actor.role is Role.DEVELOPER:
                found = uow.notices.notices(developer_id=actor.own_party())
            elif actor.role is Role.ORGANISATION:
                ids = [c.id for c in uow.notices.campaigns(actor.own_party())]
                found = uow.notices.notices(campaign_ids=ids) if ids else []
            else:
                actor.require(Role.ADMIN)
                found = uow.notices.notices()
            deadlines = {c.id: c.deadline for c in uow.notices.campaigns()}
        return [
            dict(n.status_json(deadlines[n.campaign_id], now), campaign_id=n.campaign_id)
            for n in found
        ]

    def notice(self, actor: Actor, notice_id: str) -> dict[str, Any]:
        with self._uow(False) as uow:
            n = uow.notices.notice(notice_id)
            c = uow.notices.campaign(n.campaign_id)
            _may_see_notice(actor, n, c)
            answers = uow.notices.answers([n.id])
        out = dict(n.status_json(c.deadline, self.clock()), campaign_id=c.id, kind=c.kind.value)
        out["answers"] = [a.to_json() for a in answers]
        return out

    def letter(self, actor: Actor, notice_id: str) -> str | None:
        """The text of the notice's letter as sent (its first message), for whoever may see
        the notice; None while it has not been queued."""
        from consentry.notices.message import letter_text

        with self._uow(False) as uow:
            n = uow.notices.notice(notice_id)
            _may_see_notice(actor, n, uow.notices.campaign(n.campaign_id))
            first = [m for m in uow.notices.messages([n.id]) if m.number == 0]
        if not first:
            return None
        m = first[0]
        return letter_text(self.outbox.read_message(n.campaign_id, m.message_id, m.eml_sha256))

    # ------------------------------------------------------------------ replies
    def acknowledge_token(self, token: str) -> dict[str, Any]:
        notice_id = read_token(token, self._verify)
        return self._acknowledge(notice_id, "token")

    def notice_by_token(self, token: str) -> dict[str, Any]:
        """What the acknowledgement page shows, for a token this registry signed."""
        notice_id = read_token(token, self._verify)
        with self._uow(False) as uow:
            n = uow.notices.notice(notice_id)
            c = uow.notices.campaign(n.campaign_id)
            org = uow.parties.get(c.organisation_id)
        return {
            "notice_id": n.id,
            "kind": c.kind.value,
            "sender": org.name,
            "developer_name": n.developer_name,
            "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
        }

    def works_by_token(self, token: str) -> bytes:
        """The ``works.json`` of the notice's campaign (the lookup link of the letter)."""
        notice_id = read_token(token, self._verify)
        with self._uow(False) as uow:
            c = uow.notices.campaign(uow.notices.notice(notice_id).campaign_id)
        return self.outbox.read_attachments(c.id, c.attachments).works_json

    def acknowledge(self, actor: Actor, notice_id: str) -> dict[str, Any]:
        actor.require(Role.ADMIN, Role.DEVELOPER)
        with self._uow(False) as uow:
            n = uow.notices.notice(notice_id)
        _addressed(actor, n)
        return self._acknowledge(notice_id, actor.label)

    def _acknowledge(self, notice_id: str, by: str) -> dict[str, Any]:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            n = uow.notices.notice(notice_id, for_update=True)
            if n.acknowledged_at is not None:
                return {
                    "notice_id": n.id,
                    "acknowledged_at": n.acknowledged_at.isoformat(),
                    "already": True,
                }
            if n.state not in MAY_ACKNOWLEDGE and n.state is not NoticeState.BOUNCED:
                raise Conflict(
                    f"notice {n.id} is {n.state.value}: only a notice that was "
                    "sent can be acknowledged",
                    notice=n.id,
                    state=n.state.value,
                )
            state = (
                NoticeState.ANSWERED
                if n.state is NoticeState.ANSWERED
                else NoticeState.ACKNOWLEDGED
            )
            uow.notices.update_notice(n.id, acknowledged_at=now, state=state)
            self._event(uow, n.id, "acknowledged", now, by, via=by)
            uow.commit()
        return {"notice_id": notice_id, "acknowledged_at": now.isoformat(), "already": False}

    def answer(
        self, actor: Actor, notice_id: str, text: str, files: Sequence[tuple[str, bytes]] = ()
    ) -> Answer:
        actor.require(Role.ADMIN, Role.DEVELOPER)
        check_answer(text, files)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            n = uow.notices.notice(notice_id, for_update=True)
            _addressed(actor, n)
            if n.state is NoticeState.DRAFTED:
                raise Conflict(f"notice {n.id} has not been sent yet", notice=n.id)
            hashed = [(name, hashlib.sha256(data).hexdigest(), data) for name, data in files]
            a = Answer(self.ids("a"), n.id, now, actor.label, text)
            uow.notices.add_answer(a, hashed)
            uow.notices.update_notice(
                n.id,
                answered_at=now,
                state=NoticeState.ANSWERED,
                acknowledged_at=n.acknowledged_at or now,
            )
            self._event(
                uow,
                n.id,
                "answered",
                now,
                actor.label,
                answer_id=a.id,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                files=[[name, sha] for name, sha, _ in hashed],
            )
            uow.commit()
            return uow.notices.answers([n.id])[-1]

    def record_bounce(
        self,
        *,
        message_ids: Sequence[str],
        recipients: Sequence[str],
        permanent: bool,
        detail: dict[str, Any],
    ) -> list[str]:
        """Mark bounced the notices whose message a delivery-status notification names (by
        Message-ID; failing that, sent notices to a failed recipient). Returns their ids."""
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            found = _bounced_notices(uow, message_ids, recipients)
            for n in found:
                kind = "bounced" if permanent else "delayed"
                if permanent and n.state in (NoticeState.SENT, NoticeState.QUEUED):
                    uow.notices.update_notice(n.id, state=NoticeState.BOUNCED, bounced_at=now)
                self._event(uow, n.id, kind, now, "dsn", **detail)
            uow.commit()
        return [n.id for n in found]

    def _event(
        self, uow: SqlUnitOfWork, notice_id: str, kind: str, at: datetime, actor: str, **detail: Any
    ) -> int:
        entry = uow.ledger.append(
            *events.notice_event(kind, notice_id, **detail), actor=actor, at=at
        )
        uow.notices.add_event(NoticeEvent(notice_id, kind, at, actor, detail, entry.seq))
        return entry.seq


# ---------------------------------------------------------------------- helpers
def _may_act_for(actor: Actor, organisation_id: str, *, what: str | None = None) -> None:
    actor.require(Role.ADMIN, Role.ORGANISATION)
    if actor.role is Role.ORGANISATION and actor.own_party() != organisation_id:
        raise PermissionDenied(
            f"{what or 'a campaign'} of organisation {organisation_id} is not yours: an "
            "organisation key acts only for its own organisation",
            organisation=organisation_id,
        )


def _may_see_notice(actor: Actor, n: Notice, c: Campaign) -> None:
    if actor.role is Role.DEVELOPER:
        _addressed(actor, n)
    else:
        _may_act_for(actor, c.organisation_id, what=f"notice {n.id}")


def _addressed(actor: Actor, n: Notice) -> None:
    if actor.role is not Role.ADMIN and actor.own_party() != n.developer_id:
        raise PermissionDenied(f"notice {n.id} is not addressed to you", notice=n.id)


def _resolve_members(
    uow: SqlUnitOfWork, given: Sequence[str] | None, mandated: Sequence[str]
) -> list[Member]:
    """The members named (``party:ID``, an id or a name), or every party with a mandate."""
    refs = list(dict.fromkeys(mandated)) if given is None else list(given)
    ids: list[str | None] = []
    for ref in refs:
        key = ref.strip().removeprefix("party:")
        if uow.parties.exists(key):
            ids.append(key)
            continue
        named = uow.parties.find_by_name(ref)
        ids.append(named[0] if len(named) == 1 else None)
    parties = uow.parties.get_many([i for i in ids if i])
    return [
        Member(ref, pid, parties[pid].name if pid else "")
        for ref, pid in zip(refs, ids, strict=True)
    ]


def _developers(uow: SqlUnitOfWork, given: Sequence[str] | None) -> list[Party]:
    if given is None:
        out: list[Party] = []
        while batch := uow.parties.page(offset=len(out), limit=1000, role=PartyRole.AI_DEVELOPER):
            out.extend(batch)
        found = [p for p in out if PartyRole.AI_DEVELOPER in p.roles]
        if not found:
            raise NotFound("ai-developer", "any")
        return found
    ids = [g.strip().removeprefix("party:") for g in given]
    parties = uow.parties.get_many(ids)
    for i in ids:
        if i not in parties:
            raise NotFound("party", i)
        if PartyRole.AI_DEVELOPER not in parties[i].roles:
            raise ValidationError(
                f"party {i} ({parties[i].name}) is not an AI developer",
                field="developers",
                value=i,
                expected="parties with role ai-developer",
            )
    return [parties[i] for i in dict.fromkeys(ids)]


def _repertoire(
    uow: SqlUnitOfWork, eligible: Sequence[Eligible], territory: str, now: datetime
) -> tuple[list[RepertoireWork], list[Eligible], list[Excluded]]:
    """The works of the eligible members, each with every mandated member's own terms."""
    by_member = uow.notices.works_of_parties([e.member_id for e in eligible])
    keep = [e for e in eligible if by_member.get(e.member_id)]
    none = [
        Excluded(e.member_id, NO_WORKS, "the member holds rights in no registered work", e.name)
        for e in eligible
        if not by_member.get(e.member_id)
    ]
    holders: dict[str, list[Eligible]] = {}
    for e in keep:
        for w in by_member[e.member_id]:
            holders.setdefault(w, []).append(e)
    work_ids = sorted(holders)
    meta = uow.notices.titles_and_identifiers(work_ids)
    decls = uow.notices.declarations_of(work_ids, [e.member_id for e in keep])
    on_work: dict[str, list[Declaration]] = {}
    catalogue: dict[str, list[Declaration]] = {}
    for d in decls:
        (
            on_work.setdefault(d.work_id, []) if d.work_id else catalogue.setdefault(d.party_id, [])
        ).append(d)
    where = None if territory == WORLD else territory
    works = []
    for wid in work_ids:
        title, identifiers = meta[wid]
        members = tuple(
            MemberTerms(
                e.member_id,
                e.name,
                e.mandate.id,
                tuple(
                    (p, t.status)
                    for p, t in terms_for(
                        wid,
                        [e.member_id],
                        on_work.get(wid, []) + catalogue.get(e.member_id, []),
                        at=now,
                        territory=where,
                    ).purposes.items()
                ),
            )
            for e in holders[wid]
        )
        works.append(RepertoireWork(wid, title, identifiers, members))
    return works, keep, none


def _bounced_notices(
    uow: SqlUnitOfWork, message_ids: Sequence[str], recipients: Sequence[str]
) -> list[Notice]:
    found: dict[str, Notice] = {}
    for mid in message_ids:
        m = uow.notices.message(mid)
        if m is not None:
            found[m.notice_id] = uow.notices.notice(m.notice_id)
    if not found and recipients:
        wanted = {r.strip().lower() for r in recipients}
        for n in uow.notices.notices():
            if n.email and n.email.lower() in wanted and n.state is NoticeState.SENT:
                found[n.id] = n
    return list(found.values())


def _meta(c: Campaign, org: Party) -> dict[str, Any]:
    return {
        "campaign_id": c.id,
        "organisation_id": org.id,
        "organisation": org.name,
        "kind": c.kind.value,
        "purposes": [p.value for p in c.purposes],
        "territory": c.territory,
        "created_at": c.created_at.isoformat(),
    }


def _assigner(org: Party, email: str) -> dict[str, Any]:
    return {"vcard:fn": org.name, "vcard:hasEmail": f"mailto:{email}"}


def _with_attachments(c: Campaign, sha256s: dict[str, str]) -> Campaign:
    from dataclasses import replace

    return replace(c, attachments=sha256s)


def canonical(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, ensure_ascii=False)


def _check_request(req: CampaignRequest) -> None:
    if not 1 <= req.deadline_days <= 3650:
        raise ValidationError(
            f"--deadline-days {req.deadline_days} is out of range",
            field="deadline_days",
            value=req.deadline_days,
            expected="1 to 3650 days",
        )
    if not req.purposes:
        raise ValidationError(
            "a campaign needs at least one purpose",
            field="purposes",
            value=[],
            expected="one or more purposes",
        )
