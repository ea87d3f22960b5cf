"""The accounts' pure rules: email normalisation, password policy, role and party."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentry.accounts.rules import (
    MIN_PASSWORD,
    OneTimeToken,
    SessionRecord,
    TokenPurpose,
    check_password,
    check_role_party,
    locked_until,
    normalise_email,
    recent_failures,
    token_digest,
)
from consentry.errors import ValidationError
from consentry.registry.access import Role

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_email_is_lower_cased_and_trimmed() -> None:
    assert normalise_email("  Ann.Smith@Example.ORG ") == "ann.smith@example.org"


@pytest.mark.parametrize(
    "bad", ["", "   ", "ann", "@example.org", "ann@", "ann@localhost", "a b@x.org"]
)
def test_not_an_email_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_email(bad)
    assert err.value.field == "email"


def test_password_policy_is_length_only() -> None:
    check_password("x" * MIN_PASSWORD)
    check_password("correct horse battery staple", "correct horse battery staple")
    with pytest.raises(ValidationError) as err:
        check_password("short")
    assert err.value.field == "password"
    assert "5 characters, at least 12" in err.value.message
    with pytest.raises(ValidationError) as err:
        check_password(" " * 20)
    assert err.value.field == "password"
    with pytest.raises(ValidationError) as err:
        check_password("x" * 2000)
    assert err.value.field == "password"
    with pytest.raises(ValidationError) as err:
        check_password("x" * 12, "y" * 12)
    assert err.value.field == "confirm"


def test_every_role_but_admin_names_a_party() -> None:
    check_role_party(Role.ADMIN, None)
    check_role_party(Role.CREATOR, "p1")
    for role, article in ((Role.CREATOR, "a"), (Role.ORGANISATION, "an"), (Role.DEVELOPER, "a")):
        with pytest.raises(ValidationError) as err:
            check_role_party(role, None)
        assert str(err.value).startswith(f"{article} {role.value} account must name its party")
    with pytest.raises(ValidationError):
        check_role_party(Role.ADMIN, "p1")


def test_sessions_and_tokens_expire_and_are_stored_hashed() -> None:
    s = SessionRecord("id", "u1", "csrf", T0, T0 + timedelta(days=1), False)
    assert s.active(T0) and not s.active(T0 + timedelta(days=1)) and not s.active(T0 - timedelta(1))
    assert not SessionRecord("id", "u1", "csrf", T0, T0 + timedelta(days=1), True).active(T0)
    t = OneTimeToken("id", "u1", TokenPurpose.RESET, T0 + timedelta(hours=1), None)
    assert t.usable(T0) and not t.usable(T0 + timedelta(hours=1))
    assert not OneTimeToken("id", "u1", TokenPurpose.RESET, T0 + timedelta(hours=1), T0).usable(T0)
    assert len(token_digest("abc")) == 64 and token_digest("abc") != "abc"


def test_sign_ins_lock_after_ten_failures_for_fifteen_minutes() -> None:
    nine = [T0 + timedelta(minutes=i) for i in range(9)]
    assert locked_until(nine, T0 + timedelta(minutes=9)) is None
    ten = [*nine, T0 + timedelta(minutes=9)]
    assert locked_until(ten, T0 + timedelta(minutes=9)) == T0 + timedelta(minutes=24)
    assert locked_until(ten, T0 + timedelta(minutes=15)) is None  # the first fell out
    assert recent_failures(ten, T0 + timedelta(minutes=23)) == [T0 + timedelta(minutes=9)]
