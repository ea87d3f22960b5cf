"""Settings, read only by entry points (CLI, API server) and handed to ``bootstrap``.

The data folder is ``CONSENTRY_HOME`` or ``--home DIR``, default
``~/.local/share/consentry``; it holds the SQLite database and the registry's signing key.
``CONSENTRY_DATABASE_URL`` (``postgresql+psycopg://...``) selects PostgreSQL instead.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path.home() / ".local" / "share" / "consentry"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSENTRY_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    registry_name: str = "consentry"
    host: str = "127.0.0.1"
    port: int = 8000

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'consentry.sqlite3'}"
