"""``consentry lookup`` exits 0 when every identifier is registered, 1 when any is invalid
or not registered (scripts can test it), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.config import Settings

runner = CliRunner()

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780007232833,Jane Austen|author,Jane Austen|creator|100,search=allowed
W2,article,On Mining,doi:10.1000/abc,Ann Writer|author,Ann Writer|creator|100,search=allowed
"""


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout


@pytest.fixture
def seeded(settings: Settings, tmp_path: Path) -> Settings:
    f = tmp_path / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    assert cli(settings, "import", "csv", str(f))[0] == 0
    return settings


@pytest.mark.parametrize("as_json", [False, True])
def test_lookup_exit_status_says_whether_every_identifier_was_found(
    seeded: Settings, as_json: bool
) -> None:
    extra = ["--json"] if as_json else []
    code, out = cli(seeded, "lookup", "9780007232833", "doi:10.1000/ABC", *extra)
    assert code == 0, out
    assert len(out.splitlines()) == 2

    code, out = cli(seeded, "lookup", "9780007232833", "isbn:9780007232834", *extra)
    assert code == 1  # a wrong check digit
    assert "expected 3" in out and "Emma" in out  # every identifier is still reported

    code, out = cli(seeded, "lookup", "doi:10.1000/abc", "doi:10.1000/not-here", *extra)
    assert code == 1  # valid but not registered
    if as_json:
        assert json.loads(out.splitlines()[1])["works"] == []
    else:
        assert "doi:10.1000/not-here: not registered" in out


def test_lookup_help_documents_the_exit_status(settings: Settings) -> None:
    result = runner.invoke(build_app(), ["lookup", "--help"])
    assert result.exit_code == 0
    assert "Exit status: 0 when every identifier is registered" in result.stdout
