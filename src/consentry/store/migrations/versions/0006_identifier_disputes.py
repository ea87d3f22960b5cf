"""identifier disputes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 22:40:00

``disputes`` and ``dispute_works`` (registry/disputes.py). Identifiers that more than one
work already holds (URL identifiers were never checked, and concurrent registrations could
race) get an open dispute each, opened by ``migration:0006`` at the time of the upgrade, so
an admin can resolve them; they are not ledger events (a migration does not write the
ledger).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("identifier", sa.String(length=2048), nullable=False),
        sa.Column("opened_at", sa.String(length=27), nullable=False),
        sa.Column("opened_by", sa.String(length=80), nullable=False),
        sa.Column("resolved_at", sa.String(length=27), nullable=True),
        sa.Column("winner_work_id", sa.String(length=40), nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["winner_work_id"], ["works.id"], name=op.f("fk_disputes_winner_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index(op.f("ix_disputes_identifier"), "disputes", ["identifier"], unique=False)
    op.create_table(
        "dispute_works",
        sa.Column("dispute_id", sa.String(length=40), nullable=False),
        sa.Column("work_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_works_dispute_id_disputes")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_dispute_works_work_id_works")
        ),
        sa.PrimaryKeyConstraint("dispute_id", "work_id", name=op.f("pk_dispute_works")),
    )
    op.create_index(op.f("ix_dispute_works_work_id"), "dispute_works", ["work_id"], unique=False)
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT identifier, work_id FROM work_identifiers WHERE identifier IN ("
            "SELECT identifier FROM work_identifiers GROUP BY identifier "
            "HAVING COUNT(DISTINCT work_id) > 1) ORDER BY identifier, id"
        )
    ).all()
    by_ident: dict[str, list[str]] = {}
    for ident, work_id in rows:
        works = by_ident.setdefault(ident, [])
        if work_id not in works:
            works.append(work_id)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for ident, works in by_ident.items():
        dispute_id = f"dsp_{secrets.token_hex(8)}"
        conn.execute(
            sa.text(
                "INSERT INTO disputes (id, identifier, opened_at, opened_by) "
                "VALUES (:id, :ident, :at, 'migration:0006')"
            ),
            {"id": dispute_id, "ident": ident, "at": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO dispute_works (dispute_id, work_id, position) VALUES (:d, :w, :n)"
            ),
            [{"d": dispute_id, "w": w, "n": n} for n, w in enumerate(works)],
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_dispute_works_work_id"), table_name="dispute_works")
    op.drop_table("dispute_works")
    op.drop_index(op.f("ix_disputes_identifier"), table_name="disputes")
    op.drop_table("disputes")
