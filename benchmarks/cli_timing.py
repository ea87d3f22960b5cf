"""Time a ``consentry`` command as a user runs it: from process start to exit.

The command is the installed console script beside this interpreter (what ``pip install``
puts on the PATH), not a shell shim such as pyenv's, run with the caller's environment
(``PYTHONPATH`` included, so a work tree times its own code). Output goes to a pipe that is
read in full, as a terminal or ``| head`` would. Each run is a fresh process: the first one
may include reading the files from disk, so every run is reported.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def consentry_command() -> list[str]:
    script = Path(sys.executable).with_name("consentry")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("consentry")
    return [found] if found else [sys.executable, "-m", "consentry.cli"]


def time_command(
    args: Sequence[str],
    *,
    runs: int = 5,
    env: Mapping[str, str] | None = None,
    python_m: bool = False,
) -> dict[str, object]:
    """Run ``consentry ARGS`` (``python -m consentry ARGS`` with ``python_m``) ``runs`` times;
    wall seconds of each run, the median and max, and the exit codes (1 is reported, not
    raised: ``lookup`` exits 1 when an identifier is invalid or unregistered)."""
    head = [sys.executable, "-m", "consentry"] if python_m else consentry_command()
    argv = head + list(args)
    walls: list[float] = []
    codes: set[int] = set()
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(argv, env=dict(env or os.environ), capture_output=True)
        walls.append(time.perf_counter() - t)
        codes.add(proc.returncode)
        if proc.returncode not in (0, 1):
            raise RuntimeError(
                f"{' '.join(argv[:4])} ... exited {proc.returncode}: {proc.stderr.decode()[-2000:]}"
            )
    return {
        "median_s": round(statistics.median(walls), 3),
        "max_s": round(max(walls), 3),
        "runs_s": [round(w, 3) for w in walls],
        "exit_codes": sorted(codes),
    }


def registry_env(home: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, CONSENTRY_HOME=str(home))
    if database_url:
        env["CONSENTRY_DATABASE_URL"] = database_url
    else:
        env.pop("CONSENTRY_DATABASE_URL", None)
    return env
