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
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from consentry.errors import ValidationError

RULES_VERSION = "consentry-distribution/1"


class UseRow(NamedTuple):
    """The units of one (identifier, licensee, model, purpose) in the period, summed: the
    lines of the statements. The distribution itself needs only the sum per identifier
    (rule 1 is linear in units), which is what :attr:`Inputs.units` holds."""

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
    units: Sequence[tuple[str, int]]  # (identifier, units_milli summed), sorted
    works: Mapping[str, Sequence[str]]  # identifier -> work ids holding it
    holders: Mapping[str, Sequence[tuple[str, Decimal]]]  # work id -> (party id, share %)
    brought_forward: Mapping[str, int]  # party id -> minor units carried in
    reports: Sequence[str] = ()  # digests of the usage reports the lines come from, sorted


class Share(NamedTuple):
    """A payee's part of one usage line: ``numerator / denominator`` minor units (exact)."""

    row: int  # index into the statement rows
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


def share_scale(holders: Iterable[Sequence[tuple[str, Decimal]]]) -> int:
    """The smallest ``k`` (at least 0) with every share an integer multiple of ``10**-k``."""
    k = 0
    seen: set[Decimal] = set()
    for hs in holders:
        for _, share in hs:
            if share in seen:
                continue
            seen.add(share)
            exponent = share.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > k:
                k = -exponent
    return k


def _scaled(
    holders: Mapping[str, Sequence[tuple[str, Decimal]]], scale: int, wanted: set[str] | None = None
) -> dict[str, list[tuple[str, int, Decimal]]]:
    """Holders with their shares as integers of ``1/scale`` percent (each distinct share
    converted once)."""
    ints: dict[Decimal, int] = {}
    out: dict[str, list[tuple[str, int, Decimal]]] = {}
    for w, hs in holders.items():
        row = []
        for p, s in hs:
            if wanted is not None and p not in wanted:
                continue
            n = ints.get(s)
            if n is None:
                n = ints[s] = int(s * scale)
            row.append((p, n, s))
        if row:
            out[w] = row
    return out


def distribute(inputs: Inputs) -> Allocation:
    total_units = sum(u for _, u in inputs.units)
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
    holders = {w: [(p, int(s * scale), s) for p, s in hs] for w, hs in inputs.holders.items() if hs}
    per_payee: dict[str, int] = defaultdict(int)
    unidentified = 0
    works_of = inputs.works
    for identifier, units in inputs.units:
        works = works_of.get(identifier, ())
        hs = holders.get(works[0]) if len(works) == 1 else None
        if hs is None:
            unidentified += units * whole
            continue
        covered = 0
        for party, s, _ in hs:
            per_payee[party] += units * s
            covered += s
        unidentified += units * (whole - covered)
    return _round(inputs, denominator, unidentified * inputs.pool, per_payee)


def payee_shares(
    inputs: Inputs, rows: Sequence[UseRow], payees: Iterable[str]
) -> dict[str, list[Share]]:
    """The statement lines of ``payees``: their part of each usage row (``rows``: the
    period's usage per identifier, licensee, model and purpose), exact (numerators over the
    allocation's denominator), in the order of the rows. Made only when statements are
    written; :func:`distribute` needs only the sums per identifier."""
    wanted = set(payees)
    scale = 10 ** share_scale(inputs.holders.values())
    out: dict[str, list[Share]] = {p: [] for p in sorted(wanted)}
    holders = _scaled(inputs.holders, scale, wanted)
    pool = inputs.pool
    for i, row in enumerate(rows):
        works = inputs.works.get(row.identifier, ())
        if len(works) != 1:
            continue
        for party, s, share in holders.get(works[0], ()):
            out[party].append(Share(i, works[0], share, row.units_milli * s * pool))
    return out


def _round(
    inputs: Inputs,
    denominator: int,
    unidentified_exact: int,
    per_payee: Mapping[str, int],
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
    """SHA-256 over everything a distribution and its statements depend on, in a fixed
    order: the parameters (JSON); the usage reports the lines come from (reports are
    immutable, so they fix the statement lines); a line per identifier (its units and the
    works it resolves to, separated by US, 0x1f); a line per work's holders."""
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
    h.update(("\n" + ",".join(inputs.reports)).encode())
    works = {k: ",".join(sorted(v)) for k, v in inputs.works.items()}
    units = inputs.units
    for start in range(0, len(units), 50_000):
        chunk = "".join(
            f"\n{i}\x1f{u}\x1f{works.get(i, '')}" for i, u in units[start : start + 50_000]
        )
        h.update(chunk.encode())
    for work_id in sorted(inputs.holders):
        hs = ",".join(f"{p}={s}" for p, s in sorted(inputs.holders[work_id]))
        h.update(f"\n{work_id}\x1f{hs}".encode())
    return h.hexdigest()
