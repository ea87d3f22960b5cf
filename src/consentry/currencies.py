"""ISO 4217 currency codes in use, with their minor units (the decimals of an amount).

Decision: a table written here rather than a dependency (no currency package is installed,
and the list changes a few times a decade). Funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN,
UYI, UYW) are kept, precious metals, SDR and testing codes (XAU, XDR, XTS, XXX, ...) are not:
nobody is paid in them. Withdrawn codes (HRK, SLL, ANG, CUC, ZWL) are refused, each with
its successor named where there is one.

Pure: values in, values out.
"""

from __future__ import annotations

from consentry.errors import ValidationError

# Every current code has 2 minor units except those listed in the other groups.
_TWO = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
    "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV "
    "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR "
    "SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH "
    "USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}

WITHDRAWN: dict[str, str | None] = {
    "HRK": "EUR",
    "SLL": "SLE",
    "ANG": "XCG",
    "CUC": None,
    "ZWL": "ZWG",
    "VEF": "VES",
    "MRO": "MRU",
    "STD": "STN",
    "BYR": "BYN",
    "LTL": "EUR",
    "LVL": "EUR",
    "EEK": "EUR",
}


def parse_currency(value: str, *, field: str = "currency") -> str:
    """The ISO 4217 code of ``value`` (upper-cased); ValidationError naming it otherwise."""
    code = value.strip().upper() if isinstance(value, str) else value
    if isinstance(code, str) and code in MINOR_UNITS:
        return code
    if isinstance(code, str) and code in WITHDRAWN:
        successor = WITHDRAWN[code]
        instead = f"; use {successor}" if successor else ""
        raise ValidationError(
            f"currency {value!r} was withdrawn from ISO 4217{instead}",
            field=field,
            value=value,
            expected="an ISO 4217 currency code in use, such as GBP, EUR or USD",
        )
    raise ValidationError(
        f"currency {value!r} is not an ISO 4217 currency code",
        field=field,
        value=value,
        expected="an ISO 4217 currency code in use, such as GBP, EUR or USD",
    )


def minor_units(code: str) -> int:
    """Decimals of the currency's minor unit: GBP 2, JPY 0, KWD 3."""
    return MINOR_UNITS[parse_currency(code)]
