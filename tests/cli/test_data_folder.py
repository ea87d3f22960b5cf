"""A data folder that cannot be created is one line naming it and a non-zero exit, never a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def consentry(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "consentry", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _homes(tmp_path: Path) -> list[tuple[Path, str]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    homes = [(a_file, "a file is in the way"), (a_file / "x", "a parent is a file")]
    if Path("/proc/self").is_dir():  # Linux: nothing can be created in /proc
        homes.append((Path("/proc/consentry-test"), "/proc/consentry-test"))
    return homes


@pytest.mark.parametrize("command", [["init"], ["lookup", "isbn:9780007232833"], ["works", "list"]])
def test_a_data_folder_that_cannot_be_created_is_one_line_naming_it(
    tmp_path: Path, command: list[str]
) -> None:
    for home, reason in _homes(tmp_path):
        proc = consentry(*command, "--home", str(home))
        assert proc.returncode == 1, (home, proc.stderr)
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith(f"error: cannot create data folder {home}: "), lines[0]
        assert reason in lines[0]
        assert proc.stdout == ""


def test_demo_names_a_data_folder_it_cannot_create(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    proc = consentry("demo", "--no-serve", "--home", str(tmp_path / "a-file" / "demo"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: cannot create data folder {tmp_path / 'a-file' / 'demo'}: a parent is a file, "
        "not a folder; expected a folder consentry can write (give --home DIR or set "
        "CONSENTRY_HOME)"
    )
