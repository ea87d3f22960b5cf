"""Money amounts as integers of the currency's minor unit (ISO 4217 exponent).

``parse_amount("1000.5", "GBP") == 100050``; ``format_amount(100050, "GBP") == "1000.50"``;
JPY has no minor unit (``"1000"``), KWD three (``"1.000"``). An amount with more decimals
than the currency has is an error naming it (a pool of 10.005 GBP cannot be paid out).

Pure.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from consentry.currencies import MINOR_UNITS, minor_units, parse_currency
from consentry.errors import ValidationError


def parse_amount(text: str, currency: str, *, field: str = "amount") -> int:
    code = parse_currency(currency)
    places = minor_units(code)
    expected = f"a non-negative amount in {code} with at most {places} decimals"
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise ValidationError(
            f"{field} {text!r} is not a non-negative amount",
            field=field,
            value=text,
            expected=expected,
        )
    minor = value.scaleb(places)
    if minor != minor.to_integral_value():
        raise ValidationError(
            f"{field} {text!r} has more decimals than {code} has ({places})",
            field=field,
            value=text,
            expected=expected,
        )
    if minor >= 10**17:
        raise ValidationError(
            f"{field} {text!r} is too large", field=field, value=text, expected=expected
        )
    return int(minor)


def format_amount(minor: int, currency: str) -> str:
    places = MINOR_UNITS.get(currency)
    if places is None:
        places = minor_units(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"
