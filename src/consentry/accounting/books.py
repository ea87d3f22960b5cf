"""The double-entry books of distributions: one journal entry per distribution run.

Decision: a small pure core rather than a library. beancount (GPL-2.0) keeps its books as a
text file and is not a multi-user store; python-accounting models invoices, tax and
reporting entities around its own tables. What a distribution needs is four kinds of
account and one invariant, written here and stored by ``store/accounting.py``:

* ``pool`` (per period): the licence income distributed, credited (negative);
* ``payee`` (per party): paid out this run, debited (positive);
* ``carried`` (per party): balances below the threshold, debited when carried forward and
  credited when brought into a later run, so its balance is what is outstanding;
* ``unidentified`` (per period): the fund held apart (kept three years, CRM Directive
  Art. 13(6)), debited.

Amounts are integers of the currency's minor unit. Every entry balances (its postings add up
to zero), so the books as a whole balance per currency; :func:`check_balanced` refuses an
entry that does not, before anything is stored.

Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from consentry.accounting.distribution import Allocation
from consentry.errors import LedgerError

POOL = "pool"
PAYEE = "payee"
CARRIED = "carried"
UNIDENTIFIED = "unidentified"
ACCOUNTS = (POOL, PAYEE, CARRIED, UNIDENTIFIED)


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    party_id: str | None
    amount: int  # minor units; debit positive, credit negative


def journal(allocation: Allocation, pool: int) -> list[Posting]:
    """The postings of one distribution run, balanced."""
    postings = [Posting(POOL, None, -pool)]
    postings += [Posting(CARRIED, p, -a) for p, a in allocation.brought_forward.items()]
    postings += [Posting(PAYEE, p, a) for p, a in allocation.paid.items()]
    postings += [Posting(CARRIED, p, a) for p, a in allocation.carried.items()]
    if allocation.unidentified:
        postings.append(Posting(UNIDENTIFIED, None, allocation.unidentified))
    check_balanced(postings)
    return postings


def check_balanced(postings: Iterable[Posting]) -> None:
    total = sum(p.amount for p in postings)
    if total != 0:
        raise LedgerError(
            f"the entry does not balance: its postings add up to {total} minor units, expected 0"
        )


def balances(postings: Sequence[Posting]) -> dict[tuple[str, str | None], int]:
    out: dict[tuple[str, str | None], int] = {}
    for p in postings:
        key = (p.account, p.party_id)
        out[key] = out.get(key, 0) + p.amount
    return out
