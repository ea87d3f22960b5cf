"""Mandates: a member organisation may act for a member within a scope.

A mandate names the purposes, the territories (ISO 3166 codes, or ``WORLD``) and the period
it covers, with a reference to the evidence (signed form, membership terms). A withdrawn
mandate covers nothing from the moment of withdrawal. :func:`authorise` refuses any act
outside every mandate with :class:`MandateError` naming what was missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from consentry.errors import MandateError, ValidationError
from consentry.limits import MAX_EVIDENCE, MAX_TERRITORIES, check_length
from consentry.registry.purposes import Purpose
from consentry.registry.territories import EXPECTED, WORLD, is_territory

__all__ = ["WORLD", "Mandate", "authorise"]


@dataclass(frozen=True, slots=True)
class Mandate:
    id: str
    organisation_id: str
    member_id: str
    purposes: frozenset[Purpose]
    territories: frozenset[str]
    valid_from: datetime
    valid_until: datetime | None
    evidence: str
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.purposes:
            raise ValidationError(
                "mandate covers no purpose",
                field="purposes",
                value=[],
                expected="at least one purpose",
            )
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValidationError(
                f"mandate ends ({self.valid_until.isoformat()}) before it starts "
                f"({self.valid_from.isoformat()})",
                field="valid_until",
                value=self.valid_until.isoformat(),
                expected="a time after valid_from",
            )
        if not self.evidence.strip():
            raise ValidationError(
                "mandate has no evidence reference",
                field="evidence",
                value=self.evidence,
                expected="a reference to the signed form or membership terms",
            )
        check_length(self.evidence, field="evidence", limit=MAX_EVIDENCE)
        if len(self.territories) > MAX_TERRITORIES:
            raise ValidationError(
                f"mandate names {len(self.territories)} territories; the limit is "
                f"{MAX_TERRITORIES}",
                field="territories",
                value=len(self.territories),
                expected=f"at most {MAX_TERRITORIES} territories (or WORLD)",
                limit=MAX_TERRITORIES,
            )
        for t in self.territories:
            if not is_territory(t):
                raise ValidationError(
                    f"territory {t!r} is not an ISO 3166-1 alpha-2 code or WORLD",
                    field="territories",
                    value=t,
                    expected=EXPECTED,
                )

    def in_force(self, at: datetime) -> bool:
        if at < self.valid_from:
            return False
        if self.valid_until is not None and at >= self.valid_until:
            return False
        return not (self.withdrawn_at is not None and at >= self.withdrawn_at)

    def covers(self, purpose: Purpose, territory: str, at: datetime) -> bool:
        territory_ok = WORLD in self.territories or territory in self.territories
        return self.in_force(at) and purpose in self.purposes and territory_ok

    def period(self) -> str:
        """The validity in words: ``from T1 until T2`` (and the withdrawal, if any)."""
        until = self.valid_until.isoformat() if self.valid_until else "no end date"
        text = f"from {self.valid_from.isoformat()} until {until}"
        if self.withdrawn_at is not None:
            text += f", withdrawn at {self.withdrawn_at.isoformat()}"
        return text


def authorise(
    mandates: Iterable[Mandate],
    *,
    organisation_id: str,
    member_id: str,
    purposes: Iterable[Purpose],
    at: datetime,
    territory: str = WORLD,
    effective_from: datetime | None = None,
) -> Mandate:
    """The mandate under which ``organisation_id`` may act for ``member_id`` for every purpose.

    ``at`` is when the act is recorded: the mandate must be in force then. ``effective_from``
    (default ``at``) is when the declared terms take effect: that time must fall within the
    same mandate's validity too (``valid_from`` <= T < ``valid_until``, and before any
    withdrawal), so an organisation cannot declare terms that start after its mandate ends
    or before it began.

    Raises :class:`MandateError` naming the purposes no mandate in force covers, or the
    period of the mandates that cover them when the terms would take effect outside it.
    """
    wanted = list(dict.fromkeys(purposes))
    effective = effective_from or at
    relevant = [
        m for m in mandates if m.organisation_id == organisation_id and m.member_id == member_id
    ]
    covering = [m for m in relevant if all(m.covers(p, territory, at) for p in wanted)]
    for m in covering:
        if m.in_force(effective):
            return m
    if covering:
        raise _outside_period(covering, effective, organisation_id, member_id)
    if not relevant:
        raise MandateError(
            f"organisation {organisation_id} holds no mandate from party {member_id}",
            organisation=organisation_id,
            member=member_id,
        )
    raise _not_covered(relevant, wanted, at, territory, organisation_id, member_id)


def _outside_period(
    covering: list[Mandate], effective: datetime, organisation_id: str, member_id: str
) -> MandateError:
    """Mandates cover the act, but none is in force when the terms would take effect."""
    periods = "; ".join(f"mandate {m.id} {m.period()}" for m in covering)
    return MandateError(
        f"terms taking effect at {effective.isoformat()} fall outside the period of every "
        f"mandate that lets organisation {organisation_id} act for party {member_id} "
        f"({periods}): a declaration under a mandate must take effect within its period",
        organisation=organisation_id,
        member=member_id,
        effective_from=effective.isoformat(),
        periods=[
            {
                "mandate_id": m.id,
                "valid_from": m.valid_from.isoformat(),
                "valid_until": m.valid_until.isoformat() if m.valid_until else None,
            }
            for m in covering
        ],
    )


def _not_covered(
    relevant: list[Mandate],
    wanted: list[Purpose],
    at: datetime,
    territory: str,
    organisation_id: str,
    member_id: str,
) -> MandateError:
    """No one mandate in force covers every purpose asked, in the territory: name which."""
    uncovered = [p.value for p in wanted if not any(m.covers(p, territory, at) for m in relevant)]
    detail = (
        f"purposes {', '.join(uncovered)}"
        if uncovered
        else f"these purposes together ({', '.join(p.value for p in wanted)})"
    )
    return MandateError(
        f"no mandate in force at {at.isoformat()} lets organisation {organisation_id} act "
        f"for party {member_id} in territory {territory} for {detail}",
        organisation=organisation_id,
        member=member_id,
        purposes=uncovered,
        territory=territory,
    )


@dataclass(frozen=True, slots=True)
class MandateDraft:
    """One row of a mandates file (``consentry mandates import``), before the member is found.

    ``member`` is a name (found as the works CSV finds parties, created when unknown) or
    ``party:ID``; ``valid_from`` ``None`` means the time of the import; ``email`` becomes a
    contact point of the member when it has not got it yet.
    """

    member_name: str | None
    member_id: str | None
    email: str | None
    purposes: frozenset[Purpose]
    territories: frozenset[str]
    valid_from: datetime | None
    valid_until: datetime | None
    evidence: str

    def same_scope(self, m: Mandate) -> bool:
        """``m`` is the mandate this row describes (a re-import changes nothing): same
        purposes, territories, end and evidence, and the same start when the row gives one."""
        return (
            m.purposes == self.purposes
            and m.territories == self.territories
            and m.valid_until == self.valid_until
            and m.evidence == self.evidence
            and (self.valid_from is None or m.valid_from == self.valid_from)
        )


@dataclass(frozen=True, slots=True)
class MandateRecord:
    """One record of a mandates file: a draft, or the reason it could not be read."""

    number: int
    draft: MandateDraft | None
    error: str | None = None
    key: str | None = None  # the member as written, shown in reject lists
