"""Settings: constructor arguments, then ``CONSENTRY_*`` variables (any case), then defaults;
building them loads no pydantic-settings (every command builds one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consentry.config import Settings, default_home
from consentry.errors import ValidationError

SRC = Path(__file__).resolve().parents[1] / "src"


def test_defaults() -> None:
    s = Settings(environ={})
    assert s.home == default_home() == Path.home() / ".local" / "share" / "consentry"
    assert (s.database_url, s.registry_name, s.host, s.port) == (
        None,
        "consentry",
        "127.0.0.1",
        8000,
    )
    assert s.resolved_database_url() == f"sqlite:///{s.home / 'consentry.sqlite3'}"


def test_environment_in_any_case_and_arguments_first(tmp_path: Path) -> None:
    env = {
        "CONSENTRY_HOME": str(tmp_path / "h"),
        "consentry_database_url": "postgresql+psycopg://u@db/x",
        "Consentry_Port": "9000",
        "CONSENTRY_REGISTRY_NAME": "example",
        "OTHER": "x",
    }
    s = Settings(environ=env)
    assert s.home == tmp_path / "h"
    assert s.database_url == "postgresql+psycopg://u@db/x"
    assert s.resolved_database_url() == "postgresql+psycopg://u@db/x"
    assert (s.port, s.registry_name) == (9000, "example")
    t = Settings(home=tmp_path / "arg", database_url=None, port=1234, environ=env)
    assert t.home == tmp_path / "arg"
    assert t.database_url is None  # an explicit None is not the environment's URL
    assert t.resolved_database_url().startswith("sqlite:///")
    assert t.port == 1234
    assert Settings(home=str(tmp_path), environ={}).home == tmp_path


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONSENTRY_HOME", str(tmp_path))
    assert Settings().home == tmp_path


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_a_bad_port_is_named(port: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(environ={"CONSENTRY_PORT": port})
    assert caught.value.message == (
        f"CONSENTRY_PORT {port!r} is not a port number, expected 1-65535"
    )


def test_settings_are_values() -> None:
    a = Settings(home="/x", environ={})
    assert a == Settings(home=Path("/x"), environ={})
    assert "home=PosixPath('/x')" in repr(a) or "home=WindowsPath" in repr(a)
    with pytest.raises(AttributeError):
        a.home = Path("/y")  # type: ignore[misc]


def test_settings_load_no_pydantic() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    code = "import sys, consentry.config as c; c.Settings(); print(sorted(m for m in sys.modules if m.startswith('pydantic')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == "[]"
