"""web accounts: users, sessions and one-time tokens of the web application

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:45:00

Issue 13 (docs/web.md): ``web_users`` (email lower-cased and unique, an argon2 hash, a role
and, but for admins, a party), ``web_sessions`` (by the SHA-256 of the cookie's token, with
the session's CSRF token) and ``web_tokens`` (password reset and invitation links, by the
SHA-256 of the token, used once). New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("password_set_at", sa.String(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_web_users_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
        sa.UniqueConstraint("email", name=op.f("uq_web_users_email")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("expires_at", sa.String(length=27), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_sessions_user_id_web_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "web_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.String(length=27), nullable=False),
        sa.Column("used_at", sa.String(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_users.id"], name=op.f("fk_web_tokens_user_id_web_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_tokens")),
    )
    with op.batch_alter_table("web_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("web_tokens")
    op.drop_table("web_sessions")
    op.drop_table("web_users")
