"""AI-use terms: what one holder declared, per purpose, from when.

A :class:`Declaration` is one holder's statement for one purpose, either for one work or for
the holder's whole catalogue (``work_id is None``). Declarations are never overwritten: a
change is a new declaration with a later ``effective_from``; :func:`effective_declaration`
answers what held at any time T, in a territory or everywhere.

Each declaration holds in one territory: ``WORLD`` or an ISO 3166-1 alpha-2 code. Which
declaration governs (party, work, purpose) is decided by specificity, never by date across
scopes (dates only order declarations of the same scope). For territory T:

1. this work, in T;
2. this work, ``WORLD``  -- and --  the catalogue, in T: neither is more specific than the
   other, so when both exist the more restrictive holds (reserved > licence > allowed);
3. the catalogue, ``WORLD``;
4. nothing declared: reserved.

Asked for no territory (or ``WORLD``), the answer must hold everywhere: it is the most
restrictive of the answers in every territory the party named and in the rest of the world
(where only its ``WORLD`` declarations hold). So ``allowed`` everywhere except ``reserved``
in FR answers ``reserved``, and ``allowed`` in GB alone answers ``reserved`` (nothing was
declared for the rest of the world).

:class:`TermsSet` is the per-purpose summary that signal writers and lookups use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from consentry.errors import ValidationError
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status
from consentry.registry.territories import WORLD


@dataclass(frozen=True, slots=True)
class Declaration:
    """One holder's declared status for one purpose (for one work, or a whole catalogue)."""

    id: str
    party_id: str  # whose terms these are (the holder or creator)
    purpose: Purpose
    status: Status
    effective_from: datetime
    recorded_at: datetime
    work_id: str | None = None  # None: the party's whole catalogue
    attribution_required: bool = False
    licence_url: str | None = None
    declared_by: str | None = None  # party that made it (an organisation acting on mandate)
    mandate_id: str | None = None
    ledger_seq: int | None = None
    territory: str = WORLD  # where it holds: WORLD or an ISO 3166-1 alpha-2 code


@dataclass(frozen=True, slots=True)
class PurposeTerms:
    status: Status
    attribution_required: bool = False
    licence_url: str | None = None


@dataclass(frozen=True, slots=True)
class TermsSet:
    """Status per purpose; every purpose present (unset ones are ``reserved``)."""

    purposes: Mapping[Purpose, PurposeTerms] = field(default_factory=dict)
    # as_dict's answer, made once: a bulk lookup asks it of the same TermsSet thousands of
    # times (works with the same parties share one, decisions.terms_for_works)
    _statuses: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        full = {p: self.purposes.get(p, PurposeTerms(Status.RESERVED)) for p in ALL_PURPOSES}
        object.__setattr__(self, "purposes", full)
        object.__setattr__(self, "_statuses", {p.value: t.status.value for p, t in full.items()})

    def status(self, purpose: Purpose) -> Status:
        return self.purposes[purpose].status

    def as_dict(self) -> dict[str, str]:
        """Status per purpose name, every purpose (a new dict each call: callers may change it)."""
        return self._statuses.copy()

    @classmethod
    def from_statuses(
        cls,
        statuses: Mapping[Purpose, Status],
        *,
        attribution_required: bool = False,
        licence_url: str | None = None,
    ) -> TermsSet:
        return cls(
            {
                p: PurposeTerms(
                    s,
                    attribution_required=attribution_required and s is Status.ALLOWED,
                    licence_url=licence_url if s is Status.LICENCE else None,
                )
                for p, s in statuses.items()
            }
        )


def parse_terms_spec(spec: str) -> dict[Purpose, Status]:
    """Parse ``ai-train=reserved;search=allowed``; purposes not listed are ``reserved``."""
    out: dict[Purpose, Status] = {p: Status.RESERVED for p in ALL_PURPOSES}
    seen: set[Purpose] = set()
    for item in (part.strip() for part in spec.split(";")):
        if not item:
            continue
        if "=" not in item:
            raise ValidationError(
                f"terms item {item!r} is not purpose=status",
                field="terms",
                value=item,
                expected="purpose=status, e.g. ai-train=reserved",
            )
        key, _, value = item.partition("=")
        purpose = Purpose.parse(key)
        if purpose in seen:
            raise ValidationError(
                f"purpose {purpose.value} given twice in terms {spec!r}",
                field="terms",
                value=spec,
                expected="each purpose at most once",
            )
        seen.add(purpose)
        out[purpose] = Status.parse(value)
    return out


def effective_declaration(
    declarations: Iterable[Declaration],
    *,
    party_id: str,
    purpose: Purpose,
    work_id: str,
    at: datetime,
    territory: str | None = None,
) -> Declaration | None:
    """The declaration that governs (party, work, purpose) at time ``at`` in ``territory``.

    ``territory`` None (or ``WORLD``): everywhere. The order of precedence is in the module
    docstring; among declarations of the same scope (level and territory) the one with the
    latest ``effective_from`` wins, ties broken by the later ``recorded_at`` and then the
    ledger position. None: nothing declared governs, the default reservation applies.
    """
    slots: dict[tuple[int, str], Declaration] = {}
    for d in declarations:
        if d.party_id != party_id or d.purpose is not purpose or d.effective_from > at:
            continue
        if d.recorded_at > at:
            continue  # not yet declared at that time: history as it was known then
        if d.work_id == work_id:
            level = 0
        elif d.work_id is None:
            level = 1
        else:
            continue
        key = (level, d.territory)
        cur = slots.get(key)
        if cur is None or _later(d, cur):
            slots[key] = d
    return governing(slots, territory)


Slots = dict[tuple[int, str], Declaration]  # (0 work | 1 catalogue, territory) -> latest

_RANK = {Status.ALLOWED: 0, Status.LICENCE: 1, Status.RESERVED: 2}


def governing(slots: Slots, territory: str | None) -> Declaration | None:
    """The governing declaration among the latest of each scope (see the module docstring)."""
    if not slots:
        return None
    if territory is not None and territory != WORLD:
        return _in_territory(slots, territory)
    if len(slots) <= 2 and all(t == WORLD for _, t in slots):  # the common case: WORLD only
        return slots.get((0, WORLD)) or slots.get((1, WORLD))
    named = sorted({t for _, t in slots if t != WORLD})
    return most_restrictive([_in_territory(slots, t) for t in (WORLD, *named)])


def _in_territory(slots: Slots, territory: str) -> Declaration | None:
    """``territory`` WORLD here means "a territory no declaration names"."""
    if territory != WORLD:
        work_here = slots.get((0, territory))
        if work_here is not None:
            return work_here
    tied = [
        d
        for d in (slots.get((0, WORLD)), slots.get((1, territory)) if territory != WORLD else None)
        if d is not None
    ]
    if tied:
        return most_restrictive(tied)
    return slots.get((1, WORLD))


def most_restrictive(candidates: Iterable[Declaration | None]) -> Declaration | None:
    """The most restrictive (reserved > licence > allowed; None, nothing declared, counts as
    reserved); among equals the first declaration given."""
    best: Declaration | None = None
    best_rank = -1
    for d in candidates:
        rank = _RANK[d.status] if d is not None else _RANK[Status.RESERVED]
        if rank > best_rank or (rank == best_rank and best is None and d is not None):
            best, best_rank = d, rank
    return best  # None when nothing declared somewhere is the most restrictive answer


def _later(a: Declaration, b: Declaration) -> bool:
    ka = (a.effective_from, a.recorded_at, a.ledger_seq or 0)
    kb = (b.effective_from, b.recorded_at, b.ledger_seq or 0)
    return ka > kb
