"""The accounts service on SQLite and PostgreSQL: sign-up makes a creator party through the
registry, sign-in checks argon2 hashes, sessions are revoked, reset links are single use and
expire, and a reset signs every other session out."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from consentry.bootstrap import Registry
from consentry.errors import Conflict, NotFound, PermissionDenied, Unauthenticated, ValidationError
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from tests.conftest import FakeClock

PW = "correct horse battery staple"


def test_sign_up_makes_a_creator_party_and_an_account(registry: Registry) -> None:
    acc = registry.accounts.sign_up(
        email=" Ann@Example.org", name="Ann Author", password=PW, confirm=PW
    )
    assert (acc.email, acc.role) == ("ann@example.org", Role.CREATOR)
    assert acc.party_id is not None
    party = registry.service.get_party(SYSTEM, acc.party_id)
    assert party.name == "Ann Author" and PartyRole.CREATOR in party.roles
    assert [(c.kind, c.value) for c in party.contacts] == [("email", "ann@example.org")]
    assert acc.actor == Actor(Role.CREATOR, acc.party_id, f"web:{acc.id}")
    # the party's creation is in the ledger, as through the API
    assert registry.service.verify_ledger().ok
    with registry.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM web_users")).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored
    with pytest.raises(Conflict) as err:
        registry.accounts.sign_up(email="ANN@example.org", name="Ann", password=PW, confirm=PW)
    assert err.value.payload["field"] == "email"


def test_a_refused_sign_up_creates_no_party(registry: Registry) -> None:
    before = registry.service.counts()
    with pytest.raises(ValidationError):
        registry.accounts.sign_up(
            email="a@example.org", name="A", password="short", confirm="short"
        )
    assert registry.service.counts() == before


def test_log_in_checks_the_password_and_sessions_end(registry: Registry, clock: FakeClock) -> None:
    acc = registry.accounts.sign_up(email="a@example.org", name="A", password=PW, confirm=PW)
    for email, pw in (("a@example.org", "wrong password!"), ("nobody@example.org", PW), ("", PW)):
        with pytest.raises(Unauthenticated) as err:
            registry.accounts.log_in(email, pw)
        assert err.value.message == "email or password is not right"
    account, token = registry.accounts.log_in("A@example.org", PW)
    assert account.id == acc.id
    found = registry.accounts.session(token)
    assert found is not None and found[0].id == acc.id and len(found[1].csrf_token) >= 32
    assert registry.accounts.session(token + "x") is None
    clock.advance(days=15)  # sessions last 14 days
    assert registry.accounts.session(token) is None
    _, token = registry.accounts.log_in("a@example.org", PW)
    registry.accounts.log_out(token)
    assert registry.accounts.session(token) is None


def test_a_new_session_deletes_the_users_sessions_that_ended(
    registry: Registry, clock: FakeClock
) -> None:
    """Expired and signed-out sessions of a user go when that user signs in again; another
    user's, and the user's sessions in force, stay."""
    registry.accounts.sign_up(email="a@example.org", name="A", password=PW, confirm=PW)
    registry.accounts.sign_up(email="b@example.org", name="B", password=PW, confirm=PW)

    def rows(email: str) -> int:
        with registry.engine.connect() as conn:
            q = text(
                "SELECT count(*) FROM web_sessions s JOIN web_users u ON u.id = s.user_id "
                "WHERE u.email = :e"
            )
            return int(conn.execute(q, {"e": email}).scalar_one())

    _, old = registry.accounts.log_in("a@example.org", PW)
    _, signed_out = registry.accounts.log_in("a@example.org", PW)
    registry.accounts.log_out(signed_out)
    _, other = registry.accounts.log_in("b@example.org", PW)
    clock.advance(days=10)
    _, fresh = registry.accounts.log_in("a@example.org", PW)  # the signed-out one goes
    assert rows("a@example.org") == 2
    clock.advance(days=5)  # old has expired (14 days), fresh has not
    _, newest = registry.accounts.log_in("a@example.org", PW)
    assert rows("a@example.org") == 2 and rows("b@example.org") == 1
    assert registry.accounts.session(old) is None
    assert registry.accounts.session(fresh) is not None
    assert registry.accounts.session(newest) is not None
    assert registry.accounts.session(other) is None  # expired, but not B's sign-in: kept
    assert rows("b@example.org") == 1


def test_reset_link_is_single_use_expires_and_signs_out(
    registry: Registry, clock: FakeClock
) -> None:
    registry.accounts.sign_up(email="a@example.org", name="A", password=PW, confirm=PW)
    _, session = registry.accounts.log_in("a@example.org", PW)
    assert registry.accounts.request_reset("nobody@example.org") is None
    found = registry.accounts.request_reset("A@example.org")
    assert found is not None
    _, token = found
    new = "another long password"
    with pytest.raises(ValidationError) as err:
        registry.accounts.reset_password(token, "short", "short")
    assert err.value.field == "password"
    registry.accounts.reset_password(token, new, new)
    assert registry.accounts.session(session) is None  # every session signed out
    with pytest.raises(Unauthenticated):
        registry.accounts.log_in("a@example.org", PW)
    registry.accounts.log_in("a@example.org", new)
    with pytest.raises(ValidationError) as err:
        registry.accounts.reset_password(token, PW, PW)  # used once
    assert err.value.field == "token"
    _, late = registry.accounts.request_reset("a@example.org") or (None, "")
    clock.advance(hours=1, seconds=1)
    assert registry.accounts.token_account(late) is None
    with pytest.raises(ValidationError):
        registry.accounts.reset_password(late, PW, PW)


def test_admin_creates_accounts_of_any_role(registry: Registry, clock: FakeClock) -> None:
    org = registry.service.create_party(
        SYSTEM, name="Society", kind=PartyKind.ORGANISATION, roles=[PartyRole.MEMBER_ORGANISATION]
    )
    acc = registry.accounts.create_account(
        SYSTEM, email="org@example.org", role=Role.ORGANISATION, party_id=org.id
    )
    assert acc.password_set_at is None
    with pytest.raises(Unauthenticated):  # no password yet: only the invitation link
        registry.accounts.log_in("org@example.org", "")
    token = registry.accounts.invite(SYSTEM, acc.id)
    clock.advance(days=6)
    assert registry.accounts.token_account(token) == acc
    registry.accounts.reset_password(token, PW, PW)
    registry.accounts.log_in("org@example.org", PW)
    with pytest.raises(NotFound):
        registry.accounts.create_account(
            SYSTEM, email="x@example.org", role=Role.DEVELOPER, party_id="p_missing"
        )
    with pytest.raises(ValidationError):
        registry.accounts.create_account(
            SYSTEM, email="y@example.org", role=Role.DEVELOPER, party_id=None
        )
    with pytest.raises(PermissionDenied):
        registry.accounts.create_account(
            Actor(Role.ORGANISATION, org.id),
            email="z@example.org",
            role=Role.CREATOR,
            party_id=org.id,
        )
    assert [a.email for a in registry.accounts.list_accounts(SYSTEM)] == ["org@example.org"]


def test_too_many_failed_sign_ins_lock_the_email(registry: Registry, clock: FakeClock) -> None:
    registry.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    registry.accounts.sign_up(email="a@example.org", name="A", password=PW, confirm=PW)
    for email in ("a@example.org", "nobody@example.org"):
        for _ in range(10):
            with pytest.raises(Unauthenticated) as err:
                registry.accounts.log_in(email, "wrong password!")
            assert err.value.message == "email or password is not right"
        with pytest.raises(Unauthenticated) as err:
            registry.accounts.log_in(email.upper(), PW)  # the right password, refused
        assert "too many failed sign-ins" in err.value.message
    clock.advance(minutes=15)
    registry.accounts.log_in("a@example.org", PW)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            registry.accounts.log_in("a@example.org", "wrong password!")
    found = registry.accounts.request_reset("a@example.org")
    assert found is not None
    registry.accounts.reset_password(found[1], "a new long password", "a new long password")
    registry.accounts.log_in("a@example.org", "a new long password")  # a reset opens it again
