"""The web application's accounts (issue 13): users, signed-in sessions, and reset or invitation
tokens, on the registry's ``Base`` (``store/tables.py``); ``store/web_accounts.py`` maps them to
``accounts/`` values.

Decision: a module of their own, apart from the registry's tables (``tables.py`` had passed 600
lines). Whatever needs the whole schema (the migrations' environment, the test that compares it
with the migrations) imports this module as well as ``tables``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base, UTCDateTime


class WebUserRow(Base):
    """A web account (accounts/rules.py); ``email`` is stored lower-cased."""

    __tablename__ = "web_users"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: invited, not set
    role: Mapped[str] = mapped_column(String(20))
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSessionRow(Base):
    """A signed-in session; ``id`` is the SHA-256 (hex) of the cookie's token."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebTokenRow(Base):
    """A password reset or invitation token, by its SHA-256 (hex); used once."""

    __tablename__ = "web_tokens"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
