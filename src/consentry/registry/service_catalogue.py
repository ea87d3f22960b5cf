"""Use cases for a party's own catalogue, as its creator sees it in the web application: its
works with the terms in force and what it declared itself, and its declarations grouped by
the ledger entry (and so the signed receipt) that recorded them.

A mixin of :class:`consentry.registry.service.RegistryService`. Every read acts for the
actor's own party (``Actor.own_party``): nobody reads another party's catalogue here. The
import registers a list of works under the rules of ``create_work``, whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from consentry.errors import Conflict, ConsentryError, ImportRejected, NotFound
from consentry.ledger.chain import LedgerEntry
from consentry.registry import events
from consentry.registry.access import Actor, Role, check_may_register
from consentry.registry.decisions import declared_by_party, terms_at
from consentry.registry.importing import ParsedRecord, PartyResolver, build_work
from consentry.registry.purposes import Purpose, Status
from consentry.registry.service_disputes import Claim, DisputeCases, work_parties
from consentry.registry.terms import Declaration, TermsSet
from consentry.registry.works import Work

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

MAX_CATALOGUE = 5000  # works on one page of a catalogue
MAX_RECORDS = 500  # declaration records listed, newest first


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One work of the party: the combined terms in force (what lookups answer) and what the
    party itself declared (None per purpose where it declared nothing)."""

    work: Work
    terms: TermsSet
    declared: Mapping[Purpose, Status | None]
    may_declare: bool  # the party is a holder or creative contributor (its terms count)


@dataclass(frozen=True, slots=True)
class DeclarationRecord:
    """The declarations one ledger entry recorded for the party."""

    ledger_seq: int
    recorded_at: datetime
    effective_from: datetime
    work_id: str | None  # None: the party's whole catalogue
    work_title: str | None
    statuses: tuple[tuple[Purpose, Status], ...]
    territory: str
    declared_by: str | None  # an organisation acting on mandate, else the party itself
    has_receipt: bool  # a terms.declared entry; an import's declarations have none


class CatalogueCases(DisputeCases):
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    ids: Callable[[str], str]

    def catalogue(
        self, actor: Actor, *, offset: int = 0, limit: int = MAX_CATALOGUE
    ) -> list[CatalogueEntry]:
        """The works the actor's party holds or contributed to, oldest id first."""
        own = actor.own_party()
        now = self.clock()
        with self._uow(False) as uow:
            works = uow.works.page(offset=offset, limit=min(limit, MAX_CATALOGUE), party_id=own)
            decls = uow.declarations.for_works(works)
        return [_entry(w, own, decls[w.id], now) for w in works]

    def catalogue_count(self, actor: Actor) -> int:
        own = actor.own_party()
        with self._uow(False) as uow:
            return uow.works.count(party_id=own)

    def catalogue_work(self, actor: Actor, work_id: str) -> CatalogueEntry:
        """One work of the actor's party; NotFound when it names the party nowhere (another
        party's work is not told apart from one that does not exist)."""
        own = actor.own_party()
        now = self.clock()
        with self._uow(False) as uow:
            try:
                work = uow.works.get(work_id)
            except NotFound:
                raise NotFound("work", work_id) from None
            if own not in work_parties(work):
                raise NotFound("work", work_id)
            decls = uow.declarations.for_works([work])[work.id]
        return _entry(work, own, decls, now)

    def declaration_records(self, actor: Actor) -> list[DeclarationRecord]:
        """The party's declarations (its own and those made for it), one record per ledger
        entry, newest first."""
        own = actor.own_party()
        with self._uow(False) as uow:
            decls = uow.declarations.for_party(own)
            by_seq: dict[int, list[Declaration]] = {}
            for d in decls:
                if d.ledger_seq is not None:
                    by_seq.setdefault(d.ledger_seq, []).append(d)
            seqs = sorted(by_seq, reverse=True)[:MAX_RECORDS]
            titles = _titles(uow, {by_seq[s][0].work_id for s in seqs})
            return [_record(s, by_seq[s], titles, _kind(uow, s)) for s in seqs]

    def import_works(self, actor: Actor, records: Sequence[ParsedRecord]) -> list[Work]:
        """Register every record's work as ``create_work`` would (the same permission and
        identifier checks), all in one transaction. Any record that cannot be registered
        (unreadable, not the actor's to register, an identifier or work id taken or given
        twice in the list) refuses the whole list: ImportRejected naming each such record.
        The records' terms are not declared here: declare them with ``declare_terms``, which
        signs a receipt for each declaration."""
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        rejects = [(r.number, r.error or "unreadable record") for r in records if not r.draft]
        planned: list[tuple[Work, list[Claim]]] = []
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)  # time in ledger order; mandates read after
            resolver = PartyResolver(uow, self.ids, now)
            resolver.preload([r.draft for r in records if r.draft is not None])
            mandates = (
                uow.mandates.of_organisation(actor.own_party())
                if actor.role is Role.ORGANISATION
                else []
            )
            seen: dict[str, int] = {}
            for rec in records:
                if rec.draft is None:
                    continue
                try:
                    work = build_work(rec.draft, self.ids("w"), resolver)
                    check_may_register(actor, work_parties(work), mandates, at=now)
                    _check_once(work, rec.number, seen, uow)
                    planned.append((work, self._identifier_claims(uow, actor, work, now)))
                except ConsentryError as exc:
                    rejects.append((rec.number, exc.message))
            if rejects:
                raise ImportRejected(
                    f"{len(rejects)} of {len(records)} records cannot be registered; "
                    "nothing was imported",
                    rejects=sorted(rejects),
                )
            new_events = resolver.flush(actor.label)
            uow.works.add_many([w for w, _ in planned], created_at=now)
            for work, claims in planned:
                new_events.append(events.work_created(work))
                new_events.extend(self._open_disputes(uow, claims, work, actor, now))
            uow.ledger.append_many(new_events, actor=actor.label, at=now)
            uow.commit()
        if any(claims for _, claims in planned):
            self._forget_disputes()
        return [w for w, _ in planned]


def _check_once(work: Work, number: int, seen: dict[str, int], uow: SqlUnitOfWork) -> None:
    """Each identifier and work id once in the list; a work id not registered already."""
    keys = [*work.identifiers, *([f"work id {work.external_id}"] if work.external_id else [])]
    for key in keys:
        if key in seen:
            raise Conflict(f"{key} is also in record {seen[key]}", identifier=key)
    if work.external_id is not None and uow.works.ids_for_external([work.external_id]):
        raise Conflict(
            f"external id {work.external_id!r} is already registered",
            external_id=work.external_id,
        )
    for key in keys:
        seen[key] = number


def _entry(work: Work, own: str, decls: list[Declaration], now: datetime) -> CatalogueEntry:
    return CatalogueEntry(
        work=work,
        terms=terms_at(work, decls, at=now),
        declared=declared_by_party(work.id, own, decls, at=now),
        may_declare=own in work.consent_parties(),
    )


def _titles(uow: SqlUnitOfWork, work_ids: set[str | None]) -> dict[str, str]:
    ids = sorted(w for w in work_ids if w is not None)
    return {w.id: w.title for w in uow.works.get_many(ids).values()} if ids else {}


def _kind(uow: SqlUnitOfWork, seq: int) -> str | None:
    item = uow.ledger.entry(seq)
    return item.kind if isinstance(item, LedgerEntry) else None


def _record(
    seq: int, decls: list[Declaration], titles: dict[str, str], kind: str | None
) -> DeclarationRecord:
    first = decls[0]
    return DeclarationRecord(
        ledger_seq=seq,
        recorded_at=first.recorded_at,
        effective_from=first.effective_from,
        work_id=first.work_id,
        work_title=titles.get(first.work_id) if first.work_id else None,
        statuses=tuple(sorted((d.purpose, d.status) for d in decls)),
        territory=first.territory,
        declared_by=first.declared_by,
        has_receipt=kind == "terms.declared",
    )
