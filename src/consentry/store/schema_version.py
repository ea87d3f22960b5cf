"""The newest schema revision, read from the migration scripts as text (no Alembic, no
SQLAlchemy): every command compares it with the database's before deciding to migrate, and
the command line's ``lookup`` before reading SQLite without SQLAlchemy."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def head_revision(versions: Path = VERSIONS) -> str | None:
    """The newest migration's revision id, read from the scripts' ``revision`` and
    ``down_revision`` lines without importing Alembic; None when that is not one clear head
    (then :func:`migrate` asks Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = {m.group(1): m.group(2) for m in _REVISION.finditer(source)}
        rev = found.get("revision", "").strip("\"'")
        if not rev or not re.fullmatch(r"\w+", rev):
            return None
        revisions.add(rev)
        down = found.get("down_revision", "None")
        if down != "None":
            if not re.fullmatch(r"[\"'](\w+)[\"']", down):
                return None  # a merge (a tuple of parents) or something we do not read
            parents.add(down.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
