"""Credit: the attribution a licence requires, recorded per work, licensee, model and period.

An attribution record is the issue's "(work, credit line, licensee, model, period)", signed
by the registry and written to the ledger (``credit.recorded``), so a model's credits page
can be checked against the ledger like a receipt. The licensee records which model a
grant's works went into (``consentry credits record GRANT --model NAME --period P``); one
record per work the grant covers, and recording the same (grant, model, period) again
changes nothing.

The credit line is the licence's attribution text with ``{title}`` replaced by the work's
title and ``{creators}`` by the names of its creative contributors ("A, B and C"; the
holders' names when it records none), so "full credit" names the people who made the work,
not only the publisher.

Pure: values in, text out (Markdown and JSON for model cards; HTML is the API's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consentry.errors import ValidationError
from consentry.licensing.terms import MAX_NAME
from consentry.limits import ECHO
from consentry.registry.works import CREATIVE_ROLES, Work

_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?")
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")


def parse_period(value: str, *, field: str = "period") -> str:
    """``2026``, ``2026-Q1`` or ``2026-03``."""
    text = value.strip()
    if not _PERIOD.fullmatch(text):
        raise ValidationError(
            f"period {value[:ECHO]!r} is not a year, quarter or month",
            field=field,
            value=value[:ECHO],
            expected="2026, 2026-Q1 or 2026-03",
        )
    return text


def parse_model(value: str, *, field: str = "model") -> str:
    """A model's name as its maker publishes it (e.g. ``acme/writer-7b``, ``gpt-x:2026-03``)."""
    text = value.strip()
    if not text or len(text) > MAX_NAME or not _MODEL.fullmatch(text) or "//" in text:
        raise ValidationError(
            f"model name {value[:ECHO]!r} is not a model name",
            field=field,
            value=value[:ECHO],
            expected=f"1 to {MAX_NAME} letters, digits and . _ : / @ + -, starting with a "
            "letter or digit",
        )
    return text


def creators_text(work: Work, names: Mapping[str, str]) -> str:
    """The creative contributors' names, "A, B and C" (holders when there are none)."""
    ids = [c.party_id for c in work.contributors if c.role in CREATIVE_ROLES]
    ids = list(dict.fromkeys(ids or [h.party_id for h in work.holders]))
    people = [names.get(i, i) for i in ids]
    if len(people) <= 1:
        return people[0] if people else "unknown creators"
    return f"{', '.join(people[:-1])} and {people[-1]}"


def credit_line(template: str, work: Work, names: Mapping[str, str]) -> str:
    """The attribution text with ``{title}`` and ``{creators}`` filled in (other text,
    braces included, is kept as written)."""
    return template.replace("{title}", work.title).replace("{creators}", creators_text(work, names))


@dataclass(frozen=True, slots=True)
class CreditRecord:
    id: str
    grant_id: str
    work_id: str
    licensee_id: str
    model: str
    period: str
    credit_line: str
    recorded_at: datetime
    ledger_seq: int | None = None
    document: Mapping[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        """What the ledger records and the signature covers."""
        return {
            "credit_id": self.id,
            "grant_id": self.grant_id,
            "work_id": self.work_id,
            "licensee_id": self.licensee_id,
            "model": self.model,
            "period": self.period,
            "credit_line": self.credit_line,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.payload(),
            "recorded_at": self.recorded_at.isoformat(),
            "ledger_seq": self.ledger_seq,
            "document": dict(self.document) if self.document is not None else None,
        }


def model_card_json(model: str, records: Sequence[CreditRecord]) -> dict[str, Any]:
    """The model's credits for a model card: one entry per work and period."""
    return {
        "model": model,
        "credits": [
            {
                "work_id": r.work_id,
                "credit_line": r.credit_line,
                "licensee_id": r.licensee_id,
                "period": r.period,
                "grant_id": r.grant_id,
                "ledger_seq": r.ledger_seq,
            }
            for r in sorted(records, key=lambda r: (r.period, r.credit_line, r.work_id))
        ],
    }


def _md(text: str) -> str:
    """Markdown-inert text on one line: the characters that make emphasis, code, links,
    HTML, tables or headings are escaped (a leading list or heading marker too)."""
    out = re.sub(r"([\\`*_\[\]<>|#~])", r"\\\1", " ".join(text.split()))
    return re.sub(r"^([-+]|\d+[.)])", r"\\\1", out)


def model_card_markdown(model: str, records: Sequence[CreditRecord]) -> str:
    """A "Credits" section for a model card, grouped by period."""
    lines = [f"## Credits: {_md(model)}", ""]
    if not records:
        lines.append("No credits recorded.")
        return "\n".join(lines) + "\n"
    by_period: dict[str, list[CreditRecord]] = {}
    for r in sorted(records, key=lambda r: (r.period, r.credit_line, r.work_id)):
        by_period.setdefault(r.period, []).append(r)
    for period, items in by_period.items():
        lines.extend([f"### {_md(period)}", ""])
        lines.extend(f"- {_md(r.credit_line)} (licence `{r.grant_id}`)" for r in items)
        lines.append("")
    lines.append(
        "Each credit is a signed attribution record of the consentry registry (ledger "
        "entries " + ", ".join(str(r.ledger_seq) for r in records if r.ledger_seq) + ")."
    )
    return "\n".join(lines) + "\n"
