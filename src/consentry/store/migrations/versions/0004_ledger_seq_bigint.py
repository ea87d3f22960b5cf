"""ledger sequence numbers are 64-bit on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:00:00

``ledger.seq``, ``ledger_head.seq`` and ``declarations.ledger_seq`` were INTEGER, which stops
at 2**31 - 1 entries on PostgreSQL. SQLite's INTEGER is already 64-bit (and ``ledger.seq``,
an INTEGER primary key, is the rowid there), so SQLite is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    ("ledger", "seq", False),
    ("ledger_head", "seq", False),
    ("declarations", "ledger_seq", True),
)


def _alter(old: type[sa.types.TypeEngine[int]], new: type[sa.types.TypeEngine[int]]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, existing_type=old(), type_=new(), existing_nullable=nullable)


def upgrade() -> None:
    _alter(sa.Integer, sa.BigInteger)


def downgrade() -> None:
    _alter(sa.BigInteger, sa.Integer)
