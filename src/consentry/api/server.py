"""Run the API with uvicorn: what ``consentry serve`` and ``consentry demo`` call."""

from __future__ import annotations

import uvicorn

from consentry.api.app import create_app
from consentry.bootstrap import Registry


def config(registry: Registry, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(registry), host=host, port=port, log_level="info", access_log=False
    )


def serve(registry: Registry, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (Ctrl-C)."""
    uvicorn.Server(config(registry, host, port)).run()
