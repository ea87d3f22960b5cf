"""identifier columns hold 2,048 characters, casefolded names 1,500

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 23:00:00

Identifiers are refused above 2,048 characters (``consentry.limits.MAX_IDENTIFIER``), before
any database sees them; ``work_identifiers.identifier`` (1,000) and
``party_identifiers.identifier`` (300) were narrower, so PostgreSQL answered a longer valid URL
with an error (a 500) while SQLite stored it. ``parties.name_key`` (the casefolded name) can
be longer than the name (``ß`` folds to ``ss``): 1,500 for names of up to 500.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("work_identifiers", "identifier", 1000, 2048),
    ("party_identifiers", "identifier", 300, 2048),
    ("parties", "name_key", 500, 1500),  # a casefolded name: "ß" folds to "ss"
)


def upgrade() -> None:
    for table, column, old, new in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.String(old), type_=sa.String(new), existing_nullable=False
            )
    if op.get_bind().dialect.name == "postgresql":
        # ALTER COLUMN ... TYPE discards the column's statistics, and autovacuum does not
        # gather them again (no row changed): without them the planner took an IN list of
        # identifiers to match every row, and a 10,000-id bulk lookup among 1,000,000 works
        # filtered the whole table five times (~0.6 s a chunk instead of ~30 ms).
        op.execute("ANALYZE " + ", ".join(dict.fromkeys(t for t, _, _, _ in COLUMNS)))


def downgrade() -> None:
    for table, column, old, new in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.String(new), type_=sa.String(old), existing_nullable=False
            )
