"""The shared evaluation set, for the scan benchmarks: where its scripts are, and scoring.

``../shared`` beside the project root holds ``eval/make_scan_eval.py`` (builds the labelled
corpus) and ``eval/score_scan.py`` (scores a match file against its truth).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def _shared() -> Path:
    """``shared`` beside the project root; a git worktree one level deeper finds it too."""
    for parent in Path(__file__).resolve().parents[1:]:
        if (parent / "shared" / "eval").is_dir():
            return parent / "shared"
    return Path(__file__).resolve().parents[2] / "shared"


SHARED = _shared()
EVAL = SHARED / "eval"


def score(truth: Path, matches: Path) -> dict[str, Any]:
    """score_scan.py's figures for a match file (recall by kind, false positives, ...)."""
    r = subprocess.run(
        [sys.executable, str(EVAL / "score_scan.py"), str(truth), str(matches)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(r.stdout)  # type: ignore[no-any-return]
