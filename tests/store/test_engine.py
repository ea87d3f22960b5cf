"""Engine settings that hold for every connection the application opens."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from consentry.bootstrap import Registry
from consentry.store.engine import make_engine


def test_postgres_plans_for_tables_in_memory_and_keeps_the_urls_options(
    registry: Registry,
) -> None:
    """PostgreSQL's default random_page_cost (4, a spinning disk) made a bulk lookup scan
    whole tables in parallel instead of probing indexes; the application's connections say
    1.1. The test URL's own options (its search_path) still apply: they come after."""
    with registry.engine.connect() as conn:
        if registry.engine.dialect.name != "postgresql":
            assert registry.engine.dialect.name == "sqlite"  # no planner costs to set
            return
        assert conn.execute(text("SHOW random_page_cost")).scalar_one() == "1.1"
        assert conn.execute(text("SHOW search_path")).scalar_one().startswith("t_")


def test_a_postgres_connection_that_died_while_idle_is_replaced(registry: Registry) -> None:
    """Pooled connections are pinged only after sitting idle (here: any idle time); one whose
    server process was ended meanwhile is discarded and the request gets a fresh one."""
    if registry.engine.dialect.name != "postgresql":
        return
    url = registry.engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, ping_after_idle_s=0.0)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with registry.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        with engine.connect() as conn:  # the dead one fails its ping and is replaced
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_a_busy_postgres_connection_is_not_pinged(registry: Registry, tmp_path: Path) -> None:
    """Within the idle window a checkout sends nothing before the caller's own statements
    (pool_pre_ping sent a ping, ``Query ";"``, on every checkout: a second round trip per
    decision). Read from libpq's protocol trace of the pooled connection."""
    if registry.engine.dialect.name != "postgresql":
        return
    url = registry.engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, ping_after_idle_s=60.0)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            pgconn = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
        trace = tmp_path / "trace"
        with trace.open("w") as f:
            pgconn.trace(f.fileno())
            for _ in range(3):
                with engine.connect() as conn:  # the pool hands back the same connection
                    conn.execute(text("SELECT 2"))
            pgconn.untrace()
        # lines: time, F(rontend) or B(ackend), length, message, text
        sent = [
            f"{fields[3]} {fields[4].strip()}"
            for fields in (line.split("\t") for line in trace.read_text().splitlines())
            if fields[1] == "F"
        ]
        assert sent == ['Query "BEGIN"', 'Query "SELECT 2"', 'Query "ROLLBACK"'] * 3, sent
    finally:
        engine.dispose()
