"""Past-use claims use cases (a mixin of :class:`~consentry.accounting.service.AccountingService`):
match a published works list against the registry; prepare claims per work and holder for
the works matched (never those in review).

The prepared claims are written (by the CLI) as ``claims.csv`` and ``compensation.json``, the
file a ``compensation`` notice campaign takes (docs/claims.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from consentry.accounting.claims import (
    Claimant,
    Listed,
    Matcher,
    Outcome,
    claimants_for,
    listed_identifier,
    split_claim,
)
from consentry.accounting.money import format_amount, parse_amount
from consentry.currencies import parse_currency
from consentry.errors import NotFound
from consentry.registry.access import Actor, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class WorkClaim:
    work_id: str
    title: str
    identifiers: tuple[str, ...]
    listed: tuple[Listed, ...]
    amount: int
    claimants: tuple[tuple[Claimant, int], ...]


@dataclass(frozen=True, slots=True)
class PreparedClaims:
    currency: str
    per_work: int
    works: tuple[WorkClaim, ...]

    def to_json(self) -> dict[str, Any]:
        cur = self.currency
        totals: dict[str, int] = {}
        for w in self.works:
            for c, amount in w.claimants:
                key = c.party_id or "unassigned"
                totals[key] = totals.get(key, 0) + amount
        return {
            "kind": "compensation",
            "currency": cur,
            "per_work": format_amount(self.per_work, cur),
            "total": format_amount(self.per_work * len(self.works), cur),
            "works": [
                {
                    "work_id": w.work_id,
                    "title": w.title,
                    "identifiers": list(w.identifiers),
                    "listed": [
                        {"record": x.record, "isbn": x.isbn, "title": x.title, "author": x.author}
                        for x in w.listed
                    ],
                    "amount": format_amount(w.amount, cur),
                    "claimants": [
                        {
                            "party_id": c.party_id or None,
                            "name": c.name or None,
                            "role": c.role,
                            "share": percent(c.share),
                            "amount": format_amount(a, cur),
                            "basis": c.basis,
                        }
                        for c, a in w.claimants
                    ],
                }
                for w in self.works
            ],
            "totals": {p: format_amount(a, cur) for p, a in sorted(totals.items())},
        }


def percent(share: Fraction) -> str:
    """A share as a percentage, exact where it terminates within 6 decimals (1/6: 16.666667)."""
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


class ClaimCases:
    _uow: Callable[[bool], SqlUnitOfWork]

    def match_claims(
        self,
        actor: Actor,
        listed: Sequence[Listed],
        *,
        match_at: float,
        review_at: float,
    ) -> list[Outcome]:
        actor.require(Role.ADMIN)
        idents = sorted({i for x in listed if (i := listed_identifier(x)) is not None})
        with self._uow(False) as uow:
            candidates = uow.accounting.claim_candidates()
            by_identifier = uow.works.ids_for_identifiers(idents)
        matcher = Matcher(candidates, by_identifier, match_at=match_at, review_at=review_at)
        return [matcher.match(x) for x in listed]

    def prepare_claims(
        self,
        actor: Actor,
        matched: Sequence[tuple[str, Listed]],
        *,
        per_work: str,
        currency: str,
    ) -> PreparedClaims:
        """``matched``: (work id, list row) pairs from ``matched.csv``; a work listed twice
        is claimed once."""
        actor.require(Role.ADMIN)
        code = parse_currency(currency, field="--currency")
        amount = parse_amount(per_work, code, field="--per-work")
        rows: dict[str, list[Listed]] = {}
        for work_id, item in matched:
            rows.setdefault(work_id, []).append(item)
        with self._uow(False) as uow:
            works = uow.works.get_many(sorted(rows))
            missing = sorted(set(rows) - set(works))
            if missing:
                raise NotFound("work", missing[0])
            parties = uow.accounting.claim_parties(sorted(rows))
        out = []
        for work_id in sorted(rows):
            p = parties[work_id]
            claimants = claimants_for(p.holders, p.authors, p.publishers)
            amounts = split_claim(amount, claimants)
            out.append(
                WorkClaim(
                    work_id,
                    works[work_id].title,
                    tuple(p.identifiers),
                    tuple(rows[work_id]),
                    amount,
                    tuple(zip(claimants, amounts, strict=True)),
                )
            )
        return PreparedClaims(code, amount, tuple(out))
