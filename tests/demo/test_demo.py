"""``consentry demo`` is complete from the installed package alone: it fingerprints the sample
texts shipped with consentry (from any working folder), honours ``CONSENTRY_HOME`` as its
``--help`` says, adds fingerprints a registry seeded without them lacks, and refuses a corpus
that is not there by name. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from consentry.bootstrap import build
from consentry.cli.app import build_app
from consentry.config import Settings
from consentry.demo.seed import CORPUS_FILES, sample_texts

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "consentry"


def demo(*args: str, env: dict[str, str | None]) -> tuple[int, str, str]:
    result = runner.invoke(build_app(), ["demo", "--no-serve", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def fingerprinted(settings: Settings) -> int:
    reg = build(settings)
    try:
        with reg.uow() as uow:
            return len(uow.fingerprints.work_ids())
    finally:
        reg.close()


def test_demo_in_consentry_home_fingerprints_the_packaged_texts_and_adds_missing_ones(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "a" / "b"  # no ../shared beside this working folder
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}

    code, out, err = demo(env=env)
    assert code == 0, err
    assert out.startswith(f"demo registry in {settings.home}\n")
    assert "fingerprints of 10 works registered from the sample texts" in out
    assert "export CONSENTRY_HOME" not in out  # it is the folder other commands use already
    assert (settings.home / "demo-keys.txt").is_file()
    assert fingerprinted(settings) == 10

    # a registry seeded without fingerprints (as the demo did when ../shared was absent)
    reg = build(settings)
    with reg.engine.begin() as conn:
        conn.execute(text("DELETE FROM work_fingerprints"))
    reg.close()
    assert fingerprinted(settings) == 0
    code, out, err = demo(env=env)
    assert code == 0, err
    assert "already seeded" in out
    assert "fingerprints of 10 works registered from the sample texts" in out
    assert fingerprinted(settings) == 10

    code, out, _ = demo(env=env)  # nothing left to add
    assert code == 0 and "already seeded" in out and "fingerprints of" not in out


def test_demo_without_home_uses_the_default_demo_folder(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "CONSENTRY_HOME": None, "CONSENTRY_DATABASE_URL": None}
    code, out, err = demo(env=env)
    assert code == 0, err
    folder = tmp_path / ".local" / "share" / "consentry-demo"
    assert out.startswith(f"demo registry in {folder}\n")
    assert f"other commands use it with: export CONSENTRY_HOME={folder}" in out
    assert (folder / "consentry.sqlite3").is_file()
    assert not (tmp_path / ".local" / "share" / "consentry").exists()


def test_a_corpus_that_is_not_there_is_an_error_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"CONSENTRY_HOME": str(home), "CONSENTRY_DATABASE_URL": None}
    code, _, err = demo("--corpus", str(tmp_path / "no-such-folder"), env=env)
    assert code == 2
    assert f"--corpus {tmp_path / 'no-such-folder'} is not a folder" in err
    assert not home.exists()  # refused before anything was made

    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "emma.txt").write_text("Emma Woodhouse, handsome, clever, and rich")
    code, _, err = demo("--corpus", str(partial), env=env)
    assert code == 2
    assert f"--corpus {partial} lacks prideprejudice.txt" in err and "emma.txt," not in err


def test_a_corpus_folder_of_plain_texts_is_used(tmp_path: Path) -> None:
    corpus = tmp_path / "texts"
    corpus.mkdir()
    for path in sample_texts().glob("*.txt.gz"):
        (corpus / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    settings = Settings(home=tmp_path / "home")
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": None}
    code, out, err = demo("--corpus", str(corpus), env=env)
    assert code == 0, err
    assert f"fingerprints of 10 works registered from {corpus}" in out
    assert fingerprinted(settings) == 10


def test_demo_refuses_a_registry_that_is_not_the_demos(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "works.csv"
    f.write_text(
        "work_id,kind,title,identifiers,contributors,holders,terms\n"
        "W1,book,Mine,isbn:9780007232833,Ann|author,Ann|creator|100,search=allowed\n",
        encoding="utf-8",
    )
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    assert runner.invoke(build_app(), ["import", "csv", str(f)], env=env).exit_code == 0
    code, out, err = demo(env=env)
    assert code == 1
    assert f"data folder {settings.home} holds a registry that is not the demo's (1 works)" in err
    assert "ORG" not in out and not (settings.home / "demo-keys.txt").exists()


def test_the_packaged_texts_are_the_pinned_files_with_their_sources() -> None:
    folder = sample_texts()
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (folder / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    )
    assert sorted(sums) == sorted(CORPUS_FILES.values())
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    with (folder.parent / "works.csv").open(encoding="utf-8") as fh:
        ebooks = {row["work_id"]: row["identifiers"] for row in csv.DictReader(fh)}
    for external, name in CORPUS_FILES.items():
        data = gzip.decompress((folder / f"{name}.gz").read_bytes())
        assert hashlib.sha256(data).hexdigest() == sums[name], name
        number = re.fullmatch(r"url:https://www\.gutenberg\.org/ebooks/(\d+)", ebooks[external])
        assert number is not None, ebooks[external]
        row = next(line for line in sources.splitlines() if line.startswith(f"| `{name}.gz`"))
        assert f"(https://www.gutenberg.org/ebooks/{number[1]})" in row


def test_package_data_ships_every_demo_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["consentry"]
    files = [p for p in (PACKAGE / "demo" / "data").rglob("*") if p.is_file()]
    assert len(files) >= 10 + 3
    unshipped = [
        str(p.relative_to(PACKAGE))
        for p in files
        if not any(p.relative_to(PACKAGE).match(pattern) for pattern in patterns)
    ]
    assert unshipped == []
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert "recursive-include src/consentry/demo/data" in manifest and "*.gz" in manifest
