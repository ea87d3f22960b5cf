"""What every command group shares: the data folder option, the registry, error output.

Imported by every command-group module, so it imports only Typer, the standard library and
consentry's light modules; settings (pydantic) and the registry (SQLAlchemy, cryptography)
are imported when a command asks for them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from consentry.errors import ConsentryError, ImportRejected, ValidationError
from consentry.text import is_utf8

if TYPE_CHECKING:
    from consentry.bootstrap import Registry
    from consentry.config import Settings
    from consentry.registry.service import LookupResult

HomeOption = typer.Option(
    None,
    "--home",
    envvar="CONSENTRY_HOME",
    help="Data folder (database and signing key). Default ~/.local/share/consentry.",
)

P = ParamSpec("P")
R = TypeVar("R")


def settings_for(home: Path | None) -> Settings:
    from consentry.config import Settings

    return Settings(home=home) if home is not None else Settings()


@contextmanager
def registry_for(home: Path | None) -> Iterator[Registry]:
    from consentry.bootstrap import build

    reg = build(settings_for(home))
    try:
        yield reg
    finally:
        reg.close()


def lookup_results(
    home: Path | None, ids: list[str], *, at: datetime | None, territory: str | None
) -> list[LookupResult]:
    """The registry's answers for ``ids``. On the default SQLite database with a current
    schema they are read without SQLAlchemy (``bootstrap.open_lookups``: about 0.2 s less of
    start-up); otherwise through the whole registry, which creates or migrates it first."""
    from consentry.bootstrap import open_lookups

    settings = settings_for(home)
    light = open_lookups(settings)
    if light is None:
        with registry_for(home) as reg:
            return reg.service.lookup(ids, at=at, territory=territory)
    try:
        return light.service.lookup(ids, at=at, territory=territory)
    finally:
        light.close()


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print a ConsentryError as one clear line on stderr and exit 1 (2 for bad input)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _check_text_arguments(kwargs)
        try:
            return fn(*args, **kwargs)
        except ImportRejected as exc:
            typer.echo(f"error: {exc.message}", err=True)
            for number, reason in exc.rejects[:50]:
                typer.echo(f"  record {number}: {reason}", err=True)
            if len(exc.rejects) > 50:
                typer.echo(f"  ... and {len(exc.rejects) - 50} more", err=True)
            raise typer.Exit(2) from None
        except ValidationError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        except ConsentryError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _check_text_arguments(kwargs: dict[str, Any]) -> None:
    """Text options and arguments must be UTF-8: bytes that are not reach Python as lone
    surrogates, which no store or encoder accepts (they failed later with a traceback).
    File paths are ``Path`` values and may hold any bytes."""
    for name, value in kwargs.items():
        for text in value if isinstance(value, list | tuple) else [value]:
            if isinstance(text, str) and not is_utf8(text):
                typer.echo(
                    f"error: {name} {text!r} is not UTF-8 text (the shell passed bytes "
                    "that are not UTF-8), expected UTF-8",
                    err=True,
                )
                raise typer.Exit(2) from None


def parse_territory_option(value: str | None) -> str | None:
    """``--territory``: WORLD or an ISO 3166-1 alpha-2 code (a bad one exits 2, naming it)."""
    if value is None:
        return None
    from consentry.registry.territories import parse_territory

    return parse_territory(value, field="--territory")


def parse_time(value: str | None, *, field: str = "--at") -> datetime | None:
    if value is None:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{field} {value!r} is not an ISO-8601 time",
            field=field,
            value=value,
            expected="e.g. 2026-01-01T00:00:00Z",
        ) from None
    if when.tzinfo is None:
        raise ValidationError(
            f"{field} {value!r} has no time zone",
            field=field,
            value=value,
            expected="a time with offset or Z, e.g. 2026-01-01T00:00:00Z",
        )
    return when


def echo_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
