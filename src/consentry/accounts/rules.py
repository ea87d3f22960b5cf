"""Accounts' rules: values in, values out (no clock, no randomness, no I/O).

Decisions:

- A password has at least :data:`MIN_PASSWORD` (12) characters and at most
  :data:`MAX_PASSWORD` (1024, so hashing cannot be made to take long), and is not only white
  space. No composition rules (NIST SP 800-63B 5.1.1.2: length, not character classes).
- An email is kept lower-cased with surrounding white space removed; it must have one ``@``
  with text on both sides and no white space inside. Lower-casing the local part is a choice:
  two accounts differing only in the case of the local part are nearly always one person.
- Every role but ``admin`` is tied to a party (its rights are the party's, as for API keys).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consentry.errors import ValidationError
from consentry.registry.access import PARTY_ROLES, Actor, Role

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_EMAIL = 254  # RFC 5321's path limit less the angle brackets
SESSION_LIFETIME = timedelta(days=14)
RESET_LIFETIME = timedelta(hours=1)
INVITE_LIFETIME = timedelta(days=7)
# Sign-in throttling: after MAX_FAILURES failed sign-ins for one email within FAILURE_WINDOW,
# that email is refused until FAILURE_WINDOW after the last failure (known or unknown email
# alike, so the refusal tells nothing about which emails have accounts).
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)


class TokenPurpose(StrEnum):
    RESET = "reset"  # asked for by the account's holder at /reset
    INVITE = "invite"  # made by an admin (``consentry users invite``)


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    email: str
    role: Role
    party_id: str | None
    created_at: datetime
    password_set_at: datetime | None  # None: invited, no password yet

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.party_id, f"web:{self.id}")


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A signed-in session; ``id`` is the SHA-256 (hex) of the cookie's token."""

    id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    revoked: bool

    def active(self, now: datetime) -> bool:
        return not self.revoked and self.created_at <= now < self.expires_at


@dataclass(frozen=True, slots=True)
class OneTimeToken:
    """A reset or invitation link's token, stored by its SHA-256 (hex)."""

    id: str
    user_id: str
    purpose: TokenPurpose
    expires_at: datetime
    used_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


def recent_failures(failures: list[datetime], now: datetime) -> list[datetime]:
    """The failed sign-ins that still count at ``now`` (within :data:`FAILURE_WINDOW`)."""
    return [t for t in failures if now - FAILURE_WINDOW < t <= now]


def locked_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When sign-ins for an email are allowed again, or None when they are now."""
    recent = recent_failures(failures, now)
    if len(recent) < MAX_FAILURES:
        return None
    return max(recent) + FAILURE_WINDOW


def token_digest(token: str) -> str:
    """How a session or one-time token is stored: SHA-256, hex (the token never is)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    local, at, domain = email.rpartition("@")
    if not email:
        raise ValidationError("email is empty", field=field, value=value, expected="an address")
    if len(email) > MAX_EMAIL:
        raise ValidationError(
            f"email has {len(email)} characters, at most {MAX_EMAIL} expected",
            field=field,
            value=value[:MAX_EMAIL],
            expected=f"at most {MAX_EMAIL} characters",
        )
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in email):
        raise ValidationError(
            f"email {value.strip()!r} is not an address",
            field=field,
            value=value,
            expected="an address like name@example.org",
        )
    return email


def check_password(password: str, confirm: str | None = None) -> None:
    """Refuse a password outside the policy (field ``password``), or a confirmation that
    differs (field ``confirm``)."""
    if len(password) < MIN_PASSWORD or not password.strip():
        raise ValidationError(
            f"password has {len(password)} characters, at least {MIN_PASSWORD} expected",
            field="password",
            expected=f"at least {MIN_PASSWORD} characters",
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            f"password has {len(password)} characters, at most {MAX_PASSWORD} expected",
            field="password",
            expected=f"at most {MAX_PASSWORD} characters",
        )
    if confirm is not None and confirm != password:
        raise ValidationError(
            "the two passwords differ", field="confirm", expected="the same password twice"
        )


def check_role_party(role: Role, party_id: str | None) -> None:
    """Every role but admin is tied to a party; an admin account is tied to none."""
    if role in PARTY_ROLES and not party_id:
        article = "an" if role.value[0] in "aeiou" else "a"
        raise ValidationError(
            f"{article} {role.value} account must name its party",
            field="party_id",
            expected="--party ID",
        )
    if role is Role.ADMIN and party_id:
        raise ValidationError(
            "an admin account acts for the registry, not for a party",
            field="party_id",
            value=party_id,
            expected="no --party",
        )
