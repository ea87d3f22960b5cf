"""accounting: usage reports and lines, distribution runs, double-entry postings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00

Tables of the ``accounting`` capability (issue 12, docs/usage.md, docs/distribution.md):
``usage_reports``, ``usage_lines`` (units in integer thousandths), ``distribution_runs``
(one closed run per period, unit and licensee) and ``accounting_entries`` (the books).
New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "usage_reports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=1000), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_reports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_usage_reports_sha256")),
    )
    op.create_table(
        "usage_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("report_id", sa.String(length=40), nullable=False),
        sa.Column("licensee", sa.String(length=200), nullable=False),
        sa.Column("licensee_key", sa.String(length=600), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("identifier", sa.String(length=2048), nullable=False),
        sa.Column("units_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["usage_reports.id"], name=op.f("fk_usage_lines_report_id_usage_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_lines")),
    )
    with op.batch_alter_table("usage_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_usage_lines_period_unit", ["period", "unit", "licensee_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_usage_lines_report_id"), ["report_id"], unique=False)
    op.create_table(
        "distribution_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("licensee", sa.String(length=200), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pool_minor", sa.BigInteger(), nullable=False),
        sa.Column("threshold_minor", sa.BigInteger(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_runs")),
        sa.UniqueConstraint("scope", name=op.f("uq_distribution_runs_scope")),
    )
    op.create_table(
        "accounting_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["distribution_runs.id"],
            name=op.f("fk_accounting_entries_run_id_distribution_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_entries")),
    )
    with op.batch_alter_table("accounting_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accounting_entries_account", ["account", "currency", "party_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounting_entries_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_table("accounting_entries")
    op.drop_table("distribution_runs")
    op.drop_table("usage_lines")
    op.drop_table("usage_reports")
