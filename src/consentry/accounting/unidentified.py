"""The unidentified fund over time: held for three years, then non-distributable.

CRM Directive Art. 13(6): amounts that cannot be distributed because the rightholders
cannot be identified or located are non-distributable after three years from the end of
the financial year in which they were collected. Decision: consentry does not know an
organisation's financial year, so it counts three years from the end of the usage period
(``2026-Q1`` ends 2026-03-31, so its fund is non-distributable from 2029-04-01); a period
distributed later than it ended changes nothing (the period is what the fund belongs to).

Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from consentry.accounting.money import format_amount

YEARS_HELD = 3
_PERIOD = re.compile(r"(\d{4})-(?:Q([1-4])|(\d{2}))")


@dataclass(frozen=True, slots=True)
class Fund:
    period: str
    currency: str
    amount: int  # minor units
    non_distributable_from: date
    non_distributable: bool

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "currency": self.currency,
            "amount": format_amount(self.amount, self.currency),
            "non_distributable_from": self.non_distributable_from.isoformat(),
            "status": "non-distributable" if self.non_distributable else "held",
        }


def period_end_next_day(period: str) -> date:
    """The first day after ``period`` (2026-Q1 -> 2026-04-01, 2026-12 -> 2027-01-01)."""
    m = _PERIOD.fullmatch(period)
    if m is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(m.group(1))
    month = int(m.group(2)) * 3 if m.group(2) else int(m.group(3))
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def funds(held: dict[tuple[str, str], int], as_of: date) -> list[Fund]:
    """``held``: (period, currency) -> unidentified minor units, as the books hold them."""
    out = []
    for (period, currency), amount in sorted(held.items()):
        if not amount:
            continue
        start = period_end_next_day(period)
        until = start.replace(year=start.year + YEARS_HELD)
        out.append(Fund(period, currency, amount, until, as_of >= until))
    return out
