"""``consentry import`` says which disputes a file opened or joined (issue 8)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.config import Settings

runner = CliRunner()
HEADER = "work_id,kind,title,identifiers,contributors,holders,terms"


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout + result.stderr


def test_the_import_summary_names_the_dispute_it_opened(settings: Settings, tmp_path: Path) -> None:
    first = tmp_path / "press.csv"
    first.write_text(
        f"{HEADER}\nW1,book,Emma,isbn:9780000000002,Jane Austen|author,"
        "Jane Austen|creator|100,search=allowed\n",
        encoding="utf-8",
    )
    other = tmp_path / "other.csv"
    other.write_text(
        f"{HEADER}\nB1,book,Emma?,isbn:9780000000002,Sam Other|author,Sam Other|creator|100,\n",
        encoding="utf-8",
    )
    assert cli(settings, "import", "csv", str(first))[0] == 0
    code, out = cli(settings, "import", "csv", str(other))
    assert code == 0, out
    assert "records: 1, created: 1, updated: 0" in out
    line = next(x for x in out.splitlines() if x.startswith("dispute "))
    assert "opened: isbn:9780000000002 is claimed by works" in line
    dispute_id = line.split()[1]
    code, listed = cli(settings, "disputes", "list")
    assert code == 0 and dispute_id in listed
