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


def test_cli_build_chooses_the_spec_version(tmp_path: Path) -> None:
    """New indexes are canon-v2; --spec canon-v1 builds one readers of the frozen spec share;
    an unknown version is refused with the versions there are."""
    app_ = typer.Typer()
    register(app_)
    runner = CliRunner()
    csv = tmp_path / "works.csv"
    csv.write_text(f"work_id,path\npers,{DATA / 'persuasion.txt'}\n", encoding="utf-8")
    for version in ("canon-v1", "canon-v2"):
        out = tmp_path / version
        r = runner.invoke(
            app_, ["fingerprints", "build", str(csv), "--out", str(out), "--spec", version]
        )
        assert r.exit_code == 0, r.output
        r = runner.invoke(app_, ["fingerprints", "show", str(out)])
        assert f'"version": "{version}"' in r.output
    r = runner.invoke(
        app_, ["fingerprints", "build", str(csv), "--out", str(tmp_path / "x"), "--spec", "v3"]
    )
    assert r.exit_code == 2 and "'v3' is not supported, expected one of" in r.output
