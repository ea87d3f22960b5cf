"""Repositories: map rows to core values and back. They never commit (the unit of work does).

Bulk reads take lists and query in chunks so that a 10,000-identifier lookup is a handful of
``IN`` queries, never one query per work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from consentry.caches import memo_str
from consentry.errors import NotFound
from consentry.limits import MAX_SHARE
from consentry.registry.access import ApiKey, Role
from consentry.registry.mandates import Mandate
from consentry.registry.parties import ContactPoint, Party, PartyKind, PartyRole, name_key
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import (
    Contributor,
    ContributorRole,
    Holding,
    Work,
    WorkKind,
    WorkSummary,
)
from consentry.store import bulk_reads as bulk
from consentry.store.lookup_reads import session_lookups
from consentry.store.tables import (
    ApiKeyRow,
    ContactRow,
    ContributorRow,
    DeclarationRow,
    HoldingRow,
    ImportRow,
    MandateRow,
    PartyIdentifierRow,
    PartyRow,
    WorkIdentifierRow,
    WorkRow,
    table,
)

CONTRIBUTOR_ROLES = {r.value: r for r in ContributorRole}


@memo_str(4096, MAX_SHARE)  # stored shares; a longer text is never kept
def decimal_share(text: str) -> Decimal:
    return Decimal(text)


CHUNK = 2000  # ids per IN (...): within SQLite's and PostgreSQL's parameter limits
DECLARATIONS = table(DeclarationRow)
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class PartyRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, party: Party, *, created_at: datetime) -> None:
        self.s.execute(
            insert(table(PartyRow)),
            [
                {
                    "id": party.id,
                    "name": party.name,
                    "name_key": name_key(party.name),
                    "kind": party.kind.value,
                    "roles": ",".join(sorted(r.value for r in party.roles)),
                    "created_at": created_at,
                }
            ],
        )
        if party.identifiers:
            self.s.execute(
                insert(table(PartyIdentifierRow)),
                [{"identifier": i, "party_id": party.id} for i in party.identifiers],
            )
        if party.contacts:
            self.s.execute(
                insert(table(ContactRow)),
                [{"party_id": party.id, "kind": c.kind, "value": c.value} for c in party.contacts],
            )

    def add_identifiers(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Record more identifiers of existing parties, as ``(identifier, party_id)`` pairs."""
        if pairs:
            self.s.execute(
                insert(table(PartyIdentifierRow)),
                [{"identifier": i, "party_id": p} for i, p in pairs],
            )

    def add_roles(self, party_id: str, roles: Iterable[PartyRole]) -> None:
        row = self.s.get(PartyRow, party_id)
        if row is None:
            raise NotFound("party", party_id)
        current = {r for r in row.roles.split(",") if r}
        new = current | {r.value for r in roles}
        if new != current:
            row.roles = ",".join(sorted(new))

    def get(self, party_id: str) -> Party:
        parties = self.get_many([party_id])
        if party_id not in parties:
            raise NotFound("party", party_id)
        return parties[party_id]

    def exists(self, party_id: str) -> bool:
        return self.s.get(PartyRow, party_id) is not None

    def get_many(self, ids: Sequence[str]) -> dict[str, Party]:
        ids = list(dict.fromkeys(ids))
        rows: list[PartyRow] = []
        idents: dict[str, list[str]] = defaultdict(list)
        contacts: dict[str, list[ContactPoint]] = defaultdict(list)
        for part in chunks(ids):
            rows.extend(self.s.scalars(select(PartyRow).where(PartyRow.id.in_(part))))
            for ir in self.s.scalars(
                select(PartyIdentifierRow).where(PartyIdentifierRow.party_id.in_(part))
            ):
                idents[ir.party_id].append(ir.identifier)
            for cr in self.s.scalars(select(ContactRow).where(ContactRow.party_id.in_(part))):
                contacts[cr.party_id].append(ContactPoint(cr.kind, cr.value))
        return {
            r.id: Party(
                id=r.id,
                name=r.name,
                kind=PartyKind(r.kind),
                roles=frozenset(PartyRole(x) for x in r.roles.split(",") if x),
                identifiers=tuple(sorted(idents[r.id])),
                contacts=tuple(contacts[r.id]),
            )
            for r in rows
        }

    def find_by_identifier(self, identifier: str) -> str | None:
        row = self.s.get(PartyIdentifierRow, identifier)
        return row.party_id if row else None

    def ids_for_identifiers(self, identifiers: Sequence[str]) -> dict[str, str]:
        """The party holding each of ``identifiers`` that one holds."""
        out: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(identifiers))):
            for ident, pid in self.s.execute(
                select(PartyIdentifierRow.identifier, PartyIdentifierRow.party_id).where(
                    PartyIdentifierRow.identifier.in_(part)
                )
            ):
                out[ident] = pid
        return out

    def ids_for_names(self, names: Sequence[str]) -> dict[str, list[str]]:
        """Parties by :func:`name_key` of each name (several parties may share a name)."""
        out: dict[str, list[str]] = defaultdict(list)
        keys = list(dict.fromkeys(name_key(n) for n in names))
        for part in chunks(keys):
            for key, pid in self.s.execute(
                select(PartyRow.name_key, PartyRow.id)
                .where(PartyRow.name_key.in_(part))
                .order_by(PartyRow.id)
            ):
                out[key].append(pid)
        return out

    def find_by_name(self, name: str) -> list[str]:
        return list(
            self.s.scalars(
                select(PartyRow.id).where(PartyRow.name_key == name_key(name)).order_by(PartyRow.id)
            )
        )

    def page(self, *, offset: int, limit: int, role: PartyRole | None = None) -> list[Party]:
        q = select(PartyRow.id).order_by(PartyRow.id).offset(offset).limit(limit)
        if role is not None:
            q = q.where(PartyRow.roles.contains(role.value))
        ids = list(self.s.scalars(q))
        found = self.get_many(ids)
        return [found[i] for i in ids]

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(PartyRow)) or 0)


class WorkRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_many(self, works: Sequence[Work], *, created_at: datetime) -> None:
        if not works:
            return
        self.s.execute(
            insert(table(WorkRow)),
            [
                {
                    "id": w.id,
                    "external_id": w.external_id,
                    "kind": w.kind.value,
                    "title": w.title,
                    "fingerprinted": w.fingerprinted,
                    "created_at": created_at,
                }
                for w in works
            ],
        )
        idents = [{"work_id": w.id, "identifier": i} for w in works for i in w.identifiers]
        if idents:
            self.s.execute(insert(table(WorkIdentifierRow)), idents)
        contribs = [
            {"work_id": w.id, "position": n, "party_id": c.party_id, "role": c.role.value}
            for w in works
            for n, c in enumerate(w.contributors)
        ]
        if contribs:
            self.s.execute(insert(table(ContributorRow)), contribs)
        holds = [
            {
                "work_id": w.id,
                "party_id": h.party_id,
                "role": h.role,
                "share": str(h.share),
                "right": h.right,
            }
            for w in works
            for h in w.holders
        ]
        if holds:
            self.s.execute(insert(table(HoldingRow)), holds)

    def add_identifiers(self, work_id: str, identifiers: Iterable[str]) -> None:
        rows = [{"work_id": work_id, "identifier": i} for i in identifiers]
        if rows:
            self.s.execute(insert(table(WorkIdentifierRow)), rows)

    def get(self, work_id: str) -> Work:
        works = self.get_many([work_id])
        if work_id not in works:
            raise NotFound("work", work_id)
        return works[work_id]

    def get_many(self, ids: Sequence[str]) -> dict[str, Work]:
        ids = list(dict.fromkeys(ids))
        rows: list[Any] = []
        idents: dict[str, list[str]] = defaultdict(list)
        contribs: dict[str, list[tuple[int, Contributor]]] = defaultdict(list)
        holds: dict[str, list[Holding]] = defaultdict(list)
        for part in chunks(ids):
            rows.extend(
                bulk.WORKS.rows(self.s, part, "id", "external_id", "kind", "title", "fingerprinted")
            )
            for work_id, ident in bulk.WORK_IDENTIFIERS.rows(self.s, part, "work_id", "identifier"):
                idents[work_id].append(ident)
            for work_id, position, party, role in bulk.CONTRIBUTORS.rows(
                self.s, part, "work_id", "position", "party_id", "role"
            ):
                contribs[work_id].append((position, Contributor(party, CONTRIBUTOR_ROLES[role])))
            for work_id, party, role, share, right in bulk.HOLDINGS.rows(
                self.s, part, "work_id", "party_id", "role", "share", "right"
            ):
                holds[work_id].append(Holding(party, role, decimal_share(share), right))
        return {
            wid: Work(
                id=wid,
                kind=WorkKind(kind),
                title=title,
                identifiers=tuple(sorted(idents[wid])),
                contributors=tuple(c for _, c in sorted(contribs[wid], key=lambda x: x[0])),
                holders=tuple(holds[wid]),
                external_id=external_id,
                fingerprinted=bool(fingerprinted),
            )
            for wid, external_id, kind, title, fingerprinted in rows
        }

    def summaries(self, ids: Sequence[str]) -> dict[str, WorkSummary]:
        """Id, title and consent parties of many works: all a lookup needs (3 queries a chunk)."""
        return session_lookups(self.s).summaries(ids)

    def ids_for_identifiers(self, identifiers: Sequence[str]) -> dict[str, list[str]]:
        return session_lookups(self.s).ids_for_identifiers(identifiers)

    def ids_for_external(self, external_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(external_ids))):
            for ext, work_id in self.s.execute(
                select(WorkRow.external_id, WorkRow.id).where(WorkRow.external_id.in_(part))
            ):
                out[str(ext)] = work_id
        return out

    def page(self, *, offset: int, limit: int, party_id: str | None = None) -> list[Work]:
        q = select(WorkRow.id).order_by(WorkRow.id).offset(offset).limit(limit)
        if party_id is not None:
            q = q.where(WorkRow.id.in_(self._of_party(party_id)))
        ids = list(self.s.scalars(q))
        found = self.get_many(ids)
        return [found[i] for i in ids]

    def count(self, party_id: str | None = None) -> int:
        """Every work, or those ``party_id`` holds or contributed to."""
        q = select(func.count()).select_from(WorkRow)
        if party_id is not None:
            q = q.where(WorkRow.id.in_(self._of_party(party_id)))
        return int(self.s.scalar(q) or 0)

    @staticmethod
    def _of_party(party_id: str) -> Any:
        held = select(HoldingRow.work_id).where(HoldingRow.party_id == party_id)
        contributed = select(ContributorRow.work_id).where(ContributorRow.party_id == party_id)
        return held.union(contributed)

    def all_ids(self) -> list[str]:
        return list(self.s.scalars(select(WorkRow.id).order_by(WorkRow.id)))


def _declaration(r: Any) -> Declaration:
    """From a DeclarationRow or a Core row of the declarations table."""
    return Declaration(
        id=r.id,
        party_id=r.party_id,
        purpose=Purpose(r.purpose),
        status=Status(r.status),
        effective_from=r.effective_from,
        recorded_at=r.recorded_at,
        work_id=r.work_id,
        attribution_required=r.attribution_required,
        licence_url=r.licence_url,
        declared_by=r.declared_by,
        mandate_id=r.mandate_id,
        ledger_seq=r.ledger_seq,
        territory=r.territory,
    )


def declaration_row(d: Declaration) -> dict[str, Any]:
    return {
        "id": d.id,
        "party_id": d.party_id,
        "work_id": d.work_id,
        "purpose": d.purpose.value,
        "status": d.status.value,
        "attribution_required": d.attribution_required,
        "licence_url": d.licence_url,
        "effective_from": d.effective_from,
        "recorded_at": d.recorded_at,
        "declared_by": d.declared_by,
        "mandate_id": d.mandate_id,
        "ledger_seq": d.ledger_seq,
        "territory": d.territory,
    }


class DeclarationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_many(self, declarations: Sequence[Declaration]) -> None:
        if declarations:
            self.s.execute(
                insert(table(DeclarationRow)), [declaration_row(d) for d in declarations]
            )

    def for_works(self, works: Sequence[Work | WorkSummary]) -> dict[str, list[Declaration]]:
        """Per work: its own declarations plus the catalogue declarations of its parties."""
        by_work, by_party = self.own_and_catalogue(works)
        return {
            w.id: by_work.get(w.id, []) + [d for p in w.consent_parties() for d in by_party[p]]
            for w in works
        }

    def own_and_catalogue(
        self, works: Sequence[Work | WorkSummary]
    ) -> tuple[dict[str, list[Declaration]], dict[str, list[Declaration]]]:
        """The works' own declarations by work id, and the catalogue declarations of their
        consent parties by party id (every consent party present, maybe with none)."""
        return session_lookups(self.s).own_and_catalogue(works)

    def for_party(self, party_id: str) -> list[Declaration]:
        rows = self.s.scalars(
            select(DeclarationRow)
            .where(DeclarationRow.party_id == party_id)
            .order_by(DeclarationRow.recorded_at, DeclarationRow.id)
        )
        return [_declaration(r) for r in rows]

    def history(self, *, work_id: str) -> list[Declaration]:
        rows = self.s.scalars(
            select(DeclarationRow)
            .where(DeclarationRow.work_id == work_id)
            .order_by(DeclarationRow.recorded_at, DeclarationRow.id)
        )
        return [_declaration(r) for r in rows]


def _mandate(r: MandateRow) -> Mandate:
    return Mandate(
        id=r.id,
        organisation_id=r.organisation_id,
        member_id=r.member_id,
        purposes=frozenset(Purpose(p) for p in r.purposes.split(",") if p),
        territories=frozenset(t for t in r.territories.split(",") if t),
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        evidence=r.evidence,
        withdrawn_at=r.withdrawn_at,
    )


class MandateRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, m: Mandate, *, created_at: datetime) -> None:
        self.s.add(
            MandateRow(
                id=m.id,
                organisation_id=m.organisation_id,
                member_id=m.member_id,
                purposes=",".join(sorted(p.value for p in m.purposes)),
                territories=",".join(sorted(m.territories)),
                valid_from=m.valid_from,
                valid_until=m.valid_until,
                evidence=m.evidence,
                withdrawn_at=m.withdrawn_at,
                created_at=created_at,
            )
        )
        self.s.flush()

    def get(self, mandate_id: str) -> Mandate:
        row = self.s.get(MandateRow, mandate_id)
        if row is None:
            raise NotFound("mandate", mandate_id)
        return _mandate(row)

    def withdraw(self, mandate_id: str, at: datetime) -> None:
        self.s.execute(
            update(MandateRow).where(MandateRow.id == mandate_id).values(withdrawn_at=at)
        )

    def between(self, organisation_id: str, member_id: str) -> list[Mandate]:
        rows = self.s.scalars(
            select(MandateRow)
            .where(MandateRow.organisation_id == organisation_id)
            .where(MandateRow.member_id == member_id)
            .order_by(MandateRow.id)
        )
        return [_mandate(r) for r in rows]

    def of_organisation(self, organisation_id: str) -> list[Mandate]:
        rows = self.s.scalars(
            select(MandateRow)
            .where(MandateRow.organisation_id == organisation_id)
            .order_by(MandateRow.id)
        )
        return [_mandate(r) for r in rows]

    def page(
        self,
        *,
        offset: int,
        limit: int,
        party_id: str | None = None,
        organisation_id: str | None = None,
    ) -> list[Mandate]:
        q = select(MandateRow).order_by(MandateRow.id).offset(offset).limit(limit)
        if organisation_id is not None:
            q = q.where(MandateRow.organisation_id == organisation_id)
        if party_id is not None:
            q = q.where(
                (MandateRow.organisation_id == party_id) | (MandateRow.member_id == party_id)
            )
        return [_mandate(r) for r in self.s.scalars(q)]


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self, key_id: str, secret_hash: str, role: str, party_id: str | None, created_at: datetime
    ) -> None:
        self.s.add(
            ApiKeyRow(
                id=key_id,
                secret_hash=secret_hash,
                role=role,
                party_id=party_id,
                created_at=created_at,
                revoked_at=None,
            )
        )
        self.s.flush()

    def get(self, key_id: str) -> tuple[str, str, str | None, datetime | None] | None:
        row = self.s.get(ApiKeyRow, key_id)
        if row is None:
            return None
        return row.secret_hash, row.role, row.party_id, row.revoked_at

    def for_update(self, key_id: str) -> ApiKey | None:
        """The key, its row locked until commit (``FOR UPDATE`` on PostgreSQL; SQLite's write
        transaction already holds the database): of two revocations, the second sees the first."""
        q = select(ApiKeyRow).where(ApiKeyRow.id == key_id).with_for_update()
        row = self.s.scalars(q.execution_options(populate_existing=True)).one_or_none()
        return None if row is None else _api_key(row)

    def revoke(self, key_id: str, at: datetime) -> None:
        self.s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(revoked_at=at))

    def list(self) -> list[ApiKey]:
        rows = self.s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))
        return [_api_key(r) for r in rows]


def _api_key(r: ApiKeyRow) -> ApiKey:
    return ApiKey(r.id, Role(r.role), r.party_id, r.created_at, r.revoked_at)


class ImportRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def seen(self, sha256: str) -> bool:
        q = select(func.count()).select_from(ImportRow).where(ImportRow.sha256 == sha256)
        return bool(self.s.scalar(q))

    def record(self, **values: Any) -> None:
        self.s.execute(insert(table(ImportRow)), [values])
