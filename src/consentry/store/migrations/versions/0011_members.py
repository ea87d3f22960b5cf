"""members: crawler tokens of AI-developer parties

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 02:00:00

The AI-developer directory (issue 11, docs/registry.md "Members and developers"):
``party_agents`` holds the crawler tokens (from the signals catalogue) a developer party
operates. Contact points (email, postal address, opt-out form, policy pages) are rows of the
existing ``contacts`` table (kinds ``form`` and ``policy`` are new values, no schema change).
New table only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "party_agents",
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_agents_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("party_id", "token", name=op.f("pk_party_agents")),
    )
    with op.batch_alter_table("party_agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_agents_token"), ["token"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("party_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_agents_token"))
    op.drop_table("party_agents")
