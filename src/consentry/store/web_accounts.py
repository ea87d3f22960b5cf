"""Web accounts, their sessions and one-time tokens (accounts/rules.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from consentry.accounts.rules import Account, OneTimeToken, SessionRecord, TokenPurpose
from consentry.errors import NotFound
from consentry.registry.access import Role
from consentry.store.account_tables import WebSessionRow, WebTokenRow, WebUserRow


def _account(r: WebUserRow) -> Account:
    return Account(
        id=r.id,
        email=r.email,
        role=Role(r.role),
        party_id=r.party_id,
        created_at=r.created_at,
        password_set_at=r.password_set_at,
    )


def _session(r: WebSessionRow) -> SessionRecord:
    return SessionRecord(r.id, r.user_id, r.csrf_token, r.created_at, r.expires_at, r.revoked)


class WebAccountRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ------------------------------------------------------------------ accounts
    def add(self, account: Account, password_hash: str | None) -> None:
        self.s.add(
            WebUserRow(
                id=account.id,
                email=account.email,
                password_hash=password_hash,
                role=account.role.value,
                party_id=account.party_id,
                created_at=account.created_at,
                password_set_at=account.password_set_at,
            )
        )
        self.s.flush()

    def get(self, user_id: str) -> Account:
        row = self.s.get(WebUserRow, user_id)
        if row is None:
            raise NotFound("web account", user_id)
        return _account(row)

    def by_email(self, email: str) -> tuple[Account, str | None] | None:
        """The account with this (normalised) email and its password hash."""
        row = self.s.scalars(select(WebUserRow).where(WebUserRow.email == email)).one_or_none()
        return None if row is None else (_account(row), row.password_hash)

    def set_password(self, user_id: str, password_hash: str, at: datetime) -> None:
        self.s.execute(
            update(WebUserRow)
            .where(WebUserRow.id == user_id)
            .values(password_hash=password_hash, password_set_at=at)
        )

    def list(self) -> list[Account]:
        rows = self.s.scalars(select(WebUserRow).order_by(WebUserRow.created_at, WebUserRow.id))
        return [_account(r) for r in rows]

    # ------------------------------------------------------------------ sessions
    def add_session(self, record: SessionRecord) -> None:
        self.s.add(
            WebSessionRow(
                id=record.id,
                user_id=record.user_id,
                csrf_token=record.csrf_token,
                created_at=record.created_at,
                expires_at=record.expires_at,
                revoked=record.revoked,
            )
        )
        self.s.flush()

    def session_with_account(self, session_id: str) -> tuple[SessionRecord, Account] | None:
        q = (
            select(WebSessionRow, WebUserRow)
            .join(WebUserRow, WebUserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.id == session_id)
        )
        row = self.s.execute(q).one_or_none()
        return None if row is None else (_session(row[0]), _account(row[1]))

    def revoke_session(self, session_id: str) -> None:
        self.s.execute(
            update(WebSessionRow).where(WebSessionRow.id == session_id).values(revoked=True)
        )

    def purge_sessions_of(self, user_id: str, now: datetime) -> int:
        """Delete the user's sessions that ended (expired by ``now``, or revoked); the number
        deleted. A session that ended is refused either way: its row only took room."""
        result = self.s.execute(
            delete(WebSessionRow).where(
                WebSessionRow.user_id == user_id,
                or_(WebSessionRow.expires_at <= now, WebSessionRow.revoked.is_(True)),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def revoke_sessions_of(self, user_id: str) -> None:
        self.s.execute(
            update(WebSessionRow)
            .where(WebSessionRow.user_id == user_id, WebSessionRow.revoked.is_(False))
            .values(revoked=True)
        )

    # ------------------------------------------------------------------ one-time tokens
    def add_token(self, token: OneTimeToken) -> None:
        self.s.add(
            WebTokenRow(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )
        self.s.flush()

    def token_for_update(self, token_id: str) -> OneTimeToken | None:
        """The token, its row locked until commit: of two uses, the second sees the first."""
        q = select(WebTokenRow).where(WebTokenRow.id == token_id).with_for_update()
        r = self.s.scalars(q.execution_options(populate_existing=True)).one_or_none()
        if r is None:
            return None
        return OneTimeToken(r.id, r.user_id, TokenPurpose(r.purpose), r.expires_at, r.used_at)

    def use_token(self, token_id: str, at: datetime) -> None:
        self.s.execute(update(WebTokenRow).where(WebTokenRow.id == token_id).values(used_at=at))
