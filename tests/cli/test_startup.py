"""The command line starts at once: ``--help`` loads none of the heavy libraries, a
``lookup`` on a current database loads no Alembic, numpy or cryptography, and
``python -m consentry`` is the ``consentry`` command.

Checked by what a fresh process imports (``-X importtime``), never by timing it (the
timings, process start to exit, are in ``docs/benchmarks.md``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from consentry.cli.app import build_app

HEAVY = ("sqlalchemy", "numpy", "httpx", "pypdf", "cryptography")
SRC = Path(__file__).resolve().parents[2] / "src"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def _imported(stderr: str) -> set[str]:
    """Top-level package names from ``-X importtime`` lines."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    return names


def test_help_imports_none_of_the_heavy_libraries() -> None:
    proc = _run("-m", "consentry", "--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = _imported(proc.stderr)
    assert "consentry" in imported  # the importtime lines were read
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    assert "alembic" not in imported and "rich" not in imported


def test_help_lists_every_command_and_group() -> None:
    proc = _run("-m", "consentry", "--help")
    assert proc.returncode == 0
    listed = {
        line.split()[0]
        for line in proc.stdout.split("Commands:", 1)[1].splitlines()
        if line.startswith("  ") and line.split()
    }
    app = build_app()
    expected = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert None not in expected
    assert listed == expected
    for name in ("lookup", "decide", "demo", "import", "signals", "scan", "bundle", "works"):
        assert name in listed


def test_python_dash_m_consentry_is_the_command() -> None:
    proc = _run("-m", "consentry", "lookup", "--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Usage: consentry lookup" in proc.stdout


def test_a_lookup_on_a_current_database_loads_no_alembic_numpy_or_cryptography(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    assert _run("-m", "consentry", "init", "--home", str(home)).returncode == 0
    proc = _run("-m", "consentry", "lookup", "isbn:9780007232833", "--home", str(home))
    assert "isbn:9780007232833: not registered" in proc.stdout, proc.stderr[-2000:]
    imported = _imported(proc.stderr)
    assert "sqlite3" in imported  # it did reach the database
    # issue 8: on the default SQLite database with a current schema, not through SQLAlchemy
    # (bootstrap.open_lookups; about 0.2 s of its start-up)
    unwanted = {"alembic", "numpy", "cryptography", "httpx", "pypdf", "rich", "pydantic_settings"}
    unwanted |= {"sqlalchemy", "psycopg"}
    assert not imported & unwanted, sorted(imported & unwanted)
