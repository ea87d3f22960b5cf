"""Settings, read only by entry points (CLI, API server) and handed to ``bootstrap``.

The data folder is ``CONSENTRY_HOME`` or ``--home DIR``, default
``~/.local/share/consentry``; it holds the SQLite database and the registry's signing key.
``CONSENTRY_DATABASE_URL`` (``postgresql+psycopg://...``) selects PostgreSQL instead.

Every field can be given to the constructor or read from ``CONSENTRY_<FIELD>`` (the name in
any case), the argument first, then the environment, then the default. A plain class, not
pydantic-settings: every command builds one, and pydantic-settings cost about 55 ms of CPU
on each (a fifth of a ``lookup``'s start-up on the project machine).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from consentry.errors import ValidationError

ENV_PREFIX = "CONSENTRY_"
SQLITE_FILE = "consentry.sqlite3"  # the default database, in the data folder


def default_home() -> Path:
    return Path.home() / ".local" / "share" / "consentry"


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET


def _environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``CONSENTRY_*`` variables by lower-case field name (names match in any case)."""
    n = len(ENV_PREFIX)
    return {k[n:].lower(): v for k, v in environ.items() if k.upper().startswith(ENV_PREFIX)}


@dataclass(frozen=True, slots=True, init=False)
class Settings:
    home: Path
    database_url: str | None
    registry_name: str
    host: str
    port: int
    smtp_url: str | None  # notices are sent through it (notices/delivery.py)
    public_url: str | None  # the registry's address in notices' links

    def __init__(
        self,
        *,
        home: Path | str | None = None,
        database_url: str | _Unset | None = UNSET,
        registry_name: str | None = None,
        host: str | None = None,
        port: int | None = None,
        smtp_url: str | None = None,
        public_url: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = _environment(os.environ if environ is None else environ)
        if database_url is UNSET:
            database_url = env.get("database_url")
        setattr_ = object.__setattr__
        setattr_(
            self, "home", Path(home if home is not None else env.get("home") or default_home())
        )
        setattr_(self, "database_url", database_url)
        setattr_(self, "registry_name", registry_name or env.get("registry_name") or "consentry")
        setattr_(self, "host", host or env.get("host") or "127.0.0.1")
        setattr_(self, "port", port if port is not None else _port(env.get("port")))
        setattr_(self, "smtp_url", smtp_url or env.get("smtp_url") or None)
        setattr_(self, "public_url", public_url or env.get("public_url") or None)

    def base_url(self) -> str:
        """The address notices link to: ``CONSENTRY_PUBLIC_URL``, else this host and port."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / SQLITE_FILE}"

    def sqlite_path(self) -> Path | None:
        """The default SQLite database in the data folder; None when ``database_url`` names
        another database."""
        return None if self.database_url else self.home / SQLITE_FILE


def _port(text: str | None) -> int:
    if text is None or not text.strip():
        return 8000
    try:
        port = int(text.strip())
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ValidationError(
            f"{ENV_PREFIX}PORT {text!r} is not a port number, expected 1-65535",
            field=f"{ENV_PREFIX}PORT",
            value=text,
            expected="an integer from 1 to 65535",
        )
    return port
