"""The unit of work: one transaction, its repositories, and commit or rollback as a whole.

``SqlUnitOfWork(factory, write=True)`` starts a writing transaction (``BEGIN IMMEDIATE`` on
SQLite, so the ledger head is taken under the write lock). Leaving the block without
``commit()`` rolls everything back: a failed or killed import leaves the database as it was.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from consentry.errors import StorageError
from consentry.store.engine import WRITE_OPTION
from consentry.store.fingerprints import FingerprintRepository
from consentry.store.ledger import LedgerRepository
from consentry.store.repositories import (
    ApiKeyRepository,
    DeclarationRepository,
    ImportRepository,
    MandateRepository,
    PartyRepository,
    WorkRepository,
)


class SqlUnitOfWork:
    session: Session
    parties: PartyRepository
    works: WorkRepository
    declarations: DeclarationRepository
    mandates: MandateRepository
    ledger: LedgerRepository
    keys: ApiKeyRepository
    imports: ImportRepository
    fingerprints: FingerprintRepository

    def __init__(self, factory: sessionmaker[Session], *, write: bool = False) -> None:
        self._factory = factory
        self._write = write

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        if self._write:
            try:
                self.session.connection(execution_options={WRITE_OPTION: True})
            except DBAPIError as exc:
                self.session.close()
                raise StorageError(f"cannot start a write transaction: {exc.orig}") from exc
        s = self.session
        self.parties = PartyRepository(s)
        self.works = WorkRepository(s)
        self.declarations = DeclarationRepository(s)
        self.mandates = MandateRepository(s)
        self.ledger = LedgerRepository(s)
        self.keys = ApiKeyRepository(s)
        self.imports = ImportRepository(s)
        self.fingerprints = FingerprintRepository(s)
        return self

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
