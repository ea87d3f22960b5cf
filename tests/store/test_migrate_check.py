"""``migrate`` runs Alembic only when the schema is behind: a database at head costs one
query, one behind is upgraded, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event, text

from consentry.bootstrap import Registry
from consentry.errors import StorageError
from consentry.store.engine import VERSIONS, current_revisions, head_revision, migrate
from consentry.store.migrations import alembic_config


def test_head_revision_read_from_the_scripts_is_alembics_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]
    assert head_revision(VERSIONS) is not None


def test_head_revision_is_none_when_the_scripts_have_no_single_head(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a1"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b1"\ndown_revision: str | None = "a1"\n')
    assert head_revision(tmp_path) == "b1"
    (tmp_path / "c.py").write_text('revision = "c1"\ndown_revision = None\n')
    assert head_revision(tmp_path) is None  # two heads: Alembic decides
    (tmp_path / "c.py").write_text('revision = "c1"\ndown_revision = ("a1", "b1")\n')
    assert head_revision(tmp_path) is None  # a merge: Alembic decides


def test_a_database_at_head_is_checked_with_one_query(registry: Registry) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(registry.engine, "before_cursor_execute", record)
    try:
        migrate(registry.engine)
    finally:
        event.remove(registry.engine, "before_cursor_execute", record)
    # (SQLite's connections also say BEGIN: store/engine.py emits it)
    assert [s for s in statements if s != "BEGIN"] == ["SELECT version_num FROM alembic_version"]


def test_a_database_behind_is_upgraded(registry: Registry) -> None:
    head = head_revision()
    with registry.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "-1")
    assert current_revisions(registry.engine) not in (set(), {head})
    migrate(registry.engine)
    assert current_revisions(registry.engine) == {head}


def test_a_new_database_has_no_revision_and_is_created(registry: Registry) -> None:
    with registry.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert current_revisions(registry.engine) == set()
    migrate(registry.engine)
    assert current_revisions(registry.engine) == {head_revision()}
    assert registry.service.counts()["works"] == 0


def test_a_database_alembic_cannot_upgrade_is_a_storage_error_naming_it(
    registry: Registry,
) -> None:
    with registry.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    with pytest.raises(StorageError) as caught:
        migrate(registry.engine)
    assert "cannot migrate database" in caught.value.message
    assert "zz99" in caught.value.message
