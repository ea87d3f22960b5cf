"""The pure cores import no I/O library (STYLE rule 1), and modules stay under ~600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "consentry"
PURE = [
    "registry/identifiers.py",
    "registry/purposes.py",
    "registry/parties.py",
    "registry/works.py",
    "registry/mandates.py",
    "registry/terms.py",
    "registry/decisions.py",
    "registry/access.py",
    "registry/choices.py",
    "scan/report.py",
    "ledger/chain.py",
    "ledger/receipts.py",
]
IO_MODULES = {
    "sqlalchemy",
    "httpx",
    "requests",
    "socket",
    "urllib.request",
    "fastapi",
    "uvicorn",
    "smtplib",
    "subprocess",
    "psycopg",
    "sqlite3",
    "consentry.store",
    "consentry.api",
    "consentry.cli",
    "consentry.bootstrap",
    "random",
    "time",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("rel", PURE)
def test_pure_core_imports_no_io(rel: str) -> None:
    path = SRC / rel
    assert path.exists(), rel
    bad = {m for m in _imports(path) for io in IO_MODULES if m == io or m.startswith(io + ".")}
    assert not bad, f"{rel} imports I/O modules {sorted(bad)}"


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 650
    }
    assert not big, f"modules over 650 lines (split them): {big}"
