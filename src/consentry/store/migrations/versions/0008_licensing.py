"""licensing: offers, schemes and opt-ins, requests, grants, credit records

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 01:20:00

Tables of the ``licensing`` capability (issue 12, docs/licensing.md): ``licence_schemes``,
``licence_opt_ins``, ``licence_offers``, ``licence_offer_parties``, ``licence_requests``,
``licence_grants``, ``licence_grant_works`` (read by decisions by work and licensee) and
``credit_records``. New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("withdrawn_at", sa.String(length=27), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_offers")),
    )
    with op.batch_alter_table("licence_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_offers_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "licence_offer_parties",
        sa.Column("offer_id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("joined_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["licence_offers.id"],
            name=op.f("fk_licence_offer_parties_offer_id_licence_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_licence_offer_parties_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("offer_id", "party_id", name=op.f("pk_licence_offer_parties")),
    )
    op.create_table(
        "licence_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("offer_id", sa.String(length=40), nullable=False),
        sa.Column("developer_id", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sa.String(length=27), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["parties.id"], name=op.f("fk_licence_requests_developer_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["licence_offers.id"],
            name=op.f("fk_licence_requests_offer_id_licence_offers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_requests")),
    )
    with op.batch_alter_table("licence_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_requests_developer_id"), ["developer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_licence_requests_offer_id"), ["offer_id"], unique=False
        )

    op.create_table(
        "licence_schemes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purposes", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["parties.id"],
            name=op.f("fk_licence_schemes_organisation_id_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_schemes")),
    )
    with op.batch_alter_table("licence_schemes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_schemes_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "licence_grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("offer_id", sa.String(length=40), nullable=False),
        sa.Column("licensee_id", sa.String(length=40), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("territory", sa.String(length=5), nullable=False),
        sa.Column("valid_from", sa.String(length=27), nullable=False),
        sa.Column("valid_until", sa.String(length=27), nullable=True),
        sa.Column("revoked_at", sa.String(length=27), nullable=True),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["licensee_id"], ["parties.id"], name=op.f("fk_licence_grants_licensee_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["licence_offers.id"],
            name=op.f("fk_licence_grants_offer_id_licence_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["licence_requests.id"],
            name=op.f("fk_licence_grants_request_id_licence_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_grants")),
        sa.UniqueConstraint("request_id", name=op.f("uq_licence_grants_request_id")),
    )
    with op.batch_alter_table("licence_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_grants_licensee_id"), ["licensee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_licence_grants_offer_id"), ["offer_id"], unique=False)

    op.create_table(
        "licence_opt_ins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("purposes", sa.String(length=200), nullable=False),
        sa.Column("opted_in_at", sa.String(length=27), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_licence_opt_ins_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["licence_schemes.id"],
            name=op.f("fk_licence_opt_ins_scheme_id_licence_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_licence_opt_ins_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_opt_ins")),
    )
    with op.batch_alter_table("licence_opt_ins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_opt_ins_scheme_id"), ["scheme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_licence_opt_ins_work_id"), ["work_id"], unique=False)

    op.create_table(
        "credit_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("licensee_id", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("credit_line", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["licence_grants.id"],
            name=op.f("fk_credit_records_grant_id_licence_grants"),
        ),
        sa.ForeignKeyConstraint(
            ["licensee_id"], ["parties.id"], name=op.f("fk_credit_records_licensee_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_credit_records_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint(
            "grant_id", "work_id", "model", "period", name=op.f("uq_credit_records_grant_id")
        ),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_records_grant_id"), ["grant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_records_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_records_work_id"), ["work_id"], unique=False)

    op.create_table(
        "licence_grant_works",
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("licensee_id", sa.String(length=40), nullable=False),
        sa.Column("purposes", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["licence_grants.id"],
            name=op.f("fk_licence_grant_works_grant_id_licence_grants"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_licence_grant_works_work_id_works")
        ),
        sa.PrimaryKeyConstraint("grant_id", "work_id", name=op.f("pk_licence_grant_works")),
    )
    with op.batch_alter_table("licence_grant_works", schema=None) as batch_op:
        batch_op.create_index(
            "ix_licence_grant_works_work_licensee", ["work_id", "licensee_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("licence_grant_works", schema=None) as batch_op:
        batch_op.drop_index("ix_licence_grant_works_work_licensee")

    op.drop_table("licence_grant_works")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_records_work_id"))
        batch_op.drop_index(batch_op.f("ix_credit_records_model"))
        batch_op.drop_index(batch_op.f("ix_credit_records_grant_id"))

    op.drop_table("credit_records")
    with op.batch_alter_table("licence_opt_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_opt_ins_work_id"))
        batch_op.drop_index(batch_op.f("ix_licence_opt_ins_scheme_id"))

    op.drop_table("licence_opt_ins")
    with op.batch_alter_table("licence_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_grants_offer_id"))
        batch_op.drop_index(batch_op.f("ix_licence_grants_licensee_id"))

    op.drop_table("licence_grants")
    with op.batch_alter_table("licence_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_schemes_organisation_id"))

    op.drop_table("licence_schemes")
    with op.batch_alter_table("licence_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_requests_offer_id"))
        batch_op.drop_index(batch_op.f("ix_licence_requests_developer_id"))

    op.drop_table("licence_requests")
    op.drop_table("licence_offer_parties")
    with op.batch_alter_table("licence_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_offers_subject_id"))

    op.drop_table("licence_offers")
