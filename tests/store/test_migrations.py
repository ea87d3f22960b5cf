"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from consentry.bootstrap import Registry
from consentry.store.tables import Base


def test_models_and_migrations_agree(registry: Registry) -> None:
    # ``registry`` was built on an empty database and upgraded to head by bootstrap
    with registry.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_ledger_head_starts_at_genesis(registry: Registry) -> None:
    with registry.uow() as uow:
        assert uow.ledger.head() == (0, "0" * 64)


def test_ledger_sequence_numbers_go_past_32_bits(registry: Registry) -> None:
    """ledger.seq, ledger_head.seq and declarations.ledger_seq hold 64-bit values (migration
    0004 on PostgreSQL; SQLite's INTEGER already does)."""
    import sqlalchemy as sa

    big = 2**31 + 7
    with registry.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ledger (seq, kind, payload, recorded_at, actor, prev_hash, hash) "
                "VALUES (:seq, 'test', '{}', '2026-11-29T00:00:00.000000Z', NULL, :p, :h)"
            ),
            {"seq": big, "p": "1" * 64, "h": "2" * 64},
        )
        conn.execute(sa.text("UPDATE ledger_head SET seq = :seq WHERE id = 1"), {"seq": big})
    with registry.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT max(seq) FROM ledger")).scalar() == big
        assert conn.execute(sa.text("SELECT seq FROM ledger_head")).scalar() == big
    with registry.uow() as uow:
        assert uow.ledger.head()[0] == big
