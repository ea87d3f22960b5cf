"""Import of a 100,000-product ONIX 3.0 file into a fresh SQLite registry.

Target (issue 2): under 60 s on SQLite. The file comes from make_onix.py (deterministic);
the import runs the same code as ``consentry import onix`` (parse, validate, one transaction,
one ledger event per work). Prints one JSON line; a second import of the same file is timed too
(it must change nothing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from consentry.bootstrap import build
from consentry.cli.registry import _import
from consentry.config import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path("build/bench-onix"))
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
            }
        )
    )


if __name__ == "__main__":
    main()
