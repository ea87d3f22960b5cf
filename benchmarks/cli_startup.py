"""The command line as a user meets it: ``consentry --help``, ``lookup`` and ``decide``, each
timed from process start to exit.

Targets (issue 8, "the first five minutes"): ``consentry --help`` under 0.3 s and a
``lookup`` under 0.6 s on the 2-core machine. The commands run against a small seeded SQLite
registry (``--works``, default 1,000; seed_registry.py) in ``build/bench-cli``: the
registry's size hardly matters to one look-up, the start-up does. ``--database-url`` runs
``lookup`` and ``decide`` against PostgreSQL instead (``--help`` opens no database). Each
command runs ``--runs`` times (default 10) in a fresh process; the first run may include
reading files from disk, so every run is reported, and the median is the ``*_wall_s`` figure.
Prints one JSON line:

    {"name": "cli_startup", "value": <help median s>, "unit": "s (consentry --help, median)",
     "help_wall_s": .., "help_max_s": .., "lookup_wall_s": .., "decide_wall_s": .., ...}

    python -m benchmarks.cli_startup
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

from benchmarks.cli_timing import consentry_command, registry_env, time_command
from benchmarks.seed_registry import isbn13, seed
from consentry.config import Settings

TARGET_HELP_S = 0.3
TARGET_LOOKUP_S = 0.6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path, default=Path("build/bench-cli"))
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--works", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    seed(
        Settings(home=args.home, database_url=args.database_url).resolved_database_url(), args.works
    )
    env = registry_env(args.home, args.database_url)
    # one untimed run first: the registry's signing key and any pending start-up work are
    # created by the first command, which a user does once (`consentry init`)
    subprocess.run([*consentry_command(), "init"], env=env, capture_output=True, check=True)
    help_ = time_command(["--help"], runs=args.runs, env=env)
    lookup = time_command(["lookup", isbn13(args.works // 2)], runs=args.runs, env=env)
    decide = time_command(
        ["decide", "--work", "w00000000", "--purpose", "ai-train"], runs=args.runs, env=env
    )
    python_m = time_command(["--help"], runs=args.runs, env=env, python_m=True)
    out: dict[str, object] = {
        "name": "cli_startup",
        "value": help_["median_s"],
        "unit": "s (consentry --help, median)",
        "help_wall_s": help_["median_s"],
        "help_max_s": help_["max_s"],
        "help_runs_s": help_["runs_s"],
        # None while `python -m consentry` does not run (no consentry/__main__.py)
        "python_m_help_wall_s": python_m["median_s"] if python_m["exit_codes"] == [0] else None,
        "lookup_wall_s": lookup["median_s"],
        "lookup_max_s": lookup["max_s"],
        "lookup_runs_s": lookup["runs_s"],
        "lookup_exit_codes": lookup["exit_codes"],
        "decide_wall_s": decide["median_s"],
        "decide_max_s": decide["max_s"],
        "decide_runs_s": decide["runs_s"],
        "backend": "postgresql" if args.database_url else "sqlite",
        "works": args.works,
        "command": consentry_command()[0],
        "python": sys.version.split()[0],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "target_help_s": TARGET_HELP_S,
        "target_lookup_s": TARGET_LOOKUP_S,
        "goal_met": help_["median_s"] < TARGET_HELP_S and lookup["median_s"] < TARGET_LOOKUP_S,
        # stricter than the medians: every run under its target
        "every_run_under_target": cast(float, help_["max_s"]) < TARGET_HELP_S
        and cast(float, lookup["max_s"]) < TARGET_LOOKUP_S,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
