"""Licence terms: fee models, money, currencies, sub-uses; every refusal names the field,
the value and what was expected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from consentry.currencies import minor_units, parse_currency
from consentry.errors import ValidationError
from consentry.licensing.terms import DEFAULT_CREDIT, FeeModel, LicenceTerms, Unit, make_terms
from consentry.registry.purposes import Purpose


def test_training_licence_per_work() -> None:
    t = make_terms(
        purposes=["ai-train"],
        fee_model="per-work",
        amount="5000",
        currency="gbp",
        term_days=1095,
        sub_uses=["rag", "fine-tuning"],
        conditions=["no more than 200 consecutive words"],
    )
    assert t.purposes == (Purpose.AI_TRAIN,)
    assert (t.amount, t.currency, t.term_days) == (Decimal("5000"), "GBP", 1095)
    assert [s.value for s in t.sub_uses] == ["fine-tuning", "rag"]
    assert not t.requires_credit
    assert LicenceTerms.from_json(t.to_json()) == t


def test_prompt_licence_per_unit_and_free_attribution() -> None:
    t = make_terms(
        purposes=["ai-input"], fee_model="per-unit", amount="0.0004", currency="EUR", unit="words"
    )
    assert (t.unit, t.amount) == (Unit.WORDS, Decimal("0.0004"))
    free = make_terms(purposes=["ai-input"], fee_model="free-attribution")
    assert free.fee_model is FeeModel.FREE_ATTRIBUTION
    assert free.attribution == DEFAULT_CREDIT and free.requires_credit
    share = make_terms(purposes=["ai-train"], fee_model="revenue-share", amount="20")
    assert (share.amount, share.currency) == (Decimal(20), None)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"fee_model": "per-work", "amount": "5000", "currency": "GPB"}, "currency", "GPB"),
        ({"fee_model": "per-work", "amount": "5000", "currency": "HRK"}, "currency", "EUR"),
        ({"fee_model": "per-work", "amount": "5000.001", "currency": "GBP"}, "amount", "decimals"),
        ({"fee_model": "per-work", "amount": "100", "currency": "JPY"}, None, None),
        ({"fee_model": "per-work", "amount": "1.5", "currency": "JPY"}, "amount", "JPY has 0"),
        ({"fee_model": "per-work", "amount": "-1", "currency": "GBP"}, "amount", "at least 0"),
        ({"fee_model": "per-work", "amount": "NaN", "currency": "GBP"}, "amount", "finite"),
        ({"fee_model": "per-work", "amount": "lots", "currency": "GBP"}, "amount", "not a number"),
        ({"fee_model": "per-work", "currency": "GBP"}, "amount", "needs an amount"),
        ({"fee_model": "per-work", "amount": "5"}, "currency", "needs a currency"),
        ({"fee_model": "per-unit", "amount": "1", "currency": "GBP"}, "unit", "needs a unit"),
        (
            {"fee_model": "per-unit", "amount": "1", "currency": "GBP", "unit": "pages"},
            "unit",
            "pages",
        ),
        (
            {"fee_model": "per-work", "amount": "1", "currency": "GBP", "unit": "words"},
            "unit",
            "only",
        ),
        ({"fee_model": "revenue-share", "amount": "120"}, "amount", "120"),
        (
            {"fee_model": "revenue-share", "amount": "20", "currency": "GBP"},
            "currency",
            "percentage",
        ),
        ({"fee_model": "free-attribution", "amount": "3", "currency": "GBP"}, "amount", "no fee"),
        ({"fee_model": "gratis"}, "fee_model", "gratis"),
        ({"fee_model": "free-attribution", "term_days": 0}, "term_days", "1 to"),
        ({"fee_model": "free-attribution", "territory": "XX"}, "territory", "XX"),
        ({"fee_model": "free-attribution", "attribution": "  "}, "attribution", "empty"),
    ],
)
def test_bad_terms_name_field_value_and_expectation(
    kwargs: dict[str, object], field: str | None, words: str | None
) -> None:
    args: dict[str, object] = {"purposes": ["ai-train"], **kwargs}
    if field is None:
        assert make_terms(**args).amount == Decimal(100)  # type: ignore[arg-type]
        return
    with pytest.raises(ValidationError) as err:
        make_terms(**args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert err.value.expected
    assert words is not None and words in err.value.message


def test_sub_uses_belong_to_a_training_licence() -> None:
    with pytest.raises(ValidationError) as err:
        make_terms(purposes=["ai-input"], fee_model="free-attribution", sub_uses=["rag"])
    assert err.value.field == "sub_uses"
    assert "ai-train" in err.value.message


def test_no_purposes_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        make_terms(purposes=[], fee_model="free-attribution")
    assert err.value.field == "purposes"


def test_currencies() -> None:
    assert (minor_units("gbp"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)
    assert parse_currency(" eur ") == "EUR"
    for bad in ("XXX", "XAU", "", "EURO", "SLL"):
        with pytest.raises(ValidationError) as err:
            parse_currency(bad)
        assert err.value.field == "currency"
        assert "ISO 4217" in err.value.message
