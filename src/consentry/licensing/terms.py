"""Licence terms and the values of the licensing flow: offers, schemes, opt-ins, requests.

An offer states the terms on which works may be licensed in advance (the issue's "advance
authorisation"): the purposes, a fee model with its amount and currency, a term, a
territory, the credit to give, and conditions such as output limits. Two standard kinds
come first: a **training licence** (``ai-train``, optionally with the sub-uses fine-tuning
and RAG, the CLA/ALCS Generative AI Training Licence) and a **prompt licence**
(``ai-input``: extracts pasted into AI tools; no training, the ALCS "prompt" option).

Decisions:

- Money is ``Decimal``. A ``per-work`` fee is an amount of the currency, so it has at most
  the currency's minor units (GBP 5000.00, not 5000.001); a ``per-unit`` price may be finer
  (GBP 0.0004 per token). A ``revenue-share`` amount is a percentage (0 < x <= 100) and has
  no currency; ``free-attribution`` has neither amount nor currency.
- Sub-uses (fine-tuning, RAG) belong to a training licence: naming one without ``ai-train``
  is an error. They are terms of the licence; decisions are asked per purpose of the
  vocabulary, where fine-tuning is training (``ai-train``) and RAG at inference is
  ``ai-input``: a training licence does not answer ``ai-input`` unless it names that purpose.
- A licence requires credit when it carries attribution text, and always under the
  ``free-attribution`` fee model (where the text defaults to :data:`DEFAULT_CREDIT`).

Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from consentry.currencies import minor_units, parse_currency
from consentry.errors import ValidationError
from consentry.limits import ECHO
from consentry.registry.choices import parse_choice
from consentry.registry.purposes import Purpose
from consentry.registry.territories import WORLD, parse_territory

MAX_TERM_DAYS = 36600  # a hundred years
MAX_TEXT = 1000  # attribution text, one condition
MAX_CONDITIONS = 20
MAX_NAME = 200  # a scheme's or a model's name
DEFAULT_CREDIT = "{title} by {creators}"


class FeeModel(StrEnum):
    PER_WORK = "per-work"  # a flat fee per work licensed
    PER_UNIT = "per-unit"  # a price per unit used (documents, tokens, words, answers)
    REVENUE_SHARE = "revenue-share"  # a percentage of the licensee's revenue from the use
    FREE_ATTRIBUTION = "free-attribution"  # no fee; credit is the condition

    @classmethod
    def parse(cls, value: str) -> FeeModel:
        return parse_choice(cls, value, field="fee_model", label="fee model")


class Unit(StrEnum):
    DOCUMENTS = "documents"
    TOKENS = "tokens"
    WORDS = "words"
    ANSWERS = "answers"

    @classmethod
    def parse(cls, value: str) -> Unit:
        return parse_choice(cls, value, field="unit", label="unit")


class SubUse(StrEnum):
    FINE_TUNING = "fine-tuning"
    RAG = "rag"

    @classmethod
    def parse(cls, value: str) -> SubUse:
        return parse_choice(cls, value, field="sub_uses", label="sub-use")


class OfferScope(StrEnum):
    WORK = "work"  # one work, offered by its holders
    PARTY = "party"  # a party's catalogue: every work it holds or created
    SCHEME = "scheme"  # a collective scheme: the works members opted in

    @classmethod
    def parse(cls, value: str) -> OfferScope:
        return parse_choice(cls, value, field="scope", label="offer scope")


def _invalid(field: str, value: object, message: str, expected: str) -> ValidationError:
    return ValidationError(message, field=field, value=value, expected=expected)


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """A finite, non-negative decimal from text or a number (never via float)."""
    text = str(value).strip() if not isinstance(value, Decimal) else value
    try:
        amount = Decimal(text) if not isinstance(text, Decimal) else text
    except (InvalidOperation, ValueError):
        raise _invalid(
            field, str(value)[:ECHO], f"{field} {str(value)[:ECHO]!r} is not a number", "e.g. 5000"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise _invalid(
            field,
            str(value)[:ECHO],
            f"{field} {value} is not a finite amount of at least 0",
            "a decimal amount such as 5000 or 0.0004",
        )
    return amount


def parse_purposes(
    values: Iterable[str | Purpose], *, field: str = "purposes"
) -> tuple[Purpose, ...]:
    out = sorted({p if isinstance(p, Purpose) else Purpose.parse(p) for p in values})
    if not out:
        raise _invalid(field, [], f"no {field} given", "at least one purpose, such as ai-train")
    return tuple(out)


def _check_text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        raise _invalid(
            field,
            value[:ECHO],
            f"{field} {value[:ECHO]!r} is empty or longer than {MAX_TEXT} characters",
            f"1 to {MAX_TEXT} characters",
        )
    return text


@dataclass(frozen=True, slots=True)
class LicenceTerms:
    purposes: tuple[Purpose, ...]
    fee_model: FeeModel
    amount: Decimal | None = None
    currency: str | None = None
    unit: Unit | None = None
    term_days: int | None = None  # None: no end
    territory: str = WORLD
    attribution: str | None = None  # the credit line, with {title} and {creators}
    conditions: tuple[str, ...] = ()
    sub_uses: tuple[SubUse, ...] = ()

    @property
    def requires_credit(self) -> bool:
        return self.attribution is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "purposes": [p.value for p in self.purposes],
            "sub_uses": [s.value for s in self.sub_uses],
            "fee_model": self.fee_model.value,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
            "unit": None if self.unit is None else self.unit.value,
            "term_days": self.term_days,
            "territory": self.territory,
            "attribution": self.attribution,
            "conditions": list(self.conditions),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LicenceTerms:
        return make_terms(
            purposes=data["purposes"],
            fee_model=data["fee_model"],
            amount=data.get("amount"),
            currency=data.get("currency"),
            unit=data.get("unit"),
            term_days=data.get("term_days"),
            territory=data.get("territory") or WORLD,
            attribution=data.get("attribution"),
            conditions=data.get("conditions") or (),
            sub_uses=data.get("sub_uses") or (),
        )


def make_terms(
    *,
    purposes: Iterable[str | Purpose],
    fee_model: str | FeeModel,
    amount: object = None,
    currency: str | None = None,
    unit: str | Unit | None = None,
    term_days: int | None = None,
    territory: str = WORLD,
    attribution: str | None = None,
    conditions: Iterable[str] = (),
    sub_uses: Iterable[str | SubUse] = (),
) -> LicenceTerms:
    """Validated terms; every error names the field, the value and what was expected."""
    model = fee_model if isinstance(fee_model, FeeModel) else FeeModel.parse(fee_model)
    purpose_list = parse_purposes(purposes)
    subs = tuple(sorted({s if isinstance(s, SubUse) else SubUse.parse(s) for s in sub_uses}))
    if subs and Purpose.AI_TRAIN not in purpose_list:
        raise _invalid(
            "sub_uses",
            [s.value for s in subs],
            f"sub-uses {', '.join(s.value for s in subs)} belong to a training licence, "
            "but ai-train is not among the purposes",
            "ai-train among the purposes, or no sub-uses",
        )
    money = _money(model, amount, currency)
    the_unit = _unit(model, unit)
    if term_days is not None and (type(term_days) is not int or not 0 < term_days <= MAX_TERM_DAYS):
        raise _invalid(
            "term_days",
            term_days,
            f"term_days {term_days!r} is not a whole number of days from 1 to {MAX_TERM_DAYS}",
            f"1 to {MAX_TERM_DAYS} days, or no term (no end)",
        )
    credit = _check_text(attribution, "attribution")
    if model is FeeModel.FREE_ATTRIBUTION and credit is None:
        credit = DEFAULT_CREDIT
    conds = tuple(c for c in (_check_text(c, "conditions") for c in conditions) if c)
    if len(conds) > MAX_CONDITIONS:
        raise _invalid(
            "conditions", len(conds), f"{len(conds)} conditions", f"at most {MAX_CONDITIONS}"
        )
    return LicenceTerms(
        purposes=purpose_list,
        fee_model=model,
        amount=money[0],
        currency=money[1],
        unit=the_unit,
        term_days=term_days,
        territory=parse_territory(territory),
        attribution=credit,
        conditions=conds,
        sub_uses=subs,
    )


def _money(
    model: FeeModel, amount: object, currency: str | None
) -> tuple[Decimal | None, str | None]:
    value = None if amount is None else parse_amount(amount)
    if model is FeeModel.FREE_ATTRIBUTION:
        if (value is not None and value != 0) or currency is not None:
            raise _invalid(
                "amount",
                None if value is None else str(value),
                "a free-attribution licence has no fee: no amount and no currency",
                "no --amount and no --currency",
            )
        return None, None
    if value is None:
        raise _invalid("amount", None, f"fee model {model.value} needs an amount", "an amount")
    if model is FeeModel.REVENUE_SHARE:
        if currency is not None:
            raise _invalid(
                "currency",
                currency,
                "a revenue share is a percentage and has no currency",
                "no currency",
            )
        if not 0 < value <= 100:
            raise _invalid(
                "amount",
                str(value),
                f"revenue share {value}% is outside 0 < x <= 100",
                "a percentage",
            )
        return value, None
    if currency is None:
        raise _invalid("currency", None, f"fee model {model.value} needs a currency", "e.g. GBP")
    code = parse_currency(currency)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if model is FeeModel.PER_WORK and places > minor_units(code):
        raise _invalid(
            "amount",
            str(value),
            f"amount {value} has {places} decimals; {code} has {minor_units(code)}",
            f"at most {minor_units(code)} decimals for {code}",
        )
    return value, code


def _unit(model: FeeModel, unit: str | Unit | None) -> Unit | None:
    if model is FeeModel.PER_UNIT:
        if unit is None:
            raise _invalid(
                "unit",
                None,
                "fee model per-unit needs a unit",
                "documents, tokens, words or answers",
            )
        return unit if isinstance(unit, Unit) else Unit.parse(unit)
    if unit is not None:
        raise _invalid(
            "unit",
            str(unit),
            f"a unit is only for the per-unit fee model, not {model.value}",
            "no unit",
        )
    return None


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    scope: OfferScope
    subject_id: str  # the work, party or scheme
    terms: LicenceTerms
    parties: tuple[str, ...]  # parties that made or joined the offer (none for a scheme)
    created_at: datetime
    created_by: str  # the actor's label
    ledger_seq: int | None = None
    withdrawn_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "offer_id": self.id,
            "scope": self.scope.value,
            "subject_id": self.subject_id,
            "parties": list(self.parties),
            "terms": self.terms.to_json(),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "ledger_seq": self.ledger_seq,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }


@dataclass(frozen=True, slots=True)
class Scheme:
    """A collective scheme run by an organisation (the ALCS model): members opt works in,
    per work and per purpose; the organisation's offers for the scheme cover those works."""

    id: str
    organisation_id: str
    name: str
    purposes: tuple[Purpose, ...]
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme_id": self.id,
            "organisation_id": self.organisation_id,
            "name": self.name,
            "purposes": [p.value for p in self.purposes],
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class OptIn:
    scheme_id: str
    work_id: str
    party_id: str
    purposes: tuple[Purpose, ...]
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme_id": self.scheme_id,
            "work_id": self.work_id,
            "party_id": self.party_id,
            "purposes": [p.value for p in self.purposes],
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class LicenceRequest:
    id: str
    offer_id: str
    developer_id: str
    requested_at: datetime
    grant_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.id,
            "offer_id": self.offer_id,
            "developer_id": self.developer_id,
            "requested_at": self.requested_at.isoformat(),
            "grant_id": self.grant_id,
        }


def scheme_name(value: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_NAME:
        raise _invalid(
            "name",
            value[:ECHO],
            f"scheme name {value[:ECHO]!r} is empty or too long",
            f"1 to {MAX_NAME} characters",
        )
    return text
