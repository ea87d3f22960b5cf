"""The one composition root: settings -> engine, unit of work, signing key, services.

The API, the web pages and the CLI call :func:`build` (or :func:`open_registry`); nothing
opens an engine, reads settings or a key at import time. The signing key is read (or made)
when first needed: signing a receipt, serving the public key, ``consentry init``; so a
read-only command (``lookup``, ``decide``) never loads cryptography.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consentry.config import Settings
from consentry.errors import StorageError
from consentry.registry.service import IdFactory, RegistryService, random_ids
from consentry.registry.terms import TermsSet

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from consentry.accounting.service import AccountingService
    from consentry.accounts.service import AccountService
    from consentry.licensing.service import LicensingService
    from consentry.notices.service import NoticeService
    from consentry.store.lookup_reads import SqliteLookups
    from consentry.store.uow import SqlUnitOfWork


def system_clock() -> datetime:
    return datetime.now(UTC)


class SigningKey:
    """The registry's signing key in ``home``, read (or created) on first use, once."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def get(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                from consentry.ledger.keys import load_or_create_signing_key

                self._key = load_or_create_signing_key(self.home)
            return self._key


@dataclass
class Registry:
    """Everything an entry point needs, built once from :class:`Settings`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    service: RegistryService
    key: SigningKey = field(repr=False)
    licensing: LicensingService = field(repr=False)
    accounting: AccountingService = field(repr=False)
    accounts: AccountService = field(repr=False)  # web accounts and sessions (issue 13)

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return self.key.get()

    def uow(self, write: bool = False) -> SqlUnitOfWork:
        from consentry.store.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.sessions, write=write)

    @property
    def public_key_pem(self) -> str:
        from consentry.ledger.receipts import public_key_pem

        return public_key_pem(self.signing_key.public_key())

    # Read-side conveniences used by signals and scans.
    def current_terms(self, work_id: str) -> TermsSet:
        return self.service.work_terms(work_id)

    def party_terms(self, party_id: str) -> TermsSet:
        return self.service.party_terms(party_id)

    def lookup_terms(self, identifier: str) -> list[tuple[str, TermsSet]]:
        result = self.service.lookup([identifier])[0]
        return [(w.id, t) for w, t in result.works]

    def notices(self) -> NoticeService:
        """The notice campaigns' use cases, signing acknowledgement tokens with the
        registry's key and keeping files in ``HOME/notices``."""
        from consentry.notices.outbox import Outbox
        from consentry.notices.service import NoticeService

        key = self.key

        def verify(data: bytes, signature: bytes) -> bool:
            from cryptography.exceptions import InvalidSignature

            try:
                key.get().public_key().verify(signature, data)
            except InvalidSignature:
                return False
            return True

        return NoticeService(
            self.uow,
            clock=self.service.clock,
            ids=self.service.ids,
            sign=lambda data: key.get().sign(data),
            verify=verify,
            outbox=Outbox(self.settings.home / "notices"),
        )

    def close(self) -> None:
        self.engine.dispose()


def make_home(home: Path) -> None:
    """Create the data folder; one that cannot be made is a StorageError naming it."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError) or (home.exists() and not home.is_dir()):
            reason = "a file is in the way"
        elif isinstance(exc, NotADirectoryError):
            reason = "a parent is a file, not a folder"
        raise StorageError(
            f"cannot create data folder {home}: {reason}; expected a folder consentry can "
            "write (give --home DIR or set CONSENTRY_HOME)",
            path=str(home),
        ) from None


def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_clock,
    ids: IdFactory = random_ids,
    run_migrations: bool = True,
) -> Registry:
    from sqlalchemy.orm import sessionmaker

    # imported here, not at module level: the command line's lookup (open_lookups) needs
    # neither, and accounting alone (rapidfuzz, claims) was ~0.1 s of its start-up
    from consentry.accounting.service import AccountingService
    from consentry.accounts.service import AccountService
    from consentry.licensing.service import LicensingService
    from consentry.store.engine import make_engine, migrate
    from consentry.store.uow import SqlUnitOfWork

    make_home(settings.home)
    engine = make_engine(settings.resolved_database_url())
    if run_migrations:
        migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    key = SigningKey(settings.home)

    def sign(fields: Mapping[str, Any]) -> dict[str, Any]:
        from consentry.ledger.receipts import make_receipt

        return make_receipt(
            declaration=fields["declaration"],
            declared_by=str(fields["declared_by"]),
            ledger_seq=int(fields["ledger_seq"]),
            ledger_hash=str(fields["ledger_hash"]),
            recorded_at=str(fields["recorded_at"]),
            registry=settings.registry_name,
            signing_key=key.get(),
        )

    service = RegistryService(
        lambda write: SqlUnitOfWork(sessions, write=write),
        clock=clock,
        ids=ids,
        sign_receipt=sign,
        read_parallelism=2 if engine.dialect.name == "postgresql" else 1,
    )
    licensing = LicensingService(
        lambda write: SqlUnitOfWork(sessions, write=write), clock=clock, ids=ids, sign=sign
    )
    accounting = AccountingService(
        lambda write: SqlUnitOfWork(sessions, write=write), clock=clock, ids=ids
    )
    accounts = AccountService(
        lambda write: SqlUnitOfWork(sessions, write=write), clock=clock, ids=ids, registry=service
    )
    return Registry(settings, engine, sessions, service, key, licensing, accounting, accounts)


@contextmanager
def open_registry(home: Path | None = None, settings: Settings | None = None) -> Iterator[Registry]:
    if settings is None:
        settings = Settings(home=home) if home is not None else Settings()
    registry = build(settings)
    try:
        yield registry
    finally:
        registry.close()


class LookupOnly:
    """A service that answers lookups and nothing else (see :func:`open_lookups`)."""

    def __init__(self, settings: Settings, lookups: SqliteLookups, clock: Callable[[], datetime]):
        self.settings = settings
        self._lookups = lookups
        self.service = RegistryService(
            _no_unit_of_work, clock=clock, sign_receipt=_no_signing, lookup_uow=lambda: lookups
        )

    def close(self) -> None:
        self._lookups.close()


def open_lookups(
    settings: Settings, *, clock: Callable[[], datetime] = system_clock
) -> LookupOnly | None:
    """Lookups on the default SQLite database without SQLAlchemy (the command line's
    ``lookup``: see ``store/lookup_reads.py``), or None when that is not the whole answer:
    PostgreSQL or another database URL, no database yet, a schema behind the newest (then
    :func:`build` creates or migrates it first) or a database that cannot be read."""
    path = settings.sqlite_path()
    if path is None:
        return None
    from consentry.store.lookup_reads import open_sqlite_lookups

    lookups = open_sqlite_lookups(path)
    return None if lookups is None else LookupOnly(settings, lookups, clock)


def _no_unit_of_work(write: bool) -> SqlUnitOfWork:
    raise StorageError("this registry answers lookups only (bootstrap.open_lookups)")


def _no_signing(fields: Mapping[str, Any]) -> dict[str, Any]:
    raise StorageError("this registry answers lookups only (bootstrap.open_lookups)")
