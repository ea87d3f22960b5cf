"""Import of a 100,000-product ONIX 3.0 file into a fresh SQLite registry.

Target (issue 2): under 60 s on SQLite. The file comes from make_onix.py (deterministic);
the import runs the same code as ``consentry import onix`` (parse, validate, one transaction,
one ledger event per work). Prints one JSON line; a second import of the same file is timed too
(it must change nothing).

Then the command as a user runs it, timed from process start to exit: ``consentry import onix
FILE`` into another fresh registry (made by ``consentry init`` first, untimed), and the same
command again (``cli_wall_s``, ``cli_reimport_wall_s``). ``--no-cli`` skips this (it takes as
long again as the in-process import).

    python -m benchmarks.onix_import
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.cli_timing import consentry_command, registry_env, time_command
from consentry.bootstrap import build
from consentry.cli.registry import _import
from consentry.config import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path("build/bench-onix"))
    ap.add_argument("--no-cli", action="store_true", help="skip timing `consentry import onix`")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    onix = args.dir / f"onix-{args.products}.xml"
    if not onix.exists():
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("make_onix.py")),
                "--products",
                str(args.products),
                "--out",
                str(onix),
            ],
            check=True,
            stdout=subprocess.DEVNULL,  # its own JSON line; this script prints one
        )
    home = args.dir / "home"
    shutil.rmtree(home, ignore_errors=True)
    build(Settings(home=home)).close()  # schema + key, outside the timing
    t = time.perf_counter()
    report = _import(onix, "onix", home, skip_invalid=False)
    first = time.perf_counter() - t
    t = time.perf_counter()
    again = _import(onix, "onix", home, skip_invalid=False)
    second = time.perf_counter() - t
    reg = build(Settings(home=home))
    counts = reg.service.counts()
    ok = reg.service.verify_ledger().ok
    reg.close()
    cli: dict[str, object] = {}
    if not args.no_cli:
        cli_home = args.dir / "home-cli"
        shutil.rmtree(cli_home, ignore_errors=True)
        env = registry_env(cli_home, None)
        subprocess.run([*consentry_command(), "init"], env=env, check=True, capture_output=True)
        first_cli = time_command(["import", "onix", str(onix)], runs=1, env=env)
        again_cli = time_command(["import", "onix", str(onix)], runs=1, env=env)
        cli = {
            "cli_wall_s": first_cli["median_s"],
            "cli_reimport_wall_s": again_cli["median_s"],
            "cli_exit_codes": [first_cli["exit_codes"], again_cli["exit_codes"]],
        }
    print(
        json.dumps(
            {
                "name": "onix_import_100k",
                "value": round(first, 2),
                "unit": "s",
                "products": args.products,
                "file_mb": round(onix.stat().st_size / 1e6, 1),
                "created": report.created,
                "rejected": len(report.rejected),
                "reimport_s": round(second, 2),
                "reimport_changed": not again.already_imported,
                "works_in_registry": counts["works"],
                "ledger_entries": counts["ledger"],
                "ledger_verifies": ok,
                "backend": "sqlite",
                "target_s": 60,
                **cli,
            }
        )
    )


if __name__ == "__main__":
    main()
