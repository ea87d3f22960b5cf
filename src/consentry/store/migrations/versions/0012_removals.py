"""removals: removal requests of removal campaigns and their evidence

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 02:50:00

Issue 11 "Removal requests" (docs/notices.md, "Removal requests"): ``removal_requests`` (one
per work x developer of a ``removal`` campaign, with its state) and ``removal_evidence``
(files the developer gave: removal manifests, rescan reports). New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removal_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=True),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("developer_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("targets", sa.String(length=200), nullable=False),
        sa.Column("derivations", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.String(length=27), nullable=False),
        sa.Column("updated_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["notice_campaigns.id"],
            name=op.f("fk_removal_requests_campaign_id_notice_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["parties.id"], name=op.f("fk_removal_requests_developer_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_removal_requests_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removal_requests")),
        sa.UniqueConstraint(
            "campaign_id", "work_id", "developer_id", name=op.f("uq_removal_requests_campaign_id")
        ),
    )
    with op.batch_alter_table("removal_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_removal_requests_campaign_id"), ["campaign_id"], unique=False
        )
    op.create_table(
        "removal_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("removal_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["removal_id"],
            ["removal_requests.id"],
            name=op.f("fk_removal_evidence_removal_id_removal_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removal_evidence")),
    )
    with op.batch_alter_table("removal_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_removal_evidence_removal_id"), ["removal_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("removal_evidence")
    op.drop_table("removal_requests")
