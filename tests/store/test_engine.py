"""Engine settings that hold for every connection the application opens."""

from __future__ import annotations

from sqlalchemy import text

from consentry.bootstrap import Registry


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
