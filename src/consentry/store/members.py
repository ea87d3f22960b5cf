"""Members and developers in bulk: mandates of an organisation with their members' names,
contact points added to existing parties, and the crawler tokens of AI developers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consentry.registry.developers import Developer
from consentry.registry.mandates import Mandate
from consentry.registry.parties import ContactPoint, PartyRole
from consentry.store.repositories import PartyRepository, _mandate, chunks
from consentry.store.tables import (
    ContactRow,
    MandateRow,
    PartyAgentRow,
    PartyRow,
    table,
)


class MemberRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_mandates(self, mandates: Sequence[Mandate], *, created_at: datetime) -> None:
        if not mandates:
            return
        self.s.execute(
            insert(table(MandateRow)),
            [
                {
                    "id": m.id,
                    "organisation_id": m.organisation_id,
                    "member_id": m.member_id,
                    "purposes": ",".join(sorted(p.value for p in m.purposes)),
                    "territories": ",".join(sorted(m.territories)),
                    "valid_from": m.valid_from,
                    "valid_until": m.valid_until,
                    "evidence": m.evidence,
                    "withdrawn_at": m.withdrawn_at,
                    "created_at": created_at,
                }
                for m in mandates
            ],
        )

    def mandates(self, organisation_id: str | None = None) -> list[Mandate]:
        """Every mandate (of one organisation when given), oldest id first."""
        q = select(MandateRow).order_by(MandateRow.id)
        if organisation_id is not None:
            q = q.where(MandateRow.organisation_id == organisation_id)
        return [_mandate(r) for r in self.s.scalars(q)]

    def member_names(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            q = select(PartyRow.id, PartyRow.name).where(PartyRow.id.in_(part))
            for pid, name in self.s.execute(q):
                out[pid] = name
        return out

    def add_contacts(self, pairs: Sequence[tuple[str, ContactPoint]]) -> None:
        """More contact points of existing parties, as ``(party_id, contact)`` pairs."""
        if pairs:
            self.s.execute(
                insert(table(ContactRow)),
                [{"party_id": p, "kind": c.kind, "value": c.value} for p, c in pairs],
            )

    def add_tokens(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Crawler tokens developers operate, as ``(party_id, token)`` pairs."""
        if pairs:
            self.s.execute(
                insert(table(PartyAgentRow)), [{"party_id": p, "token": t} for p, t in pairs]
            )

    def token_owners(self) -> dict[str, str]:
        """Every listed crawler token (lower case) -> the developer party operating it."""
        rows = self.s.execute(select(PartyAgentRow.token, PartyAgentRow.party_id))
        return {token.lower(): pid for token, pid in rows}

    def developers(self, ids: Sequence[str] | None = None) -> list[Developer]:
        """Developers (parties of role ``ai-developer``), by name; only ``ids`` when given."""
        q = select(PartyRow.id).where(PartyRow.roles.contains(PartyRole.AI_DEVELOPER.value))
        if ids is not None:
            q = q.where(PartyRow.id.in_(list(ids)))
        pids = list(self.s.scalars(q.order_by(PartyRow.name_key, PartyRow.id)))
        parties = PartyRepository(self.s).get_many(pids)
        tokens: dict[str, list[str]] = defaultdict(list)
        for part in chunks(pids):
            for pid, token in self.s.execute(
                select(PartyAgentRow.party_id, PartyAgentRow.token)
                .where(PartyAgentRow.party_id.in_(part))
                .order_by(PartyAgentRow.token)
            ):
                tokens[pid].append(token)
        return [
            Developer(parties[p], tuple(tokens[p]))
            for p in pids
            if PartyRole.AI_DEVELOPER in parties[p].roles  # "ai-developer" as a whole role
        ]
