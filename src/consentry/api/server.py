"""Run the API with uvicorn: what ``consentry serve`` and ``consentry demo`` call.

With ``workers > 1`` uvicorn starts that many processes; each builds its own registry from
the ``CONSENTRY_*`` environment through :func:`app_from_environment` (the composition root
is still ``bootstrap.build``). SQLite in WAL mode serves concurrent readers across processes.
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from consentry.api.app import create_app
from consentry.bootstrap import Registry


def config(registry: Registry, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(registry), host=host, port=port, log_level="info", access_log=False
    )


def app_from_environment() -> FastAPI:
    """App factory for worker processes: settings from the environment."""
    from consentry.bootstrap import build
    from consentry.config import Settings

    return create_app(build(Settings()))


def serve(registry: Registry, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve until interrupted (Ctrl-C)."""
    if workers <= 1:
        uvicorn.Server(config(registry, host, port)).run()
        return
    os.environ["CONSENTRY_HOME"] = str(registry.settings.home)
    if registry.settings.database_url:
        os.environ["CONSENTRY_DATABASE_URL"] = registry.settings.database_url
    uvicorn.run(
        "consentry.api.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
