"""``consentry fingerprints build`` and ``show`` through the real command group."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from consentry.cli.fingerprints import register

DATA = Path(__file__).parent.parent / "data" / "fingerprints"


def test_cli_build_and_show(tmp_path: Path) -> None:
    app_ = typer.Typer()
    register(app_)
    runner = CliRunner()
    works = tmp_path / "works"
    works.mkdir()
    for p in DATA.glob("*.txt"):
        (works / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    r = runner.invoke(app_, ["fingerprints", "build", str(works), "--out", str(tmp_path / "i")])
    assert r.exit_code == 0, r.output
    assert '"works": 3' in r.output
    csv = tmp_path / "works.csv"
    csv.write_text("work_id,path\npers,works/persuasion.txt\n", encoding="utf-8")
    r = runner.invoke(app_, ["fingerprints", "build", str(csv), "--out", str(tmp_path / "j")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app_, ["fingerprints", "show", str(tmp_path / "j")])
    assert r.exit_code == 0 and '"pers"' in r.output and "canon-v2" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,file\nx,y\n", encoding="utf-8")
    r = runner.invoke(app_, ["fingerprints", "build", str(bad), "--out", str(tmp_path / "k")])
    assert r.exit_code == 2 and "expected work_id and path" in r.output
    r = runner.invoke(
        app_,
        [
            "fingerprints",
            "build",
            str(works),
            "--out",
            str(tmp_path / "k"),
            "--selection",
            "winnow-1",
        ],
    )
    assert r.exit_code == 2 and "selection 'winnow-1'" in r.output
