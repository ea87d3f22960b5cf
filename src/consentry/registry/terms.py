"""AI-use terms: what one holder declared, per purpose, from when.

A :class:`Declaration` is one holder's statement for one purpose, either for one work or for
the holder's whole catalogue (``work_id is None``). Declarations are never overwritten: a
change is a new declaration with a later ``effective_from``; :func:`effective_status` answers
what held at any time T.

:class:`TermsSet` is the per-purpose summary that signal writers and lookups use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from consentry.errors import ValidationError
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status


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


@dataclass(frozen=True, slots=True)
class PurposeTerms:
    status: Status
    attribution_required: bool = False
    licence_url: str | None = None


@dataclass(frozen=True, slots=True)
class TermsSet:
    """Status per purpose; every purpose present (unset ones are ``reserved``)."""

    purposes: Mapping[Purpose, PurposeTerms] = field(default_factory=dict)

    def __post_init__(self) -> None:
        full = {p: self.purposes.get(p, PurposeTerms(Status.RESERVED)) for p in ALL_PURPOSES}
        object.__setattr__(self, "purposes", full)

    def status(self, purpose: Purpose) -> Status:
        return self.purposes[purpose].status

    def as_dict(self) -> dict[str, str]:
        return {p.value: t.status.value for p, t in self.purposes.items()}

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
) -> Declaration | None:
    """The declaration that governs (party, work, purpose) at time ``at``.

    A work-level declaration in force beats a catalogue-level one; among declarations of the
    same level the one with the latest ``effective_from`` wins, ties broken by the later
    ``recorded_at`` and then the ledger position.
    """
    best_work: Declaration | None = None
    best_cat: Declaration | None = None
    for d in declarations:
        if d.party_id != party_id or d.purpose is not purpose or d.effective_from > at:
            continue
        if d.recorded_at > at:
            continue  # not yet declared at that time: history as it was known then
        if d.work_id == work_id:
            if best_work is None or _later(d, best_work):
                best_work = d
        elif d.work_id is None and (best_cat is None or _later(d, best_cat)):
            best_cat = d
    return best_work if best_work is not None else best_cat


def _later(a: Declaration, b: Declaration) -> bool:
    ka = (a.effective_from, a.recorded_at, a.ledger_seq or 0)
    kb = (b.effective_from, b.recorded_at, b.ledger_seq or 0)
    return ka > kb
