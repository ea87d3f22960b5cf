"""Grants: who must agree before a licence is granted, and what a grant covers at a time.

**Consent.** A grant needs every party with a say in each work (every rights holder and
every creative contributor, :meth:`Work.consent_parties`) for each purpose granted. A party
agrees to an offer by making or joining it (work and catalogue offers), or by opting the
work into the scheme for that purpose (scheme offers). :func:`coverage` gives, per work,
the purposes every party agreed to; a work some party did not agree to for a purpose is
not licensed for it (the reason names the party). A work offer is all or nothing: the
service refuses a grant that would leave out any of its purposes.

**Decisions.** A grant answers for its licensee only, for the purposes it covers in each
work, in its territory (``WORLD``: everywhere; a country: only when that country is asked;
asked for no territory, only a ``WORLD`` grant holds everywhere), from the moment it was
granted until its term ends or it is revoked, whichever is first (``valid_from <= at <
end``). A decision asked at a past time sees the grant as it was then: a revocation
recorded later does not reach back.

Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consentry.licensing.terms import LicenceTerms, Offer, OfferScope, OptIn
from consentry.registry.purposes import Purpose
from consentry.registry.territories import WORLD
from consentry.registry.works import Work


@dataclass(frozen=True, slots=True)
class GrantCover:
    """What a decision needs of a grant, for one work."""

    grant_id: str
    licensee_id: str
    work_id: str
    purposes: frozenset[Purpose]
    territory: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    ledger_seq: int | None = None
    credit_required: bool = False

    def end(self) -> datetime | None:
        ends = [t for t in (self.valid_until, self.revoked_at) if t is not None]
        return min(ends) if ends else None

    def covers(
        self, *, licensee_id: str | None, purpose: Purpose, territory: str | None, at: datetime
    ) -> bool:
        if licensee_id is None or licensee_id != self.licensee_id or purpose not in self.purposes:
            return False
        if self.territory != WORLD and self.territory != territory:
            return False
        end = self.end()
        return self.valid_from <= at and (end is None or at < end)

    def to_json(self) -> dict[str, Any]:
        return {
            "grant_id": self.grant_id,
            "licensee_id": self.licensee_id,
            "purposes": sorted(p.value for p in self.purposes),
            "territory": self.territory,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "ledger_seq": self.ledger_seq,
            "credit_required": self.credit_required,
        }

    def why_not(self, *, purpose: Purpose, territory: str | None, at: datetime) -> str | None:
        """Why this grant (of the asking licensee) does not cover the use; None if it does."""
        if purpose not in self.purposes:
            return None  # about another purpose: not worth a reason
        if self.territory != WORLD and self.territory != territory:
            where = f"in {territory}" if territory else "everywhere"
            return f"licence {self.grant_id} holds in {self.territory} only, not {where}"
        if at < self.valid_from:
            return f"licence {self.grant_id} was granted at {self.valid_from.isoformat()}, later"
        end = self.end()
        if end is not None and at >= end:
            how = "revoked" if end == self.revoked_at else "expired"
            return f"licence {self.grant_id} {how} at {end.isoformat()}"
        return None


def covering_grant(
    grants: Iterable[GrantCover],
    *,
    licensee_id: str | None,
    purpose: Purpose,
    territory: str | None,
    at: datetime,
) -> GrantCover | None:
    """The grant (earliest granted, then by id) that covers the use; None if none does."""
    found = [
        g
        for g in grants
        if g.covers(licensee_id=licensee_id, purpose=purpose, territory=territory, at=at)
    ]
    return min(found, key=lambda g: (g.valid_from, g.grant_id)) if found else None


@dataclass(frozen=True, slots=True)
class WorkCoverage:
    work_id: str
    purposes: tuple[Purpose, ...]  # every consent party agreed to these
    missing: tuple[str, ...]  # why other purposes are not covered


def agreed_purposes(
    work: Work, offer: Offer, optins: Sequence[OptIn], *, scheme_purposes: Iterable[Purpose] = ()
) -> WorkCoverage:
    """Per work: the offer's purposes every consent party agreed to, and the gaps."""
    wanted = set(offer.terms.purposes)
    if offer.scope is OfferScope.SCHEME:
        wanted &= set(scheme_purposes)
    parties = work.consent_parties()
    if not parties:
        return WorkCoverage(work.id, (), ("the work records no rights holder or creator",))
    agreed = set(wanted)
    missing: list[str] = []
    for party in parties:
        said = _party_agrees(party, work.id, offer, optins)
        lacking = sorted(p.value for p in wanted - said)
        if lacking:
            how = (
                "opted the work into the scheme"
                if offer.scope is OfferScope.SCHEME
                else ("made or joined the offer")
            )
            missing.append(f"party {party} has not {how} for {', '.join(lacking)}")
        agreed &= said
    return WorkCoverage(work.id, tuple(sorted(agreed)), tuple(missing))


def _party_agrees(party: str, work_id: str, offer: Offer, optins: Sequence[OptIn]) -> set[Purpose]:
    if offer.scope is OfferScope.SCHEME:
        return opted_in(optins, offer.subject_id, work_id, party)
    return set(offer.terms.purposes) if party in offer.parties else set()


def opted_in(optins: Sequence[OptIn], scheme_id: str, work_id: str, party: str) -> set[Purpose]:
    """The purposes a party has the work opted into the scheme for: its latest opt-in or
    opt-out row holds the whole set (rows in the order they were recorded)."""
    current: set[Purpose] = set()
    for o in optins:
        if o.scheme_id == scheme_id and o.work_id == work_id and o.party_id == party:
            current = set(o.purposes)
    return current


def validity(terms: LicenceTerms, granted_at: datetime) -> tuple[datetime, datetime | None]:
    """From the grant to the end of its term (None: no end)."""
    end = granted_at + timedelta(days=terms.term_days) if terms.term_days else None
    return granted_at, end


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    request_id: str
    offer_id: str
    licensee_id: str
    terms: LicenceTerms
    works: tuple[tuple[str, tuple[Purpose, ...]], ...]  # (work id, purposes granted)
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None = None
    ledger_seq: int | None = None
    document: Mapping[str, Any] | None = None  # the signed licence document

    def covers(self) -> list[GrantCover]:
        return [
            GrantCover(
                self.id,
                self.licensee_id,
                work_id,
                frozenset(purposes),
                self.terms.territory,
                self.valid_from,
                self.valid_until,
                self.revoked_at,
                self.ledger_seq,
                self.terms.requires_credit,
            )
            for work_id, purposes in self.works
        ]

    def in_force(self, at: datetime) -> bool:
        ends = [t for t in (self.valid_until, self.revoked_at) if t is not None]
        return self.valid_from <= at and (not ends or at < min(ends))

    def state(self, at: datetime) -> str:
        """``revoked``, ``expired``, ``not yet in force`` or ``in force`` at ``at``."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if self.valid_until is not None and self.valid_until <= at:
            return "expired"
        return "in force" if self.valid_from <= at else "not yet in force"

    def to_json(self) -> dict[str, Any]:
        return {
            "grant_id": self.id,
            "request_id": self.request_id,
            "offer_id": self.offer_id,
            "licensee_id": self.licensee_id,
            "terms": self.terms.to_json(),
            "works": [{"work_id": w, "purposes": [p.value for p in ps]} for w, ps in self.works],
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "ledger_seq": self.ledger_seq,
            "document": dict(self.document) if self.document is not None else None,
        }
