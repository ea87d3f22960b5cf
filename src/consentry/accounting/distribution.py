"""Distribution of a licence income pool over a period's usage: the four rules of issue 12.

1. A usage line's share of the pool is proportional to its units among all the lines
   distributed. A line whose identifier matches no registered work goes to the
   **unidentified fund**, held apart (CRM Directive Art. 13). Decision: so does a line whose
   identifier is claimed by more than one work (an open dispute: who is owed is unknown), a
   line of a work with no holdings of right ``all``, and the part of a work's share that its
   holders' shares leave undeclared (shares adding up to less than 100%).
2. A work's share is split among its holders of right ``all`` by their shares (percent).
3. A payee's total is the sum over its works plus the balance brought forward. Everything is
   exact until the end: with the pool ``P`` in minor units, total units ``T`` and shares as
   integers ``s / 10**k`` percent, every amount is an integer numerator over the one common
   denominator ``D = T * 100 * 10**k`` (the same value a ``Fraction`` gives; a test checks).
   Then the unidentified fund is rounded down, every payee is rounded down, and the minor
   units left over go one each to the payees with the largest remainders (ties: the smaller
   party id), so paid + carried forward + unidentified = pool + brought forward, exactly.
4. A payee whose rounded total is below the threshold is not paid: the total is carried
   forward to the next distribution in the currency.

Pure: values in, values out.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from consentry.errors import ValidationError

RULES_VERSION = "consentry-distribution/1"


@dataclass(frozen=True, slots=True)
class UseRow:
    """The units of one (identifier, licensee, model, purpose) in the period, summed."""

    identifier: str
    licensee: str
    model: str
    purpose: str
    units_milli: int


@dataclass(frozen=True, slots=True)
class Inputs:
    period: str
    currency: str
    unit: str
    licensee: str | None
    pool: int  # minor units
    threshold: int  # minor units
    rows: Sequence[UseRow]  # sorted
    works: Mapping[str, Sequence[str]]  # identifier -> work ids holding it
    holders: Mapping[str, Sequence[tuple[str, Decimal]]]  # work id -> (party id, share %)
    brought_forward: Mapping[str, int]  # party id -> minor units carried in


@dataclass(frozen=True, slots=True)
class Share:
    """A payee's part of one usage line: ``numerator / denominator`` minor units (exact)."""

    row: int  # index into Inputs.rows
    work_id: str
    share: Decimal  # percent
    numerator: int


@dataclass(slots=True)
class Allocation:
    denominator: int
    unidentified: int  # minor units, rounded down
    unidentified_exact: int  # numerator over the denominator
    totals: dict[str, int]  # party -> rounded total (brought forward included)
    paid: dict[str, int]
    carried: dict[str, int]
    brought_forward: dict[str, int]
    shares: dict[str, list[Share]] = field(default_factory=dict)


def share_scale(holders: Iterable[Sequence[tuple[str, Decimal]]]) -> int:
    """The smallest ``k`` (at least 0) with every share an integer multiple of ``10**-k``."""
    k = 0
    for hs in holders:
        for _, share in hs:
            exponent = share.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > k:
                k = -exponent
    return k


def distribute(inputs: Inputs) -> Allocation:
    total_units = sum(r.units_milli for r in inputs.rows)
    if total_units <= 0 and inputs.pool > 0:
        raise ValidationError(
            f"the usage of {inputs.period} ({inputs.unit}) adds up to 0 units: "
            "a pool cannot be shared in proportion to nothing",
            field="period",
            value=inputs.period,
            expected="usage lines with units above 0",
        )
    scale = 10 ** share_scale(inputs.holders.values())
    whole = 100 * scale
    denominator = max(total_units, 1) * whole
    holders = {w: [(p, int(s * scale)) for p, s in hs] for w, hs in inputs.holders.items()}
    per_payee: dict[str, int] = defaultdict(int)
    shares: dict[str, list[Share]] = defaultdict(list)
    unidentified = 0
    pool = inputs.pool
    for i, row in enumerate(inputs.rows):
        units = row.units_milli
        works = inputs.works.get(row.identifier, ())
        hs = holders.get(works[0]) if len(works) == 1 else None
        if not hs:
            unidentified += units * whole
            continue
        work_id = works[0]
        covered = 0
        for party, s in hs:
            n = units * s
            per_payee[party] += n
            shares[party].append(Share(i, work_id, Decimal(s) / scale, n * pool))
            covered += s
        unidentified += units * (whole - covered)
    return _round(inputs, denominator, unidentified * pool, per_payee, shares)


def _round(
    inputs: Inputs,
    denominator: int,
    unidentified_exact: int,
    per_payee: Mapping[str, int],
    shares: dict[str, list[Share]],
) -> Allocation:
    exact = {p: n * inputs.pool for p, n in per_payee.items()}
    for party, amount in inputs.brought_forward.items():
        if amount:
            exact[party] = exact.get(party, 0) + amount * denominator
    unidentified = unidentified_exact // denominator
    totals: dict[str, int] = {}
    remainders: list[tuple[int, str]] = []
    for party, n in exact.items():
        q, r = divmod(n, denominator)
        totals[party] = q
        remainders.append((-r, party))
    leftover = inputs.pool + sum(inputs.brought_forward.values()) - unidentified
    leftover -= sum(totals.values())
    remainders.sort()
    for _, party in remainders[:leftover]:
        totals[party] += 1
    paid = {p: t for p, t in sorted(totals.items()) if t > 0 and t >= inputs.threshold}
    carried = {p: t for p, t in sorted(totals.items()) if 0 < t < inputs.threshold}
    return Allocation(
        denominator,
        unidentified,
        unidentified_exact,
        dict(sorted(totals.items())),
        paid,
        carried,
        {p: a for p, a in sorted(inputs.brought_forward.items()) if a},
        dict(shares),
    )


def line_amounts(amount: int, shares: Sequence[Share], denominator: int) -> list[int]:
    """Split a payee's ``amount`` of this period over its statement lines, exactly: each line
    rounded down, the units left over one each to the largest remainders (ties: the
    earlier line), so the lines add up to the amount."""
    floors = [s.numerator // denominator for s in shares]
    leftover = amount - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i].numerator % denominator), i))
    for i in order[: max(leftover, 0)]:
        floors[i] += 1
    return floors


def inputs_digest(inputs: Inputs) -> str:
    """SHA-256 over everything a distribution depends on, in a fixed order."""
    h = hashlib.sha256()
    head = {
        "rules_version": RULES_VERSION,
        "period": inputs.period,
        "currency": inputs.currency,
        "unit": inputs.unit,
        "licensee": inputs.licensee,
        "pool": inputs.pool,
        "threshold": inputs.threshold,
        "brought_forward": dict(sorted(inputs.brought_forward.items())),
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for r in inputs.rows:
        works = inputs.works.get(r.identifier, ())
        line = [r.identifier, r.licensee, r.model, r.purpose, r.units_milli, sorted(works)]
        h.update(b"\n" + json.dumps(line, ensure_ascii=False).encode())
    for work_id in sorted(inputs.holders):
        hs = sorted((p, str(s)) for p, s in inputs.holders[work_id])
        h.update(b"\n" + json.dumps([work_id, hs]).encode())
    return h.hexdigest()
