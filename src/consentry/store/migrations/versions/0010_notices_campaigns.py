"""notice campaigns

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:43:07

Campaigns of notices on members' behalf (notices/): campaigns, the members relied on (with
their mandates) and those left out, notices, their messages as sent, their insert-only event
history, and developers' answers with files. Times are stored as UTCDateTime text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("purposes", sa.String(length=200), nullable=False),
        sa.Column("territory", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("deadline", sa.String(length=27), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("base_url", sa.String(length=2000), nullable=False),
        sa.Column("template_dir", sa.Text(), nullable=True),
        sa.Column("template_sha256", sa.String(length=64), nullable=False),
        sa.Column("works", sa.Integer(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["parties.id"],
            name=op.f("fk_notice_campaigns_organisation_id_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_campaigns")),
    )
    with op.batch_alter_table("notice_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_campaigns_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "campaign_exclusions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("member", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["notice_campaigns.id"],
            name=op.f("fk_campaign_exclusions_campaign_id_notice_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_exclusions")),
    )
    with op.batch_alter_table("campaign_exclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_exclusions_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("mandate_id", sa.String(length=40), nullable=False),
        sa.Column("works", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["notice_campaigns.id"],
            name=op.f("fk_campaign_members_campaign_id_notice_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_campaign_members_mandate_id_mandates")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["parties.id"], name=op.f("fk_campaign_members_member_id_parties")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "member_id", name=op.f("pk_campaign_members")),
    )
    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_members_mandate_id"), ["mandate_id"], unique=False
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("developer_id", sa.String(length=40), nullable=False),
        sa.Column("developer_name", sa.String(length=500), nullable=False),
        sa.Column("email", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("sent_at", sa.String(length=27), nullable=True),
        sa.Column("bounced_at", sa.String(length=27), nullable=True),
        sa.Column("acknowledged_at", sa.String(length=27), nullable=True),
        sa.Column("answered_at", sa.String(length=27), nullable=True),
        sa.Column("followups", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["notice_campaigns.id"],
            name=op.f("fk_notices_campaign_id_notice_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["parties.id"], name=op.f("fk_notices_developer_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("message_id", name=op.f("uq_notices_message_id")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_developer_id"), ["developer_id"], unique=False)

    op.create_table(
        "notice_answers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_answers_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_answers")),
    )
    with op.batch_alter_table("notice_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_answers_notice_id"), ["notice_id"], unique=False
        )

    op.create_table(
        "notice_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_events_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_events")),
    )
    with op.batch_alter_table("notice_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_events_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "notice_messages",
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("eml_sha256", sa.String(length=64), nullable=False),
        sa.Column("eml_size", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.String(length=27), nullable=False),
        sa.Column("attempt_started_at", sa.String(length=27), nullable=True),
        sa.Column("sent_at", sa.String(length=27), nullable=True),
        sa.Column("smtp_reply", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_messages_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_notice_messages")),
    )
    with op.batch_alter_table("notice_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_messages_notice_id"), ["notice_id"], unique=False
        )

    op.create_table(
        "notice_answer_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["notice_answers.id"],
            name=op.f("fk_notice_answer_files_answer_id_notice_answers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_answer_files")),
    )
    with op.batch_alter_table("notice_answer_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_answer_files_answer_id"), ["answer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notice_answer_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_answer_files_answer_id"))

    op.drop_table("notice_answer_files")
    with op.batch_alter_table("notice_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_messages_notice_id"))

    op.drop_table("notice_messages")
    with op.batch_alter_table("notice_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_events_notice_id"))

    op.drop_table("notice_events")
    with op.batch_alter_table("notice_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_answers_notice_id"))

    op.drop_table("notice_answers")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_developer_id"))
        batch_op.drop_index(batch_op.f("ix_notices_campaign_id"))

    op.drop_table("notices")
    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_members_mandate_id"))

    op.drop_table("campaign_members")
    with op.batch_alter_table("campaign_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_exclusions_campaign_id"))

    op.drop_table("campaign_exclusions")
    with op.batch_alter_table("notice_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_campaigns_organisation_id"))

    op.drop_table("notice_campaigns")
