"""Every file the package reads at run time is package data of the wheel.

An editable install reads src/ directly, so a data file missing from
``[tool.setuptools.package-data]`` only shows once the package is installed from a wheel (the
notices' plain-text letters did: a campaign sent from a wheel install failed). This expands the
patterns the way setuptools' ``build_py.find_data_files`` does (``glob(..., recursive=True)``
relative to the package folder, files only) and compares them with the files in the source
tree, without building anything.
"""

from __future__ import annotations

import tomllib
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "consentry"

# Sources of the compiled kernel and build products: not data the installed package reads.
NOT_DATA = {".py", ".pyc", ".c", ".h", ".so", ".pyd"}


def _patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: list[str] = config["tool"]["setuptools"]["package-data"]["consentry"]
    return patterns


def _shipped() -> set[Path]:
    found: set[Path] = set()
    for pattern in _patterns():
        for name in glob(str(PACKAGE / pattern), recursive=True):
            path = Path(name)
            if path.is_file():
                found.add(path.relative_to(PACKAGE))
    return found


def _data_files() -> set[Path]:
    files: set[Path] = set()
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE)
        if not path.is_file() or "__pycache__" in relative.parts:
            continue
        if path.suffix in NOT_DATA or any(p.startswith(".") for p in relative.parts):
            continue
        files.add(relative)
    return files


def test_every_data_file_is_package_data() -> None:
    missing = sorted(str(p) for p in _data_files() - _shipped())
    assert not missing, f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"


def test_the_web_application_and_letters_are_covered() -> None:
    shipped = {str(p) for p in _shipped()}
    for needed in (
        "web/templates/base.html",
        "web/templates/public/home.html",
        "web/static/htmx.min.js",
        "web/static/app.css",
        "notices/templates/reservation.txt",
        "notices/templates/reservation.html",
        "store/migrations/script.py.mako",
        "demo/data/works.csv",
        "fingerprints/_canon.pyi",
        "py.typed",
    ):
        assert needed in shipped, needed
    # a file in a sub-folder of static/ (images, fonts) is matched too
    assert any(p.startswith("web/templates/creator/") for p in shipped)
