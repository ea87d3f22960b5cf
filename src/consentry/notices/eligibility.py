"""Which members' works may go into a notice: only under a mandate in force that covers the
campaign's purposes, territory and date. Every member left out is named with the reason.

Pure. The rule is :func:`consentry.registry.mandates.Mandate.covers` for every purpose of
the campaign, by one mandate (as :func:`~consentry.registry.mandates.authorise` requires for
a declaration): two mandates that each cover half the purposes do not make one that covers
them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from consentry.registry.mandates import WORLD, Mandate
from consentry.registry.purposes import Purpose

# Reasons, as the campaign's ``excluded`` list gives them.
NO_MANDATE = "no mandate"
WITHDRAWN = "mandate withdrawn"
EXPIRED = "expired"
NOT_YET = "mandate not yet in force"
PURPOSES = "purposes not covered"
TERRITORY = "territory not covered"
NO_WORKS = "no works"
UNKNOWN = "unknown member"


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the campaign names it: ``label`` as given, ``party_id`` when found."""

    label: str
    party_id: str | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Excluded:
    member: str  # the party id, or the label given when no party was found
    reason: str
    detail: str
    name: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "member": self.member,
            "name": self.name,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Eligible:
    member_id: str
    name: str
    mandate: Mandate


def covering_mandate(
    mandates: Iterable[Mandate],
    *,
    organisation_id: str,
    member_id: str,
    purposes: Sequence[Purpose],
    territory: str,
    at: datetime,
) -> Mandate | None:
    """The mandate (latest to end, then by id) that covers every purpose in ``territory`` at
    ``at``; None when there is none."""
    fits = [
        m
        for m in mandates
        if m.organisation_id == organisation_id
        and m.member_id == member_id
        and all(m.covers(p, territory, at) for p in purposes)
    ]
    if not fits:
        return None
    far = datetime.max.replace(tzinfo=at.tzinfo)
    return sorted(fits, key=lambda m: (-(m.valid_until or far).timestamp(), m.id))[0]


def why_not(
    relevant: Sequence[Mandate], purposes: Sequence[Purpose], territory: str, at: datetime
) -> tuple[str, str]:
    """The reason (and its detail) no mandate of ``relevant`` covers the campaign."""
    if not relevant:
        return NO_MANDATE, "the member has given the organisation no mandate"
    in_force = [m for m in relevant if m.in_force(at)]
    if in_force:
        for m in in_force:
            if all(p in m.purposes for p in purposes):
                return TERRITORY, (
                    f"mandate {m.id} covers {', '.join(sorted(m.territories))}, not {territory}"
                )
        missing = sorted(
            {p.value for p in purposes} - {p.value for m in in_force for p in m.purposes}
        )
        ids = ", ".join(m.id for m in in_force)
        what = ", ".join(missing) if missing else "these purposes together in one mandate"
        return PURPOSES, f"mandates in force ({ids}) do not cover {what}"
    withdrawn = [m for m in relevant if m.withdrawn_at is not None and m.withdrawn_at <= at]
    if withdrawn:
        m = withdrawn[0]
        assert m.withdrawn_at is not None
        return WITHDRAWN, f"mandate {m.id} was withdrawn at {m.withdrawn_at.isoformat()}"
    ended = [m for m in relevant if m.valid_until is not None and m.valid_until <= at]
    if ended:
        m = ended[0]
        assert m.valid_until is not None
        return EXPIRED, f"mandate {m.id} ended at {m.valid_until.isoformat()}"
    m = relevant[0]
    return NOT_YET, f"mandate {m.id} starts at {m.valid_from.isoformat()}"


def select_members(
    members: Sequence[Member],
    mandates: Sequence[Mandate],
    *,
    organisation_id: str,
    purposes: Sequence[Purpose],
    at: datetime,
    territory: str = WORLD,
) -> tuple[list[Eligible], list[Excluded]]:
    """Split ``members`` into those whose works may go into the notices (with the mandate
    relied on) and those left out (with the reason). A member named twice counts once."""
    eligible: list[Eligible] = []
    excluded: list[Excluded] = []
    by_member: dict[str, list[Mandate]] = {}
    for m in mandates:
        if m.organisation_id == organisation_id:
            by_member.setdefault(m.member_id, []).append(m)
    seen: set[str] = set()
    for member in members:
        key = member.party_id or f"?{member.label}"
        if key in seen:
            continue
        seen.add(key)
        if member.party_id is None:
            excluded.append(Excluded(member.label, UNKNOWN, "no party found by that name or id"))
            continue
        relevant = sorted(by_member.get(member.party_id, []), key=lambda m: m.id)
        found = covering_mandate(
            relevant,
            organisation_id=organisation_id,
            member_id=member.party_id,
            purposes=purposes,
            territory=territory,
            at=at,
        )
        if found is not None:
            eligible.append(Eligible(member.party_id, member.name, found))
            continue
        reason, detail = why_not(relevant, purposes, territory, at)
        excluded.append(Excluded(member.party_id, reason, detail, member.name))
    return eligible, excluded


def out_of_force(
    relied_on: Iterable[Mandate], purposes: Sequence[Purpose], territory: str, at: datetime
) -> list[tuple[Mandate, str]]:
    """Mandates a campaign relied on that no longer cover it at ``at`` (checked again before
    anything is sent), each with the reason."""
    out = []
    for m in relied_on:
        if not all(m.covers(p, territory, at) for p in purposes):
            out.append((m, why_not([m], purposes, territory, at)[1]))
    return out
