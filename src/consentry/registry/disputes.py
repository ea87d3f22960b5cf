"""Identifier disputes: one identifier claimed by works of unrelated registrants.

An identifier (ISBN, DOI, URL, ...) names one work. When a second registrant that is
*unrelated* to every work already holding the identifier registers it, neither claim wins
silently: both works are stored and a :class:`Dispute` is opened, which lookups and
decisions show until an admin resolves it for one of the works.

Decision, "related" (:func:`relation`): the new registration is related to an existing work
when the parties of the two meet, or a mandate in force links them. The parties of the new
registration are every holder and contributor named on the new work plus the registering
key's party; those of the existing work are its holders and contributors. They are linked
by a mandate in force when one side's party is the organisation and the other side's the
member. A related registrant already speaks for the work that holds the identifier, so a
second work with it is a duplicate and is refused (409 Conflict), as before; an unrelated
one opens (or joins) a dispute.

Decision, terms of a disputed identifier (:func:`most_restrictive`): a lookup shows every
work with its own terms, and ``combined_terms``, the most restrictive status per purpose
across them (``reserved`` over ``licence`` over ``allowed``), which is the answer to act on
while it is unresolved: whichever work the identifier names, nothing the combined terms
reserve is allowed. A decision asked by work id answers for that work (its parties' terms)
and names the dispute in its reasons.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consentry.registry.mandates import Mandate
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.terms import PurposeTerms, TermsSet


@dataclass(frozen=True, slots=True)
class Dispute:
    id: str
    identifier: str
    work_ids: tuple[str, ...]  # the works that claim the identifier, in order of claim
    opened_at: datetime
    opened_by: str  # the actor label of the registration that opened it
    resolved_at: datetime | None = None
    winner_work_id: str | None = None
    resolved_by: str | None = None
    note: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "identifier": self.identifier,
            "work_ids": list(self.work_ids),
            "open": self.open,
            "opened_at": self.opened_at.isoformat(),
            "opened_by": self.opened_by,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "winner_work_id": self.winner_work_id,
            "resolved_by": self.resolved_by,
            "note": self.note,
        }


def relation(
    new_parties: Set[str], old_parties: Set[str], mandates: Iterable[Mandate], *, at: datetime
) -> str | None:
    """Why a registration with ``new_parties`` is related to a work of ``old_parties`` (a
    sentence naming the shared party or the linking mandate), or ``None`` when unrelated."""
    shared = sorted(new_parties & old_parties)
    if shared:
        return f"shares party {shared[0]}"
    for m in sorted(mandates, key=lambda m: m.id):
        if not m.in_force(at):
            continue
        if (m.organisation_id in new_parties and m.member_id in old_parties) or (
            m.organisation_id in old_parties and m.member_id in new_parties
        ):
            return (
                f"is linked by mandate {m.id} (organisation {m.organisation_id}, "
                f"member {m.member_id})"
            )
    return None


_RANK = {Status.RESERVED: 0, Status.LICENCE: 1, Status.ALLOWED: 2}


def most_restrictive(terms: Sequence[TermsSet]) -> TermsSet:
    """Per purpose the most restrictive status of ``terms`` (``reserved`` when empty);
    attribution is required when any allowing side requires it, the licence URL is the first
    given by a side whose status is ``licence``."""
    out: dict[Purpose, PurposeTerms] = {}
    for purpose in ALL_PURPOSES:
        held = [t.purposes[purpose] for t in terms]
        if not held:
            continue
        status = min((h.status for h in held), key=_RANK.__getitem__)
        same = [h for h in held if h.status is status]
        out[purpose] = PurposeTerms(
            status,
            attribution_required=status is Status.ALLOWED
            and any(h.attribution_required for h in same),
            licence_url=next((h.licence_url for h in same if h.licence_url), None)
            if status is Status.LICENCE
            else None,
        )
    return TermsSet(out)
