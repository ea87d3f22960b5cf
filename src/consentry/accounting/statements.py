"""Per-payee statements of a distribution, as CSV and as HTML (made into PDF by ``pdf.py``).

A statement lists, per usage line of the payee's works: work, identifier, licensee, model,
purpose (the type of use), period, units, the payee's share and the amount; the amounts of
the lines add up exactly to the revenue attributed this period (split by
:func:`~consentry.accounting.distribution.line_amounts`). Then the items of Art. 18(1) of
the CRM Directive (2014/26/EU) that apply:

(a) contact details the registry holds for the payee; (b) the rights revenue attributed;
(c) the amounts per category of rights (the holding's right) and per type of use (purpose);
(d) the period of use; (e) deductions for management fees: none (consentry deducts
nothing; shown as 0); (f) other deductions: none, 0; (g) revenue attributed but outstanding:
the amount carried forward below the threshold. Plus the balance brought forward and the
amount paid, and the run's input digest and rules version so an auditor can recompute it.

Everything is a function of the distribution (no clock: the date shown is the run's
closing time), so a closed period's statements are the same bytes every time.

Pure.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import jinja2

from consentry.accounting.distribution import Allocation, Inputs, Share, UseRow, line_amounts
from consentry.accounting.money import format_amount
from consentry.accounting.usage import format_units

RIGHT = "all"
CSV_COLUMNS = (
    "record",
    "work_id",
    "title",
    "identifier",
    "licensee",
    "model",
    "purpose",
    "period",
    "units",
    "unit",
    "right",
    "share",
    "amount",
    "currency",
)


@dataclass(frozen=True, slots=True)
class StatementLine:
    work_id: str
    title: str
    identifier: str
    licensee: str
    model: str
    purpose: str
    units: str
    share: str
    amount: int


@dataclass(frozen=True, slots=True)
class Statement:
    party_id: str
    name: str
    contacts: tuple[tuple[str, str], ...]
    period: str
    unit: str
    currency: str
    lines: tuple[StatementLine, ...]
    brought_forward: int
    attributed: int  # this period's revenue (the lines' sum)
    paid: int
    outstanding: int  # carried forward
    run_id: str
    inputs_sha256: str
    rules_version: str
    closed_at: datetime

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency)

    def by_use(self) -> list[tuple[str, str, int]]:
        """Art. 18(1)(c): (category of rights, type of use, amount)."""
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for ln in self.lines:
            sums[(RIGHT, ln.purpose)] += ln.amount
        return [(r, p, a) for (r, p), a in sorted(sums.items())]


def build_statement(
    party_id: str,
    *,
    inputs: Inputs,
    allocation: Allocation,
    rows: Sequence[UseRow],
    shares: Sequence[Share],
    name: str,
    contacts: Sequence[tuple[str, str]],
    titles: Mapping[str, str],
    run_id: str,
    inputs_sha256: str,
    rules_version: str,
    closed_at: datetime,
) -> Statement:
    brought = allocation.brought_forward.get(party_id, 0)
    total = allocation.totals.get(party_id, 0)
    attributed = total - brought
    amounts = line_amounts(attributed, shares, allocation.denominator)
    lines = []
    for s, amount in zip(shares, amounts, strict=True):
        row = rows[s.row]
        lines.append(
            StatementLine(
                s.work_id,
                titles.get(s.work_id, ""),
                row.identifier,
                row.licensee,
                row.model,
                row.purpose,
                format_units(row.units_milli),
                f"{s.share.normalize():f}",
                amount,
            )
        )
    return Statement(
        party_id,
        name,
        tuple(contacts),
        inputs.period,
        inputs.unit,
        inputs.currency,
        tuple(lines),
        brought,
        attributed,
        allocation.paid.get(party_id, 0),
        allocation.carried.get(party_id, 0),
        run_id,
        inputs_sha256,
        rules_version,
        closed_at,
    )


def statement_csv(st: Statement) -> str:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for ln in st.lines:
        w.writerow(
            (
                "use",
                ln.work_id,
                ln.title,
                ln.identifier,
                ln.licensee,
                ln.model,
                ln.purpose,
                st.period,
                ln.units,
                st.unit,
                RIGHT,
                ln.share,
                st.money(ln.amount),
                st.currency,
            )
        )
    blank = ("",) * 11
    for record, amount in (
        ("brought-forward", st.brought_forward),
        ("attributed", st.attributed),
        ("management-fee", 0),
        ("other-deductions", 0),
        ("paid", st.paid),
        ("outstanding", st.outstanding),
    ):
        w.writerow((record, *blank[:6], st.period, *blank[:4], st.money(amount), st.currency))
    return out.getvalue()


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Statement {{ st.period }} {{ st.name }}</title>
<meta name="author" content="consentry">
<meta name="generator" content="consentry {{ st.rules_version }}">
<meta name="dcterms.created" content="{{ created }}">
<meta name="dcterms.modified" content="{{ created }}">
<style>
 @page { size: A4; margin: 16mm; }
 body { font-family: sans-serif; font-size: 9pt; }
 table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
 th, td { border-bottom: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; }
 td.n, th.n { text-align: right; }
 .small { font-size: 7pt; color: #444; }
</style></head><body>
<h1>Statement of rights revenue</h1>
<p>(a) <strong>{{ st.name }}</strong> (party {{ st.party_id }})<br>
{% for kind, value in st.contacts %}{{ kind }}: {{ value }}<br>{% endfor %}
{% if not st.contacts %}No contact details on record.<br>{% endif %}</p>
<p>(d) Period of use: <strong>{{ st.period }}</strong> &middot; unit: {{ st.unit }}
 &middot; currency: {{ st.currency }}
 &middot; distribution {{ st.run_id }}, closed {{ created }}</p>
<h2>Summary (CRM Directive Art. 18(1))</h2>
<table>
<tr><td>(b) Rights revenue attributed this period</td>
 <td class="n">{{ st.money(st.attributed) }}</td></tr>
<tr><td>Balance brought forward</td>
 <td class="n">{{ st.money(st.brought_forward) }}</td></tr>
<tr><td>(e) Deducted for management fees</td><td class="n">{{ st.money(0) }}</td></tr>
<tr><td>(f) Other deductions</td><td class="n">{{ st.money(0) }}</td></tr>
<tr><td>Paid this distribution</td><td class="n">{{ st.money(st.paid) }}</td></tr>
<tr><td>(g) Attributed but outstanding (below the payment threshold, carried forward)</td>
 <td class="n">{{ st.money(st.outstanding) }}</td></tr>
</table>
<h2>(c) By category of rights and type of use</h2>
<table><tr><th>Right</th><th>Type of use</th><th class="n">Amount</th></tr>
{% for right, purpose, amount in st.by_use() %}<tr><td>{{ right }}</td><td>{{ purpose }}</td>
 <td class="n">{{ st.money(amount) }}</td></tr>
{% endfor %}</table>
<h2>Usage lines</h2>
<table><tr><th>Work</th><th>Identifier</th><th>Licensee</th><th>Model</th><th>Purpose</th>
 <th>Period</th><th class="n">Units</th><th class="n">Share %</th><th class="n">Amount</th></tr>
{% for ln in st.lines %}<tr><td>{{ ln.title }} ({{ ln.work_id }})</td>
 <td>{{ ln.identifier }}</td><td>{{ ln.licensee }}</td><td>{{ ln.model }}</td>
 <td>{{ ln.purpose }}</td><td>{{ st.period }}</td><td class="n">{{ ln.units }}</td>
 <td class="n">{{ ln.share }}</td><td class="n">{{ st.money(ln.amount) }}</td></tr>
{% endfor %}</table>
<p class="small">Computed by rules {{ st.rules_version }} from inputs sha256 {{ st.inputs_sha256 }}.
Amounts are exact until rounded to the minor unit of {{ st.currency }} once, at the end
(docs/distribution.md).</p>
</body></html>
"""
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_COMPILED = _ENV.from_string(_TEMPLATE)


def statement_html(st: Statement) -> str:
    created = st.closed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _COMPILED.render(st=st, created=created)
