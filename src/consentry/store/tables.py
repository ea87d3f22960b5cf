"""SQLAlchemy 2 typed tables. Rows never leave ``store/``: repositories map them to core values.

Decision: times are stored as fixed-width ISO-8601 UTC strings (``UTCDateTime``) on both
SQLite and PostgreSQL, so ordering and equality are identical on both backends and the
ledger hashes exactly the text that is stored.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from consentry.limits import (
    MAX_CONTACT,
    MAX_EXTERNAL_ID,
    MAX_IDENTIFIER,
    MAX_NAME,
    MAX_RIGHT,
    MAX_SHARE,
    MAX_TITLE,
    MAX_URL,
)
from consentry.store.times import format_time as format_time
from consentry.store.times import parse_time as parse_time

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Bounded in bytes by its keys: a datetime (and its fixed-offset tzinfo) has a fixed size.
@lru_cache(maxsize=4096)
def table(row: type[DeclarativeBase]) -> Table:
    """The Core table of a mapped class: bulk inserts go through Core, not the ORM."""
    t = row.__table__
    assert isinstance(t, Table)
    return t


class UTCDateTime(TypeDecorator[datetime]):
    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else format_time(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_time(str(value))


# Ledger sequence numbers: 64-bit. On PostgreSQL a BIGINT (migration 0004; INTEGER stops at
# 2**31 - 1 entries). SQLite's INTEGER already holds 64 bits, and an INTEGER primary key is the
# table's rowid, which a BIGINT one would not be: SQLite keeps INTEGER.
LedgerSeq = BigInteger().with_variant(Integer(), "sqlite")
SEQ_MAX = 2**63 - 1  # the largest ledger.seq either database can hold (or be asked about)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PartyRow(Base):
    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    # casefolded name, which can be longer than the name ("ß" -> "ss")
    name_key: Mapped[str] = mapped_column(String(3 * MAX_NAME), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated, sorted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartyIdentifierRow(Base):
    __tablename__ = "party_identifiers"
    identifier: Mapped[str] = mapped_column(String(MAX_IDENTIFIER), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)


class ContactRow(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(MAX_CONTACT))


class WorkRow(Base):
    __tablename__ = "works"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(MAX_EXTERNAL_ID), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    fingerprinted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkIdentifierRow(Base):
    __tablename__ = "work_identifiers"
    __table_args__ = (UniqueConstraint("work_id", "identifier"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(MAX_IDENTIFIER), index=True)


class ContributorRow(Base):
    __tablename__ = "contributors"
    # covering index: lookups read (work_id, role, party_id) without touching the table
    __table_args__ = (Index("ix_contributors_work_role_party", "work_id", "role", "party_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class HoldingRow(Base):
    __tablename__ = "holdings"
    # covering index: lookups read (work_id, party_id) without touching the table
    __table_args__ = (Index("ix_holdings_work_party", "work_id", "party_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    share: Mapped[str] = mapped_column(String(MAX_SHARE))  # exact decimal text
    right: Mapped[str] = mapped_column(String(MAX_RIGHT))


class MandateRow(Base):
    __tablename__ = "mandates"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    purposes: Mapped[str] = mapped_column(String(200))
    territories: Mapped[str] = mapped_column(String(1000))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeclarationRow(Base):
    __tablename__ = "declarations"
    __table_args__ = (Index("ix_declarations_party_work", "party_id", "work_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    work_id: Mapped[str | None] = mapped_column(ForeignKey("works.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    attribution_required: Mapped[bool] = mapped_column(Boolean, default=False)
    licence_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declared_by: Mapped[str | None] = mapped_column(String(40))
    mandate_id: Mapped[str | None] = mapped_column(String(40))
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)
    # WORLD or an ISO 3166-1 alpha-2 code (migration 0007; rows before it hold WORLD)
    territory: Mapped[str] = mapped_column(String(5), server_default="WORLD")


class LedgerRow(Base):
    """Insert-only. ``seq`` is the primary key: two writers can never both append seq N."""

    __tablename__ = "ledger"
    seq: Mapped[int] = mapped_column(LedgerSeq, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    recorded_at: Mapped[str] = mapped_column(String(27))
    actor: Mapped[str | None] = mapped_column(String(80))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerHeadRow(Base):
    """One row (id=1): the chain head, locked by every writer to take the next seq."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(LedgerSeq)
    hash: Mapped[str] = mapped_column(String(64))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkFingerprintsRow(Base):
    """A work's fingerprints (never its text): sorted by position, as little-endian arrays."""

    __tablename__ = "work_fingerprints"
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), primary_key=True)
    spec: Mapped[str] = mapped_column(Text)  # canonical JSON of the CanonSpec
    words: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    fingerprints: Mapped[bytes] = mapped_column(LargeBinary)  # uint64 little-endian
    positions: Mapped[bytes] = mapped_column(LargeBinary)  # uint32 little-endian (word index)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportRow(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(1000))
    format: Mapped[str] = mapped_column(String(20))
    records: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisputeRow(Base):
    """An identifier claimed by works of unrelated registrants (registry/disputes.py)."""

    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(MAX_IDENTIFIER), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    winner_work_id: Mapped[str | None] = mapped_column(ForeignKey("works.id"))
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(2000))


class DisputeWorkRow(Base):
    """A work that claims a dispute's identifier; ``position`` is the order of claim."""

    __tablename__ = "dispute_works"
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------- licensing (issue 12)
class LicenceSchemeRow(Base):
    """A collective scheme run by an organisation (licensing/terms.py ``Scheme``)."""

    __tablename__ = "licence_schemes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    purposes: Mapped[str] = mapped_column(String(200))  # comma-separated, sorted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)


class LicenceOptInRow(Base):
    """A party opting a work into a scheme for some purposes (insert-only)."""

    __tablename__ = "licence_opt_ins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("licence_schemes.id"), index=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    purposes: Mapped[str] = mapped_column(String(200))
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)


class LicenceOfferRow(Base):
    __tablename__ = "licence_offers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # work, party, scheme
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    terms: Mapped[str] = mapped_column(Text)  # canonical JSON of LicenceTerms.to_json()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LicenceOfferPartyRow(Base):
    """A party that made or joined a work or catalogue offer (its agreement to license)."""

    __tablename__ = "licence_offer_parties"
    offer_id: Mapped[str] = mapped_column(ForeignKey("licence_offers.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LicenceRequestRow(Base):
    __tablename__ = "licence_requests"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("licence_offers.id"), index=True)
    developer_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)


class LicenceGrantRow(Base):
    __tablename__ = "licence_grants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("licence_requests.id"), unique=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("licence_offers.id"), index=True)
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    terms: Mapped[str] = mapped_column(Text)  # canonical JSON, as offered
    territory: Mapped[str] = mapped_column(String(5))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)
    document: Mapped[str] = mapped_column(Text)  # the signed licence document (JSON)


class LicenceGrantWorkRow(Base):
    """A work a grant covers, for some purposes; decisions read it by (work, licensee)."""

    __tablename__ = "licence_grant_works"
    __table_args__ = (Index("ix_licence_grant_works_work_licensee", "work_id", "licensee_id"),)
    grant_id: Mapped[str] = mapped_column(ForeignKey("licence_grants.id"), primary_key=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), primary_key=True)
    licensee_id: Mapped[str] = mapped_column(String(40))
    purposes: Mapped[str] = mapped_column(String(200))


class CreditRecordRow(Base):
    """A signed attribution record: work, credit line, licensee, model, period."""

    __tablename__ = "credit_records"
    __table_args__ = (UniqueConstraint("grant_id", "work_id", "model", "period"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("licence_grants.id"), index=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    model: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(10))
    credit_line: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)
    document: Mapped[str] = mapped_column(Text)  # the signed record (JSON)


# -------------------------------------------------------------------- accounting (issue 12)
class UsageReportRow(Base):
    """An imported usage report; ``sha256`` is its digest (accounting/usage.py)."""

    __tablename__ = "usage_reports"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(1000))
    format: Mapped[str] = mapped_column(String(10))
    lines: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageLineRow(Base):
    """One usage line; units in integer thousandths (exact sums on both backends)."""

    __tablename__ = "usage_lines"
    __table_args__ = (Index("ix_usage_lines_period_unit", "period", "unit", "licensee_key"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    report_id: Mapped[str] = mapped_column(ForeignKey("usage_reports.id"), index=True)
    licensee: Mapped[str] = mapped_column(String(200))
    licensee_key: Mapped[str] = mapped_column(String(600))  # casefolded name
    model: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7))
    identifier: Mapped[str] = mapped_column(String(MAX_IDENTIFIER))
    units_milli: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(20))


class DistributionRunRow(Base):
    """A closed distribution: one per scope (period, unit, licensee), never redone differently."""

    __tablename__ = "distribution_runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(String(300), unique=True)
    period: Mapped[str] = mapped_column(String(7))
    unit: Mapped[str] = mapped_column(String(20))
    licensee: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    pool_minor: Mapped[int] = mapped_column(BigInteger)
    threshold_minor: Mapped[int] = mapped_column(BigInteger)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    rules_version: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)  # summary.json as written
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountingEntryRow(Base):
    """A posting of the double-entry books (accounting/books.py); insert-only. The amounts
    of one run, and of the whole table per currency, add up to zero."""

    __tablename__ = "accounting_entries"
    __table_args__ = (Index("ix_accounting_entries_account", "account", "currency", "party_id"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    run_id: Mapped[str] = mapped_column(ForeignKey("distribution_runs.id"), index=True)
    account: Mapped[str] = mapped_column(String(20))  # pool, payee, unidentified, carried
    party_id: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)


# ------------------------------------------------------------------ notices (issue 11)
class NoticeCampaignRow(Base):
    """A campaign: one kind of notice, on behalf of mandated members, to developers."""

    __tablename__ = "notice_campaigns"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    purposes: Mapped[str] = mapped_column(String(200))  # comma-separated, vocabulary order
    territory: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    base_url: Mapped[str] = mapped_column(String(MAX_URL))
    template_dir: Mapped[str | None] = mapped_column(Text)
    template_sha256: Mapped[str] = mapped_column(String(64))
    works: Mapped[int] = mapped_column(Integer)
    attachments: Mapped[str] = mapped_column(Text)  # JSON {filename: sha256}
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)


class CampaignMemberRow(Base):
    """A member whose works a campaign names, and the mandate relied on."""

    __tablename__ = "campaign_members"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("notice_campaigns.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    mandate_id: Mapped[str] = mapped_column(ForeignKey("mandates.id"), index=True)
    works: Mapped[int] = mapped_column(Integer)


class CampaignExclusionRow(Base):
    """A member left out of a campaign, with the reason."""

    __tablename__ = "campaign_exclusions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("notice_campaigns.id"), index=True)
    member: Mapped[str] = mapped_column(String(MAX_NAME))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    reason: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text)


class NoticeRow(Base):
    """One notice: one campaign's letter to one developer. ``state`` as stored (``overdue``
    is computed when read, from ``deadline``)."""

    __tablename__ = "notices"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("notice_campaigns.id"), index=True)
    developer_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    developer_name: Mapped[str] = mapped_column(String(MAX_NAME))
    email: Mapped[str | None] = mapped_column(String(MAX_CONTACT))
    state: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followups: Mapped[int] = mapped_column(Integer, default=0)


class NoticeMessageRow(Base):
    """An email of a notice (number 0) or of its follow-ups (1, 2, ...), as rendered once and
    sent, perhaps more than once, with the same bytes and Message-ID."""

    __tablename__ = "notice_messages"
    message_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # queued, sent, refused
    eml_sha256: Mapped[str] = mapped_column(String(64))
    eml_size: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    smtp_reply: Mapped[str | None] = mapped_column(Text)


class NoticeEventRow(Base):
    """Insert-only history of a notice (queued, attempt, sent, bounced, acknowledged, ...)."""

    __tablename__ = "notice_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    ledger_seq: Mapped[int | None] = mapped_column(LedgerSeq)


class NoticeAnswerRow(Base):
    """A developer's answer to a notice: free text and optional files."""

    __tablename__ = "notice_answers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)


class NoticeAnswerFileRow(Base):
    __tablename__ = "notice_answer_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("notice_answers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


# --------------------------------------------------------------------- members (issue 11)
class PartyAgentRow(Base):
    """A crawler token (signals catalogue) an AI developer party operates."""

    __tablename__ = "party_agents"
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class RemovalRequestRow(Base):
    """One work x developer of a removal campaign (notices/removals.py)."""

    __tablename__ = "removal_requests"
    __table_args__ = (UniqueConstraint("campaign_id", "work_id", "developer_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("notice_campaigns.id"), index=True)
    notice_id: Mapped[str | None] = mapped_column(String(40))
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"))
    developer_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    state: Mapped[str] = mapped_column(String(20))
    targets: Mapped[str] = mapped_column(String(200))
    derivations: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RemovalEvidenceRow(Base):
    """A file a developer gave as evidence of a removal (insert-only)."""

    __tablename__ = "removal_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    removal_id: Mapped[str] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
