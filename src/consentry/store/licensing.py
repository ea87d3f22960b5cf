"""The licensing capability's repository: schemes, opt-ins, offers, requests, grants, credits.

Rows never leave this module: each read maps them to the core values of
``consentry.licensing``. Nothing here commits (the unit of work does). Insert-only but for
an offer's withdrawal and a grant's revocation, which set a time once and keep the row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.ledger.chain import canonical_json
from consentry.licensing.credits import CreditRecord
from consentry.licensing.grants import Grant, GrantCover
from consentry.licensing.terms import (
    LicenceRequest,
    LicenceTerms,
    Offer,
    OfferScope,
    OptIn,
    Scheme,
)
from consentry.registry.purposes import Purpose
from consentry.store.tables import (
    CreditRecordRow,
    LicenceGrantRow,
    LicenceGrantWorkRow,
    LicenceOfferPartyRow,
    LicenceOfferRow,
    LicenceOptInRow,
    LicenceRequestRow,
    LicenceSchemeRow,
    table,
)


def _purposes(text: str) -> tuple[Purpose, ...]:
    return tuple(Purpose(p) for p in text.split(",") if p)


def _join(purposes: Sequence[Purpose]) -> str:
    return ",".join(sorted(p.value for p in purposes))


def _terms(text: str) -> LicenceTerms:
    return LicenceTerms.from_json(json.loads(text))


class LicensingRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ------------------------------------------------------------- schemes, opt-ins
    def add_scheme(self, scheme: Scheme, *, ledger_seq: int) -> None:
        self.s.add(
            LicenceSchemeRow(
                id=scheme.id,
                organisation_id=scheme.organisation_id,
                name=scheme.name,
                purposes=_join(scheme.purposes),
                created_at=scheme.created_at,
                ledger_seq=ledger_seq,
            )
        )
        self.s.flush()

    def get_scheme(self, scheme_id: str) -> Scheme:
        row = self.s.get(LicenceSchemeRow, scheme_id)
        if row is None:
            raise NotFound("scheme", scheme_id)
        return Scheme(
            row.id, row.organisation_id, row.name, _purposes(row.purposes), row.created_at
        )

    def schemes(self, organisation_id: str | None = None) -> list[Scheme]:
        """The schemes an organisation runs (or all), oldest first."""
        q = select(LicenceSchemeRow)
        if organisation_id is not None:
            q = q.where(LicenceSchemeRow.organisation_id == organisation_id)
        return [
            Scheme(r.id, r.organisation_id, r.name, _purposes(r.purposes), r.created_at)
            for r in self.s.scalars(q.order_by(LicenceSchemeRow.created_at, LicenceSchemeRow.id))
        ]

    def add_opt_ins(self, opt_ins: Sequence[OptIn], *, ledger_seq: int) -> None:
        rows = [
            {
                "scheme_id": o.scheme_id,
                "work_id": o.work_id,
                "party_id": o.party_id,
                "purposes": _join(o.purposes),
                "opted_in_at": o.at,
                "ledger_seq": ledger_seq,
            }
            for o in opt_ins
        ]
        if rows:
            self.s.execute(insert(table(LicenceOptInRow)), rows)

    def opt_ins(self, scheme_id: str, work_id: str | None = None) -> list[OptIn]:
        q = select(LicenceOptInRow).where(LicenceOptInRow.scheme_id == scheme_id)
        if work_id is not None:
            q = q.where(LicenceOptInRow.work_id == work_id)
        return [
            OptIn(r.scheme_id, r.work_id, r.party_id, _purposes(r.purposes), r.opted_in_at)
            for r in self.s.scalars(q.order_by(LicenceOptInRow.id))
        ]

    # ------------------------------------------------------------- offers
    def add_offer(self, offer: Offer) -> None:
        self.s.add(
            LicenceOfferRow(
                id=offer.id,
                scope=offer.scope.value,
                subject_id=offer.subject_id,
                terms=canonical_json(offer.terms.to_json()).decode("utf-8"),
                created_at=offer.created_at,
                created_by=offer.created_by,
                ledger_seq=offer.ledger_seq,
                withdrawn_at=None,
            )
        )
        self.s.flush()
        self.add_offer_parties(offer.id, offer.parties, at=offer.created_at)

    def add_offer_parties(self, offer_id: str, parties: Sequence[str], *, at: datetime) -> None:
        rows = [{"offer_id": offer_id, "party_id": p, "joined_at": at} for p in parties]
        if rows:
            self.s.execute(insert(table(LicenceOfferPartyRow)), rows)

    def withdraw_offer(self, offer_id: str, at: datetime) -> None:
        self.s.execute(
            update(LicenceOfferRow).where(LicenceOfferRow.id == offer_id).values(withdrawn_at=at)
        )

    def get_offer(self, offer_id: str) -> Offer:
        row = self.s.get(LicenceOfferRow, offer_id)
        if row is None:
            raise NotFound("offer", offer_id)
        return self._offer(row)

    def _offer(self, row: LicenceOfferRow) -> Offer:
        parties = self.s.scalars(
            select(LicenceOfferPartyRow.party_id)
            .where(LicenceOfferPartyRow.offer_id == row.id)
            .order_by(LicenceOfferPartyRow.joined_at, LicenceOfferPartyRow.party_id)
        )
        return Offer(
            id=row.id,
            scope=OfferScope(row.scope),
            subject_id=row.subject_id,
            terms=_terms(row.terms),
            parties=tuple(parties),
            created_at=row.created_at,
            created_by=row.created_by,
            ledger_seq=row.ledger_seq,
            withdrawn_at=row.withdrawn_at,
        )

    def offers_for_subjects(self, subject_ids: Sequence[str]) -> list[Offer]:
        rows = self.s.scalars(
            select(LicenceOfferRow)
            .where(LicenceOfferRow.subject_id.in_(list(subject_ids)))
            .order_by(LicenceOfferRow.created_at, LicenceOfferRow.id)
        )
        return [self._offer(r) for r in rows]

    def open_offers(self, limit: int) -> list[Offer]:
        """Offers not withdrawn, newest first, at most ``limit``."""
        rows = self.s.scalars(
            select(LicenceOfferRow)
            .where(LicenceOfferRow.withdrawn_at.is_(None))
            .order_by(LicenceOfferRow.created_at.desc(), LicenceOfferRow.id)
            .limit(limit)
        )
        return [self._offer(r) for r in rows]

    def schemes_of_work(self, work_id: str) -> list[str]:
        return sorted(
            set(
                self.s.scalars(
                    select(LicenceOptInRow.scheme_id).where(LicenceOptInRow.work_id == work_id)
                )
            )
        )

    # ------------------------------------------------------------- requests
    def add_request(self, request: LicenceRequest, *, ledger_seq: int) -> None:
        self.s.add(
            LicenceRequestRow(
                id=request.id,
                offer_id=request.offer_id,
                developer_id=request.developer_id,
                requested_at=request.requested_at,
                ledger_seq=ledger_seq,
            )
        )
        self.s.flush()

    def get_request(self, request_id: str) -> LicenceRequest:
        row = self.s.get(LicenceRequestRow, request_id)
        if row is None:
            raise NotFound("request", request_id)
        grant = self.s.scalar(
            select(LicenceGrantRow.id).where(LicenceGrantRow.request_id == request_id)
        )
        return LicenceRequest(row.id, row.offer_id, row.developer_id, row.requested_at, grant)

    def requests_of(self, developer_id: str) -> list[LicenceRequest]:
        """A developer's requests, newest first, each with its grant id when granted."""
        rows = self.s.execute(
            select(LicenceRequestRow, LicenceGrantRow.id)
            .outerjoin(LicenceGrantRow, LicenceGrantRow.request_id == LicenceRequestRow.id)
            .where(LicenceRequestRow.developer_id == developer_id)
            .order_by(LicenceRequestRow.requested_at.desc(), LicenceRequestRow.id)
        )
        return [
            LicenceRequest(r.id, r.offer_id, r.developer_id, r.requested_at, grant)
            for r, grant in rows
        ]

    def grant_ids_of(self, licensee_id: str) -> list[str]:
        return list(
            self.s.scalars(
                select(LicenceGrantRow.id)
                .where(LicenceGrantRow.licensee_id == licensee_id)
                .order_by(LicenceGrantRow.valid_from.desc(), LicenceGrantRow.id)
            )
        )

    # ------------------------------------------------------------- grants
    def add_grant(self, grant: Grant) -> None:
        self.s.add(
            LicenceGrantRow(
                id=grant.id,
                request_id=grant.request_id,
                offer_id=grant.offer_id,
                licensee_id=grant.licensee_id,
                terms=canonical_json(grant.terms.to_json()).decode("utf-8"),
                territory=grant.terms.territory,
                valid_from=grant.valid_from,
                valid_until=grant.valid_until,
                revoked_at=None,
                ledger_seq=grant.ledger_seq,
                document=json.dumps(grant.document, sort_keys=True),
            )
        )
        self.s.flush()
        rows = [
            {
                "grant_id": grant.id,
                "work_id": work_id,
                "licensee_id": grant.licensee_id,
                "purposes": _join(purposes),
            }
            for work_id, purposes in grant.works
        ]
        for i in range(0, len(rows), 2000):
            self.s.execute(insert(table(LicenceGrantWorkRow)), rows[i : i + 2000])

    def get_grant(self, grant_id: str) -> Grant:
        row = self.s.get(LicenceGrantRow, grant_id)
        if row is None:
            raise NotFound("grant", grant_id)
        works = self.s.execute(
            select(LicenceGrantWorkRow.work_id, LicenceGrantWorkRow.purposes)
            .where(LicenceGrantWorkRow.grant_id == grant_id)
            .order_by(LicenceGrantWorkRow.work_id)
        )
        return Grant(
            id=row.id,
            request_id=row.request_id,
            offer_id=row.offer_id,
            licensee_id=row.licensee_id,
            terms=_terms(row.terms),
            works=tuple((w, _purposes(p)) for w, p in works),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            revoked_at=row.revoked_at,
            ledger_seq=row.ledger_seq,
            document=json.loads(row.document),
        )

    def revoke_grant(self, grant_id: str, at: datetime) -> None:
        self.s.execute(
            update(LicenceGrantRow).where(LicenceGrantRow.id == grant_id).values(revoked_at=at)
        )

    def grant_ids_for_work(self, work_id: str) -> list[str]:
        return list(
            self.s.scalars(
                select(LicenceGrantWorkRow.grant_id)
                .where(LicenceGrantWorkRow.work_id == work_id)
                .order_by(LicenceGrantWorkRow.grant_id)
            )
        )

    def covers(self, work_id: str, licensee_id: str) -> list[GrantCover]:
        """What decisions read: the licensee's grants covering the work (any time)."""
        rows = self.s.execute(
            select(
                LicenceGrantRow.id,
                LicenceGrantRow.licensee_id,
                LicenceGrantWorkRow.work_id,
                LicenceGrantWorkRow.purposes,
                LicenceGrantRow.territory,
                LicenceGrantRow.valid_from,
                LicenceGrantRow.valid_until,
                LicenceGrantRow.revoked_at,
                LicenceGrantRow.ledger_seq,
                LicenceGrantRow.terms,
            )
            .join(LicenceGrantRow, LicenceGrantRow.id == LicenceGrantWorkRow.grant_id)
            .where(LicenceGrantWorkRow.work_id == work_id)
            .where(LicenceGrantWorkRow.licensee_id == licensee_id)
            .order_by(LicenceGrantRow.id)
        )
        return [cover_of(r) for r in rows]

    # ------------------------------------------------------------- credits
    def add_credits(self, records: Sequence[CreditRecord]) -> None:
        rows = [
            {
                "id": r.id,
                "grant_id": r.grant_id,
                "work_id": r.work_id,
                "licensee_id": r.licensee_id,
                "model": r.model,
                "period": r.period,
                "credit_line": r.credit_line,
                "recorded_at": r.recorded_at,
                "ledger_seq": r.ledger_seq,
                "document": json.dumps(r.document, sort_keys=True),
            }
            for r in records
        ]
        for i in range(0, len(rows), 2000):
            self.s.execute(insert(table(CreditRecordRow)), rows[i : i + 2000])

    def credits(
        self,
        *,
        model: str | None = None,
        grant_id: str | None = None,
        work_id: str | None = None,
        work_ids: Sequence[str] | None = None,
    ) -> list[CreditRecord]:
        q = select(CreditRecordRow)
        if work_ids is not None:
            q = q.where(CreditRecordRow.work_id.in_(list(work_ids)))
        if model is not None:
            q = q.where(CreditRecordRow.model == model)
        if grant_id is not None:
            q = q.where(CreditRecordRow.grant_id == grant_id)
        if work_id is not None:
            q = q.where(CreditRecordRow.work_id == work_id)
        return [
            CreditRecord(
                r.id,
                r.grant_id,
                r.work_id,
                r.licensee_id,
                r.model,
                r.period,
                r.credit_line,
                r.recorded_at,
                r.ledger_seq,
                json.loads(r.document),
            )
            for r in self.s.scalars(q.order_by(CreditRecordRow.recorded_at, CreditRecordRow.id))
        ]

    # ------------------------------------------------------------- a party's reads
    def offers_of_party(self, party_id: str) -> list[str]:
        """Ids of the offers ``party_id`` made or joined."""
        q = select(LicenceOfferPartyRow.offer_id).where(LicenceOfferPartyRow.party_id == party_id)
        return sorted(set(self.s.scalars(q)))

    def schemes_of_works(self, work_ids: Sequence[str]) -> list[str]:
        """Ids of the schemes any of ``work_ids`` was opted into (for any purpose)."""
        out: set[str] = set()
        for i in range(0, len(work_ids), 2000):
            part = list(work_ids[i : i + 2000])
            q = select(LicenceOptInRow.scheme_id).where(LicenceOptInRow.work_id.in_(part))
            out.update(self.s.scalars(q))
        return sorted(out)

    def requests_of_offers(self, offer_ids: Sequence[str]) -> list[LicenceRequest]:
        """The licence requests made under ``offer_ids``, with their grant when granted."""
        if not offer_ids:
            return []
        r, g = LicenceRequestRow, LicenceGrantRow
        q = (
            select(r.id, r.offer_id, r.developer_id, r.requested_at, g.id)
            .outerjoin(g, g.request_id == r.id)
            .where(r.offer_id.in_(list(offer_ids)))
            .order_by(r.requested_at, r.id)
        )
        return [LicenceRequest(*row) for row in self.s.execute(q)]

    def grant_ids_for_works(self, work_ids: Sequence[str]) -> list[str]:
        out: set[str] = set()
        for i in range(0, len(work_ids), 2000):
            part = list(work_ids[i : i + 2000])
            q = select(LicenceGrantWorkRow.grant_id).where(LicenceGrantWorkRow.work_id.in_(part))
            out.update(self.s.scalars(q))
        return sorted(out)

    def credits_of_works(self, work_ids: Sequence[str]) -> list[CreditRecord]:
        out: list[CreditRecord] = []
        for i in range(0, len(work_ids), 2000):
            out.extend(self.credits(work_ids=work_ids[i : i + 2000]))
        return sorted(out, key=lambda c: (c.recorded_at, c.id))


def cover_of(r: Sequence[Any]) -> GrantCover:
    """From a row of (grant id, licensee, work, purposes, territory, valid_from, valid_until,
    revoked_at, ledger_seq, terms); times as datetimes."""
    return GrantCover(
        grant_id=r[0],
        licensee_id=r[1],
        work_id=r[2],
        purposes=frozenset(_purposes(r[3])),
        territory=r[4],
        valid_from=r[5],
        valid_until=r[6],
        revoked_at=r[7],
        ledger_seq=r[8],
        credit_required=json.loads(r[9]).get("attribution") is not None,
    )
