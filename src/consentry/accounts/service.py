"""Use cases of web accounts: sign up, sign in and out, sessions, password reset and
invitations. Each public method is one transaction; time, ids and tokens are injected.

Decisions:

- Passwords are hashed with argon2id (``argon2-cffi``'s :class:`PasswordHasher`, its default
  parameters, RFC 9106's second recommended option); a hash made with older parameters is
  replaced at the next sign-in.
- Tokens (session cookies, reset and invitation links) are 32 random bytes; only their
  SHA-256 is stored, so a copy of the database signs nobody in.
- A sign-in with an unknown email still verifies a password against a hash, so the answer
  takes as long as for a known one, and the message is the same.
- Sign-up creates the creator party through :meth:`RegistryService.create_party` (the API's
  call, with its ledger entry), then the account, in a second transaction. The email is
  checked free first; two sign-ups racing for one email leave the loser's party behind
  without an account (the unique email refuses the second account).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from consentry.accounts.rules import (
    INVITE_LIFETIME,
    RESET_LIFETIME,
    SESSION_LIFETIME,
    Account,
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
from consentry.errors import Conflict, NotFound, Unauthenticated, ValidationError
from consentry.limits import MAX_NAME, check_length
from consentry.registry.access import Actor, Role
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole

if TYPE_CHECKING:
    from consentry.registry.service import RegistryService
    from consentry.store.uow import SqlUnitOfWork

SIGNUP_ACTOR = Actor(Role.ADMIN, None, "web-signup")
BAD_LOGIN = "email or password is not right"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class AccountService:
    def __init__(
        self,
        uow: Callable[[bool], SqlUnitOfWork],
        *,
        clock: Callable[[], datetime],
        ids: Callable[[str], str],
        registry: RegistryService,
        hasher: PasswordHasher | None = None,
        tokens: Callable[[], str] = new_token,
    ) -> None:
        self._uow = uow
        self.clock = clock
        self.ids = ids
        self.registry = registry
        self.hasher = hasher or PasswordHasher()
        self.tokens = tokens
        self._dummy_hash: str | None = None
        # Failed sign-ins by email, this process only (rules.locked_until): a server with N
        # worker processes allows up to N times MAX_FAILURES per window.
        self._failures: dict[str, list[datetime]] = {}

    # ----------------------------------------------------------------- accounts
    def sign_up(self, *, email: str, name: str, password: str, confirm: str) -> Account:
        """A creator's account and party (kind person, role creator, the email as contact)."""
        address = normalise_email(email)
        if not name.strip():
            raise ValidationError("name is empty", field="name", expected="your name")
        check_length(name, field="name", limit=MAX_NAME)
        check_password(password, confirm)
        self._check_email_free(address)
        password_hash = self.hasher.hash(password)
        party = self.registry.create_party(
            SIGNUP_ACTOR,
            name=name,
            kind=PartyKind.PERSON,
            roles=[PartyRole.CREATOR],
            contacts=[ContactPoint("email", address)],
        )
        return self._add(address, Role.CREATOR, party.id, password_hash)

    def create_account(
        self,
        actor: Actor,
        *,
        email: str,
        role: Role,
        party_id: str | None,
        password: str | None = None,
    ) -> Account:
        """An account made by an admin (the command line); without a password it can only
        be entered through an invitation link (:meth:`invite`)."""
        actor.require(Role.ADMIN)
        address = normalise_email(email)
        check_role_party(role, party_id)
        if password is not None:
            check_password(password)
        if party_id is not None:
            with self._uow(False) as uow:
                uow.parties.get(party_id)  # NotFound names it
        self._check_email_free(address)
        return self._add(address, role, party_id, self.hasher.hash(password) if password else None)

    def _add(self, email: str, role: Role, party_id: str | None, pw_hash: str | None) -> Account:
        now = self.clock()
        account = Account(self.ids("u"), email, role, party_id, now, now if pw_hash else None)
        with self._uow(True) as uow:
            if uow.web_accounts.by_email(email) is not None:
                raise _taken(email)
            uow.web_accounts.add(account, pw_hash)
            uow.commit()
        return account

    def _check_email_free(self, email: str) -> None:
        with self._uow(False) as uow:
            if uow.web_accounts.by_email(email) is not None:
                raise _taken(email)

    def account_by_email(self, actor: Actor, email: str) -> Account:
        actor.require(Role.ADMIN)
        address = normalise_email(email)
        with self._uow(False) as uow:
            found = uow.web_accounts.by_email(address)
        if found is None:
            raise NotFound("web account", address)
        return found[0]

    def list_accounts(self, actor: Actor) -> list[Account]:
        actor.require(Role.ADMIN)
        with self._uow(False) as uow:
            return uow.web_accounts.list()

    # ----------------------------------------------------------------- sessions
    def log_in(self, email: str, password: str) -> tuple[Account, str]:
        """The account and a new session's token; a wrong email or password is
        :class:`Unauthenticated` (field ``password``), the same message for both; so is an
        email with too many recent failures (:func:`~consentry.accounts.rules.locked_until`)."""
        try:
            address = normalise_email(email)
        except ValidationError:
            address = ""
        self._check_not_locked(address)
        with self._uow(False) as uow:
            found = uow.web_accounts.by_email(address) if address else None
        account, stored = found if found is not None else (None, None)
        if stored is None or account is None:
            self._verify(self._dummy(), password)  # the same work for an unknown email
            self._failed(address)
        elif not self._verify(stored, password):
            self._failed(address)
        else:
            self._failures.pop(address, None)
            if self.hasher.check_needs_rehash(stored):
                with self._uow(True) as uow:
                    uow.web_accounts.set_password(
                        account.id, self.hasher.hash(password), self.clock()
                    )
                    uow.commit()
            return account, self.start_session(account.id)
        raise Unauthenticated(BAD_LOGIN, field="password")

    def _check_not_locked(self, address: str) -> None:
        now = self.clock()
        until = locked_until(self._failures.get(address, []), now)
        if until is not None:
            minutes = max(1, int((until - now).total_seconds() + 59) // 60)
            raise Unauthenticated(
                f"too many failed sign-ins for this email: try again in {minutes} minutes, "
                "or reset the password",
                field="password",
                retry_after=int((until - now).total_seconds()) + 1,
            )

    def _failed(self, address: str) -> None:
        now = self.clock()
        if len(self._failures) > 10_000:
            self._failures.clear()
        self._failures[address] = [*recent_failures(self._failures.get(address, []), now), now]

    def start_session(self, user_id: str) -> str:
        """A new session's token. The user's sessions that ended (expired or signed out)
        are deleted in the same transaction, so the table holds at most the sessions in
        force plus those that ended since the user last signed in."""
        token = self.tokens()
        now = self.clock()
        record = SessionRecord(
            token_digest(token), user_id, self.tokens(), now, now + SESSION_LIFETIME, False
        )
        with self._uow(True) as uow:
            uow.web_accounts.purge_sessions_of(user_id, now)
            uow.web_accounts.add_session(record)
            uow.commit()
        return token

    def session(self, token: str) -> tuple[Account, SessionRecord] | None:
        """The account and session of a cookie's token, or None when it is unknown, revoked
        or expired."""
        if not token:
            return None
        with self._uow(False) as uow:
            found = uow.web_accounts.session_with_account(token_digest(token))
        if found is None or not found[0].active(self.clock()):
            return None
        return found[1], found[0]

    def log_out(self, token: str) -> None:
        with self._uow(True) as uow:
            uow.web_accounts.revoke_session(token_digest(token))
            uow.commit()

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(self.tokens())
        return self._dummy_hash

    # ----------------------------------------------------------------- one-time links
    def request_reset(self, email: str) -> tuple[Account, str] | None:
        """A reset token (1 hour) for the account with this email, or None when there is
        none (the web page answers the same either way)."""
        try:
            address = normalise_email(email)
        except ValidationError:
            return None
        with self._uow(False) as uow:
            found = uow.web_accounts.by_email(address)
        if found is None:
            return None
        return found[0], self._one_time(found[0].id, TokenPurpose.RESET)

    def invite(self, actor: Actor, user_id: str) -> str:
        """An invitation token (7 days) for an account an admin created."""
        actor.require(Role.ADMIN)
        with self._uow(False) as uow:
            uow.web_accounts.get(user_id)
        return self._one_time(user_id, TokenPurpose.INVITE)

    def _one_time(self, user_id: str, purpose: TokenPurpose) -> str:
        token = self.tokens()
        life = RESET_LIFETIME if purpose is TokenPurpose.RESET else INVITE_LIFETIME
        record = OneTimeToken(token_digest(token), user_id, purpose, self.clock() + life, None)
        with self._uow(True) as uow:
            uow.web_accounts.add_token(record)
            uow.commit()
        return token

    def token_account(self, token: str) -> Account | None:
        """The account a usable reset or invitation token is for, or None."""
        with self._uow(False) as uow:
            found = uow.web_accounts.token_for_update(token_digest(token))
            if found is None or not found.usable(self.clock()):
                return None
            return uow.web_accounts.get(found.user_id)

    def reset_password(self, token: str, password: str, confirm: str) -> Account:
        """Set the password through a reset or invitation token: used once; every session
        of the account is revoked. An unknown, used or expired token is a ValidationError
        (field ``token``)."""
        check_password(password, confirm)
        password_hash = self.hasher.hash(password)
        now = self.clock()
        with self._uow(True) as uow:
            found = uow.web_accounts.token_for_update(token_digest(token))
            if found is None or not found.usable(now):
                raise ValidationError(
                    "this link is not valid: it was used, it expired, or it is not one we sent",
                    field="token",
                    expected="the link of the newest email (reset links last one hour)",
                )
            uow.web_accounts.use_token(found.id, now)
            uow.web_accounts.set_password(found.user_id, password_hash, now)
            uow.web_accounts.revoke_sessions_of(found.user_id)
            account = uow.web_accounts.get(found.user_id)
            uow.commit()
        self._failures.pop(account.email, None)  # a new password: sign-in is open again
        return account

    def change_password(self, user_id: str, current: str, password: str, confirm: str) -> str:
        """A signed-in user's new password: the current one must be right (a wrong one counts
        as a failed sign-in for the account's email, so this form cannot be used to guess it);
        every session of the account is revoked and a new session's token returned (this
        browser stays signed in, every other is signed out)."""
        with self._uow(False) as uow:
            account = uow.web_accounts.get(user_id)
            found = uow.web_accounts.by_email(account.email)
        stored = found[1] if found is not None else None
        self._check_not_locked(account.email)
        if stored is None or not self._verify(stored, current):
            self._failed(account.email)
            raise Unauthenticated(
                "the current password is not right", field="current", expected="your password"
            )
        check_password(password, confirm)
        now = self.clock()
        with self._uow(True) as uow:
            uow.web_accounts.set_password(user_id, self.hasher.hash(password), now)
            uow.web_accounts.revoke_sessions_of(user_id)
            uow.commit()
        self._failures.pop(account.email, None)
        return self.start_session(user_id)


def _taken(email: str) -> Conflict:
    return Conflict(
        f"an account with email {email} exists already",
        field="email",
        value=email,
        expected="another email, or sign in",
    )
