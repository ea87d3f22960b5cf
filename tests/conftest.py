"""Shared fixtures: a real registry on SQLite always, and on PostgreSQL when
``CONSENTRY_TEST_DATABASE_URL`` is set (CI sets it). Each PostgreSQL test runs in a fresh
schema of its own, dropped afterwards. An unreachable PostgreSQL fails the tests; it is
never skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from consentry.bootstrap import Registry, build
from consentry.config import Settings

# Tests never depend on timing: no Hypothesis deadline anywhere (a loaded CI machine made
# examples "too slow" and failed tests that were right). Loaded for every run, CI or not;
# an explicit ``@settings(...)`` inherits it unless it names a deadline itself.
hypothesis_settings.register_profile("consentry", deadline=None)
hypothesis_settings.load_profile("consentry")

PG_URL = os.environ.get("CONSENTRY_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgres"] if PG_URL else [])]


class FakeClock:
    """A clock tests move by hand; starts at 2026-01-01T00:00:00Z."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


class SequentialIds:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:05d}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    home = tmp_path / "home"
    if request.param == "sqlite":
        yield Settings(home=home)
        return
    assert PG_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:  # fails loudly when PostgreSQL is unreachable
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield Settings(home=home, database_url=f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def registry(settings: Settings, clock: FakeClock) -> Iterator[Registry]:
    reg = build(settings, clock=clock, ids=SequentialIds())
    try:
        yield reg
    finally:
        reg.close()
