"""Alembic environment: uses the connection handed in by ``store.engine.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from consentry.store import account_tables as account_tables  # its tables join Base's metadata
from consentry.store.tables import Base

target_metadata = Base.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        assert url, "no connection and no sqlalchemy.url"
        engine = create_engine(url)
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()


run()
