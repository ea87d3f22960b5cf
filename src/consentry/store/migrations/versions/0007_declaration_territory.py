"""declarations hold their territory

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:30:00

A declaration holds in one territory: ``WORLD`` or an ISO 3166-1 alpha-2 code. Every
declaration recorded before this migration was applied everywhere, so existing rows get
``WORLD`` (the column's server default).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(
            sa.Column("territory", sa.String(5), nullable=False, server_default="WORLD")
        )


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("territory")
