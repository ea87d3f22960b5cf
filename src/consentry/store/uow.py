"""The unit of work: one transaction, its repositories, and commit or rollback as a whole.

``SqlUnitOfWork(factory, write=True)`` starts a writing transaction (``BEGIN IMMEDIATE`` on
SQLite, so the ledger head is taken under the write lock). Leaving the block without
``commit()`` rolls everything back: a failed or killed import leaves the database as it was.
A read of one statement may call :meth:`SqlUnitOfWork.single_read` first: on PostgreSQL it
then runs without a transaction (no ``BEGIN``/``ROLLBACK`` round trips).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from consentry.errors import StorageError
from consentry.licensing.grants import GrantCover
from consentry.registry.terms import Declaration
from consentry.registry.works import Work
from consentry.store.accounting import AccountingRepository
from consentry.store.decision_reads import (
    DecisionReadRepository,
    read_decision_context,
    read_decision_inputs,
)
from consentry.store.disputes import DisputeRepository
from consentry.store.engine import WRITE_OPTION
from consentry.store.fingerprints import FingerprintRepository
from consentry.store.ledger import LedgerRepository
from consentry.store.licensing import LicensingRepository
from consentry.store.lookup_reads import LookupReads as LookupReads
from consentry.store.lookup_reads import session_lookups
from consentry.store.members import MemberRepository
from consentry.store.notices import NoticeRepository
from consentry.store.removals import RemovalRepository
from consentry.store.repositories import (
    ApiKeyRepository,
    DeclarationRepository,
    ImportRepository,
    MandateRepository,
    PartyRepository,
    WorkRepository,
)
from consentry.store.web_accounts import WebAccountRepository


class SqlUnitOfWork:
    session: Session
    parties: PartyRepository
    works: WorkRepository
    declarations: DeclarationRepository
    decision_reads: DecisionReadRepository
    mandates: MandateRepository
    ledger: LedgerRepository
    keys: ApiKeyRepository
    imports: ImportRepository
    fingerprints: FingerprintRepository
    disputes: DisputeRepository
    licensing: LicensingRepository
    lookups: LookupReads
    accounting: AccountingRepository
    notices: NoticeRepository
    members: MemberRepository
    removals: RemovalRepository
    web_accounts: WebAccountRepository

    def __init__(self, factory: sessionmaker[Session], *, write: bool = False) -> None:
        self._factory = factory
        self._write = write
        self._single_read = False

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
        self.decision_reads = DecisionReadRepository(s)
        self.mandates = MandateRepository(s)
        self.ledger = LedgerRepository(s)
        self.keys = ApiKeyRepository(s)
        self.imports = ImportRepository(s)
        self.fingerprints = FingerprintRepository(s)
        self.disputes = DisputeRepository(s)
        self.licensing = LicensingRepository(s)
        self.lookups = session_lookups(s)
        self.accounting = AccountingRepository(s)
        self.notices = NoticeRepository(s)
        self.members = MemberRepository(s)
        self.removals = RemovalRepository(s)
        self.web_accounts = WebAccountRepository(s)
        return self

    def single_read(self) -> None:
        """Declare that this unit of work writes nothing and, on PostgreSQL, reads with one
        statement; call it before that statement.

        Decision: on PostgreSQL the statement then runs outside a transaction (autocommit).
        A single statement sees one snapshot either way, so the answer is the same; what goes
        is the ``BEGIN`` and ``ROLLBACK`` round trips, and the ``ROLLBACK`` that made psycopg
        drop its prepared statements after every request. SQLite (no round trips) keeps its
        deferred read transaction. ``commit()`` is refused afterwards.
        """
        if self._write:
            raise StorageError("a writing unit of work cannot be a single read")
        self._single_read = True
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def decision_inputs(self, work_id: str) -> tuple[Work, list[Declaration]]:
        """What one decision reads, without entering the unit of work (no Session): see
        :func:`~consentry.store.decision_reads.read_decision_inputs`."""
        if self._write:
            raise StorageError("a writing unit of work does not read a decision")
        bind = self._factory.kw["bind"]
        return read_decision_inputs(bind, work_id)

    def decision_context(
        self, work_id: str, licensee: str | None
    ) -> tuple[Work, list[Declaration], list[GrantCover]]:
        """:meth:`decision_inputs` and the licensee's grants covering the work (issue 12)."""
        if self._write:
            raise StorageError("a writing unit of work does not read a decision")
        return read_decision_context(self._factory.kw["bind"], work_id, licensee)

    def commit(self) -> None:
        if self._single_read:
            raise StorageError("a single-read unit of work does not commit")
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
