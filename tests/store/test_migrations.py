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
