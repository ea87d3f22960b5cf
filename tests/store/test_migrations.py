"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.conftest import FakeClock

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.registry.access import SYSTEM
from consentry.store import account_tables as account_tables  # the accounts' tables too
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


def test_migration_0006_opens_disputes_for_identifiers_already_shared(
    settings: Settings,
) -> None:
    """Identifiers more than one work held before disputes existed (URLs were never checked)
    get an open dispute, so an admin can resolve them."""
    import sqlalchemy as sa
    from alembic import command

    from consentry.store.engine import make_engine
    from consentry.store.migrations import alembic_config

    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0005")
            at = "2026-01-01T00:00:00.000000Z"
            for w in ("w1", "w2", "w3"):
                conn.execute(
                    sa.text(
                        "INSERT INTO works (id, kind, title, fingerprinted, created_at) "
                        "VALUES (:w, 'book', 'T', false, :at)"
                    ),
                    {"w": w, "at": at},
                )
            url = "url:https://example.org/shared"
            for w, ident in (("w1", url), ("w2", url), ("w3", "isbn:9780007232833")):
                conn.execute(
                    sa.text("INSERT INTO work_identifiers (work_id, identifier) VALUES (:w, :i)"),
                    {"w": w, "i": ident},
                )
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        reg = build(settings, clock=FakeClock(), run_migrations=False)
        try:
            [found] = reg.service.lookup([url])
            assert found.disputed and found.dispute_id is not None
            dispute = reg.service.get_dispute(found.dispute_id)
            assert (dispute.identifier, dispute.work_ids) == (url, ("w1", "w2"))
            assert dispute.opened_by == "migration:0006"
            assert reg.service.list_disputes(offset=0, limit=10) == [dispute]
        finally:
            reg.close()
    finally:
        engine.dispose()


def test_a_registry_with_works_upgrades_from_0004(settings: Settings) -> None:
    """Migrations that rebuild a table on SQLite (0005 widens columns of parties, which works
    refer to) ran with foreign keys on, so SQLite refused to drop the old table: any registry
    with a work could not start after an upgrade. migrate() upgrades it, data intact."""
    import sqlalchemy as sa
    from alembic import command

    from consentry.store.engine import make_engine, migrate
    from consentry.store.migrations import alembic_config

    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0004")
            at = "2026-01-01T00:00:00.000000Z"
            conn.execute(
                sa.text(
                    "INSERT INTO parties (id, name, name_key, kind, roles, created_at) "
                    "VALUES ('p1', 'Ann', 'ann', 'person', 'creator', :at)"
                ),
                {"at": at},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO works (id, kind, title, fingerprinted, created_at) "
                    "VALUES ('w1', 'book', 'T', false, :at)"
                ),
                {"at": at},
            )
            conn.execute(
                sa.text(
                    'INSERT INTO holdings (work_id, party_id, role, share, "right") '
                    "VALUES ('w1', 'p1', 'creator', '100', 'all')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO work_identifiers (work_id, identifier) "
                    "VALUES ('w1', 'isbn:9780007232833')"
                )
            )
        migrate(engine)
        reg = build(settings, clock=FakeClock(), run_migrations=False)
        try:
            [found] = reg.service.lookup(["isbn:9780007232833"])
            [(work, _terms)] = found.works
            assert work.id == "w1"
            assert reg.service.get_party(SYSTEM, "p1").name == "Ann"
        finally:
            reg.close()
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()


def test_identifier_statistics_survive_migration_0005(settings: Settings) -> None:
    """On PostgreSQL, 0005's ALTER COLUMN ... TYPE discarded the identifier columns'
    planner statistics (autovacuum never gathers them again: no row changes), and bulk
    lookups then filtered the whole work_identifiers table. The migration analyses them."""
    import sqlalchemy as sa
    from alembic import command

    from consentry.store.engine import make_engine
    from consentry.store.migrations import alembic_config

    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    if engine.dialect.name != "postgresql":
        engine.dispose()
        return  # SQLite keeps no per-column statistics to lose
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0004")
            at = "2026-01-01T00:00:00.000000Z"
            for n in range(50):
                conn.execute(
                    sa.text(
                        "INSERT INTO works (id, kind, title, fingerprinted, created_at) "
                        "VALUES (:w, 'book', 'T', false, :at)"
                    ),
                    {"w": f"w{n}", "at": at},
                )
                conn.execute(
                    sa.text("INSERT INTO work_identifiers (work_id, identifier) VALUES (:w, :i)"),
                    {"w": f"w{n}", "i": f"doi:10.1000/{n}"},
                )
            conn.execute(sa.text("ANALYZE work_identifiers"))
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with engine.connect() as conn:
            columns = conn.execute(
                sa.text(
                    "SELECT attname FROM pg_stats WHERE schemaname = current_schema() "
                    "AND tablename = 'work_identifiers'"
                )
            ).scalars()
            assert "identifier" in set(columns)
    finally:
        engine.dispose()
