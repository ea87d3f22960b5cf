"""Engines for SQLite (the embedded default) and PostgreSQL, and schema migration.

SQLite: WAL journal, foreign keys on, and writes start with ``BEGIN IMMEDIATE`` so that a
writer holds the write lock from its first statement (no upgrade deadlocks, and the ledger
head is read and advanced under that lock). Reads start with a plain deferred ``BEGIN``.

:func:`migrate` reads the database's Alembic revision with one query and loads Alembic only
when the schema is behind (Alembic and the migration scripts cost about 0.2 s of every
command otherwise).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError

from consentry.errors import StorageError
from consentry.store.schema_version import VERSIONS as VERSIONS
from consentry.store.schema_version import head_revision as head_revision

WRITE_OPTION = "consentry_write"

# Decision: PostgreSQL's planner assumes by default that a random page read costs 4 times a
# sequential one (a spinning disk). A registry's tables and indexes are read from memory or
# SSD, where that guess is wrong by the same factor: for a bulk lookup of 10,000 ids among
# 1,000,000 works it chose parallel sequential scans of whole tables (works, identifiers,
# contributors: 120-180 ms each, both cores busy) over index scans that take 30-80 ms. 1.1
# is the usual setting for SSD; it is set for this application's connections only, after
# any ``options`` the URL passes (so the URL can still override it).
PG_OPTIONS = "-c random_page_cost=1.1"

# Decision: a pooled PostgreSQL connection is checked with a ping before use only when it
# has been idle for longer than this. ``pool_pre_ping`` pinged on every checkout: one more
# round trip per decision (two instead of one) and ~7 % of a decision's CPU. A connection
# that stays in use under load is not the one a server restart or an idle timeout breaks;
# one that sat idle is pinged, and replaced when the ping fails.
PING_AFTER_IDLE_S = 5.0


def make_engine(
    url: str, *, echo: bool = False, ping_after_idle_s: float = PING_AFTER_IDLE_S
) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    if url.startswith("postgresql"):
        given = make_url(url).query.get("options")
        options = " ".join([PG_OPTIONS, *([given] if isinstance(given, str) else given or [])])
        engine = create_engine(
            url, echo=echo, pool_size=10, max_overflow=20, connect_args={"options": options}
        )
        _ping_when_idle(engine, ping_after_idle_s)
        return engine
    raise StorageError(
        f"database URL {url!r} is not supported, expected sqlite:///PATH or "
        "postgresql+psycopg://...",
        url=url,
    )


def _ping_when_idle(engine: Engine, after_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= after_s:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:  # any failure: the pool discards it and connects anew
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def current_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database's ``alembic_version`` (empty when none)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return {str(r) for r in rows}
    except DBAPIError:
        return set()  # no table yet: a new database


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    """A PRAGMA on the driver's connection, outside any transaction (SQLAlchemy would open
    one first, and SQLite ignores ``foreign_keys`` inside a transaction)."""
    dbapi: Any = conn.connection.driver_connection
    dbapi.execute(f"PRAGMA {pragma}")


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema (Alembic ``upgrade head``), when behind."""
    head = head_revision()
    if head is not None and current_revisions(engine) == {head}:
        return
    from alembic import command
    from alembic.util import CommandError

    from consentry.store.migrations import alembic_config

    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Alembic's batch mode rebuilds a table (copy, DROP the old one, rename). With
                # foreign keys on, SQLite refuses to drop a table other rows refer to (every
                # registry's parties: migration 0005 failed on any registry with works). They
                # go off for the migration, outside its transaction as SQLite requires, and
                # the result is checked before the commit.
                _sqlite_pragma(conn, "foreign_keys=OFF")
            try:
                with conn.begin():
                    command.upgrade(alembic_config(conn), "head")
                    if sqlite and (bad := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                        raise StorageError(
                            f"migrating {engine.url!r} would break {len(bad)} references, "
                            f"first {tuple(bad[0])}: nothing was changed",
                            url=str(engine.url),
                        )
            finally:
                if sqlite:
                    _sqlite_pragma(conn, "foreign_keys=ON")
    except DBAPIError as exc:
        raise StorageError(
            f"cannot migrate database {engine.url!r} to revision {head or 'head'}: {exc.orig}",
            url=str(engine.url),
        ) from exc
    except CommandError as exc:
        raise StorageError(
            f"cannot migrate database {engine.url!r}: {exc}", url=str(engine.url)
        ) from exc
