"""The consentry command line: one Typer app, one module per command group.

Each command-group module exposes ``register(app)``; this module only assembles them.
Commands reach the database and other adapters through ``consentry.bootstrap`` only.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="consentry",
    help="Creators' consent and AI-use terms: registry, signals, notices, scans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Command-group modules, in help order. Each defines ``register(app: typer.Typer) -> None``.
COMMAND_GROUPS: tuple[str, ...] = (
    "consentry.cli.registry",
    "consentry.cli.signals",
    "consentry.cli.fingerprints",
    "consentry.cli.bundle",
    "consentry.cli.scan",
)


def build_app() -> typer.Typer:
    for name in COMMAND_GROUPS:
        importlib.import_module(name).register(app)
    return app


def main() -> None:
    build_app()()
