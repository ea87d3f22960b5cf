"""The consentry command line: one Typer app, one module per command group.

Each command-group module exposes ``register(app)``; this module only assembles them.
Commands reach the database and other adapters through ``consentry.bootstrap`` only.

Start-up is kept short (``consentry --help`` is one of the first things a newcomer runs, and
scripts call ``lookup`` in loops): the command-group modules import only Typer and the
standard library at module level, and each command imports what it implements inside its
body, so ``--help`` never loads SQLAlchemy, numpy, httpx, pypdf or cryptography
(``tests/cli/test_startup.py`` checks). Help is Click's plain text (``rich_markup_mode=None``):
rich's formatter alone costs about 0.1 s of every invocation.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

app = typer.Typer(
    name="consentry",
    help="Creators' consent and AI-use terms: registry, signals, notices, scans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command-group modules, in help order. Each defines ``register(app: typer.Typer) -> None``.
COMMAND_GROUPS: tuple[str, ...] = (
    "consentry.cli.registry",
    "consentry.cli.works",
    "consentry.cli.disputes",
    "consentry.cli.signals",
    "consentry.cli.fingerprints",
    "consentry.cli.bundle",
    "consentry.cli.scan",
    "consentry.cli.licensing",
    "consentry.cli.accounting",
    "consentry.cli.notices",
    "consentry.cli.members",
    "consentry.cli.evidence",
    "consentry.cli.removals",
    "consentry.cli.users",
)

_built = False


def build_app() -> typer.Typer:
    global _built
    if not _built:
        for name in COMMAND_GROUPS:
            importlib.import_module(name).register(app)
        _built = True
    return app


def main() -> None:
    # numpy's OpenBLAS starts a thread per core that spins after start-up (about 65 ms of
    # CPU per process); consentry does no linear algebra, and with --workers N every worker
    # would spend it on the cores the others scan on. Set before numpy is first imported
    # (commands import it in their bodies); an explicit setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # `scan` and `filter` with --workers N: the workers start now, beside this process's own
    # start-up (see prestart_workers); any other command starts nothing here
    from consentry.cli.scan import prestart_workers

    prestart_workers(sys.argv[1:])
    build_app()(prog_name="consentry")
