"""One way to read a value of a closed vocabulary (purposes, statuses, roles, kinds)."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from consentry.errors import ValidationError

E = TypeVar("E", bound=StrEnum)


def parse_choice(cls: type[E], value: str, *, field: str, label: str, key: str | None = None) -> E:
    """``cls(key)`` (default: ``value`` stripped and lower-cased), or a ValidationError that
    names the value and every accepted one: ``unknown purpose 'x', expected one of ...``."""
    normal = key if key is not None else value.strip().lower()
    try:
        return cls(normal)
    except ValueError:
        choices = ", ".join(c.value for c in cls)
        raise ValidationError(
            f"unknown {label} {value!r}, expected one of {choices}",
            field=field,
            value=value,
            expected=choices,
        ) from None
