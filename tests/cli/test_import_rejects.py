"""``import --skip-invalid`` writes its rejects file to the data folder (or ``--rejects
FILE``) and says where; nothing is written beside the input, whose folder may be read-only
or shared."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.config import Settings

runner = CliRunner()

CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W1,book,Emma,isbn:9780007232833,Jane Austen|author,Jane Austen|creator|100,search=allowed
W2,book,Bad,isbn:9780007232834,X|author,X|creator|100,
W3,article,On Mining,doi:10.1000/abc,Ann Writer|author,Ann Writer|creator|100,search=allowed
"""


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"CONSENTRY_DATABASE_URL": settings.database_url, "CONSENTRY_HOME": None}
    result = runner.invoke(build_app(), [*args, "--home", str(settings.home)], env=env)
    return result.exit_code, result.stdout, result.stderr


def _input(tmp_path: Path) -> Path:
    shared = tmp_path / "shared-input"
    shared.mkdir()
    f = shared / "works.csv"
    f.write_text(CSV, encoding="utf-8")
    return f


def test_rejects_go_to_the_data_folder_and_the_path_is_printed(
    settings: Settings, tmp_path: Path
) -> None:
    f = _input(tmp_path)
    code, out, err = cli(settings, "import", "csv", str(f), "--skip-invalid")
    assert code == 0 and "created: 2" in out and "rejected: 1" in out
    assert sorted(p.name for p in f.parent.iterdir()) == ["works.csv"]  # nothing beside it
    (rejects,) = (settings.home / "rejects").iterdir()
    assert rejects.name.startswith("works.csv.") and rejects.name.endswith(".rejects.csv")
    assert f"1 invalid records skipped; see {rejects}" in err
    rows = list(csv.reader(rejects.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["record", "reason"]
    assert rows[1][0] == "2" and "expected 3" in rows[1][1], rows


def test_rejects_option_names_the_file(settings: Settings, tmp_path: Path) -> None:
    f = _input(tmp_path)
    target = tmp_path / "out" / "my-rejects.csv"
    target.parent.mkdir()
    code, _, err = cli(
        settings, "import", "csv", str(f), "--skip-invalid", "--rejects", str(target)
    )
    assert code == 0
    assert f"see {target}" in err
    assert target.read_text(encoding="utf-8").startswith("record,reason")
    assert not (settings.home / "rejects").exists()


def test_a_rejects_file_that_cannot_be_written_is_refused_before_importing(
    settings: Settings, tmp_path: Path
) -> None:
    f = _input(tmp_path)
    nowhere = tmp_path / "no-such-folder" / "rejects.csv"
    code, _, err = cli(
        settings, "import", "csv", str(f), "--skip-invalid", "--rejects", str(nowhere)
    )
    assert code == 2
    assert f"--rejects {nowhere}: cannot write a file there" in err
    code, out, _ = cli(settings, "works", "list", "--json")
    assert '"items": []' in out  # nothing was imported

    code, _, err = cli(settings, "import", "csv", str(f), "--rejects", str(tmp_path / "r.csv"))
    assert code == 2 and "--rejects is used with --skip-invalid" in err
