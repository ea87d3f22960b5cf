"""The one composition root: settings -> engine, unit of work, signing key, services.

The API, the web pages and the CLI call :func:`build` (or :func:`open_registry`); nothing
opens an engine, reads settings or a key at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from consentry.config import Settings
from consentry.ledger.keys import load_or_create_signing_key
from consentry.ledger.receipts import make_receipt, public_key_pem
from consentry.registry.service import IdFactory, RegistryService, random_ids
from consentry.registry.terms import TermsSet
from consentry.store.engine import make_engine, migrate
from consentry.store.uow import SqlUnitOfWork


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Registry:
    """Everything an entry point needs, built once from :class:`Settings`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    service: RegistryService
    signing_key: Ed25519PrivateKey

    def uow(self, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, write=write)

    @property
    def public_key_pem(self) -> str:
        return public_key_pem(self.signing_key.public_key())

    # Read-side conveniences used by signals and scans.
    def current_terms(self, work_id: str) -> TermsSet:
        return self.service.work_terms(work_id)

    def party_terms(self, party_id: str) -> TermsSet:
        return self.service.party_terms(party_id)

    def lookup_terms(self, identifier: str) -> list[tuple[str, TermsSet]]:
        result = self.service.lookup([identifier])[0]
        return [(w.id, t) for w, t in result.works]

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_clock,
    ids: IdFactory = random_ids,
    run_migrations: bool = True,
) -> Registry:
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    if run_migrations:
        migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    key = load_or_create_signing_key(settings.home)

    def sign(fields: Mapping[str, Any]) -> dict[str, Any]:
        return make_receipt(
            declaration=fields["declaration"],
            declared_by=str(fields["declared_by"]),
            ledger_seq=int(fields["ledger_seq"]),
            ledger_hash=str(fields["ledger_hash"]),
            recorded_at=str(fields["recorded_at"]),
            registry=settings.registry_name,
            signing_key=key,
        )

    service = RegistryService(
        lambda write: SqlUnitOfWork(sessions, write=write),
        clock=clock,
        ids=ids,
        sign_receipt=sign,
        read_parallelism=2 if engine.dialect.name == "postgresql" else 1,
    )
    return Registry(settings, engine, sessions, service, key)


@contextmanager
def open_registry(home: Path | None = None, settings: Settings | None = None) -> Iterator[Registry]:
    if settings is None:
        settings = Settings(home=home) if home is not None else Settings()
    registry = build(settings)
    try:
        yield registry
    finally:
        registry.close()
