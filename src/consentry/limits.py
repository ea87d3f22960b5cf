"""Bounds on what the registry accepts: the longest text of each field and the times UTC can
hold, the same on SQLite and PostgreSQL and checked before any database sees the value.

The one place these numbers live: the core values check them on construction (so the API,
the CLI and imports all refuse the same values), the API schemas state them (``maxLength``),
and the table columns in ``store/tables.py`` are sized from them. Pure: no I/O.

Decision: limits are in characters (what a person counts) except identifiers, whose
canonical form is stored in an indexed column and is bounded in UTF-8 bytes too (a
PostgreSQL B-tree entry holds at most ~2,700 bytes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from consentry.errors import ValidationError

MAX_ID = 40  # registry ids: parties, works, mandates, declarations, keys
MAX_NAME = 500  # a party's name
MAX_TITLE = 1000  # a work's title
MAX_CONTACT = 500  # a contact's value (address, URL, phone)
MAX_EXTERNAL_ID = 200  # an importer's own key for a work
MAX_RIGHT = 50  # the right a holding is of ("all", "audio", ...)
MAX_SHARE = 20  # a share's exact decimal text
MAX_URL = 2000  # a licence URL
MAX_EVIDENCE = 2000  # a mandate's evidence reference
MAX_TERRITORIES = 300  # territories of one mandate (ISO 3166-1 has 249 codes)
MAX_IDENTIFIER = 2048  # an identifier as given, and its canonical form in UTF-8 bytes
MAX_ENUM = 20  # a kind, role, purpose or status (all are shorter)

ECHO = 100  # characters of an over-long value echoed back in the error


def check_length(value: str, *, field: str, limit: int) -> str:
    """``value`` when it has at most ``limit`` characters; otherwise a ValidationError that
    names the field and the limit (echoing only the value's start)."""
    if len(value) > limit:
        raise ValidationError(
            f"{field} has {len(value)} characters; the limit is {limit}",
            field=field,
            value=value[:ECHO] + ("…" if len(value) > ECHO else ""),
            expected=f"at most {limit} characters",
            limit=limit,
        )
    return value


def check_optional(value: str | None, *, field: str, limit: int) -> str | None:
    return None if value is None else check_length(value, field=field, limit=limit)


def utc_time(value: datetime, *, field: str) -> datetime:
    """``value`` in UTC, or a ValidationError when it has no offset or its UTC time falls
    outside the years 1-9999 (``0001-01-01T00:00:00+01:00`` is 31 December of year 0)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{field} {value.isoformat()} has no time zone",
            field=field,
            value=value.isoformat(),
            expected="a time with offset or Z, e.g. 2026-01-01T00:00:00Z",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"{field} {value.isoformat()} is outside the years 1-9999 in UTC",
            field=field,
            value=value.isoformat(),
            expected="a time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z",
        ) from None


def optional_utc(value: datetime | None, *, field: str) -> datetime | None:
    return None if value is None else utc_time(value, field=field)
