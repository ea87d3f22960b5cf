"""The registry's service layer: each public method is one use case in one transaction.

It orchestrates the pure core (works, mandates, terms, decisions) through a unit of work and
appends one ledger event per change in the same transaction. Time and ids are injected.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from consentry.errors import (
    Conflict,
    IdentifierError,
    LedgerError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from consentry.ledger.chain import ChainReport, LedgerEntry, verify_chain
from consentry.limits import MAX_URL, check_optional, utc_time
from consentry.registry import events
from consentry.registry.access import Actor, Role, check_may_register
from consentry.registry.decisions import Decision, decide, party_terms_at, terms_at, terms_for_works
from consentry.registry.disputes import most_restrictive
from consentry.registry.identifiers import parse_identifier
from consentry.registry.importing import PartyResolver, build_work
from consentry.registry.mandates import WORLD, Mandate, authorise
from consentry.registry.parties import ContactPoint, Party, PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.service_catalogue import CatalogueCases
from consentry.registry.service_disputes import DisputeCases, work_parties
from consentry.registry.service_fingerprints import FingerprintCases
from consentry.registry.service_keys import KeyCases
from consentry.registry.service_mandates import MandateCases
from consentry.registry.service_members import MemberCases
from consentry.registry.terms import Declaration, TermsSet
from consentry.registry.territories import parse_territory
from consentry.registry.works import Work, WorkDraft, WorkSummary

if TYPE_CHECKING:
    from consentry.store.uow import LookupReads, SqlUnitOfWork

Clock = Callable[[], datetime]
IdFactory = Callable[[str], str]
UowFactory = Callable[[bool], "SqlUnitOfWork"]


class LookupUnitOfWork(Protocol):
    """What a lookup needs of a unit of work: its reads in one transaction (a SqlUnitOfWork;
    on SQLite, the command line's ``lookup`` uses ``store.lookup_reads.SqliteLookups``,
    which needs no SQLAlchemy)."""

    @property
    def lookups(self) -> LookupReads: ...

    def __enter__(self) -> LookupUnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


Signer = Callable[[Mapping[str, Any]], dict[str, Any]]


def random_ids(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class LookupResult:
    id: str  # the identifier as asked, canonicalised when valid
    works: tuple[tuple[WorkSummary, TermsSet], ...] = ()
    error: str | None = None
    dispute_id: str | None = None  # the identifier's open dispute

    @property
    def disputed(self) -> bool:
        """An open dispute, or more than one work holding the identifier without one (two
        registrations that raced, or a bulk import): either way not one work's answer."""
        return self.dispute_id is not None or len(self.works) > 1

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"id": self.id, "error": self.error}
        disputed = self.disputed
        return {
            "id": self.id,
            "works": [
                {"work_id": w.id, "title": w.title, "terms": t.as_dict()} for w, t in self.works
            ],
            "disputed": disputed,
            "dispute_id": self.dispute_id,
            # disputed: per purpose the most restrictive terms of the works (what to act on)
            "combined_terms": most_restrictive([t for _, t in self.works]).as_dict()
            if disputed
            else None,
        }


@dataclass(frozen=True, slots=True)
class Declared:
    declarations: tuple[Declaration, ...]
    ledger_seq: int
    receipt: dict[str, Any]


class RegistryService(
    MandateCases, MemberCases, KeyCases, FingerprintCases, CatalogueCases, DisputeCases
):
    def __init__(
        self,
        uow: UowFactory,
        *,
        clock: Clock,
        ids: IdFactory = random_ids,
        sign_receipt: Signer,
        read_parallelism: int = 1,
        lookup_uow: Callable[[], LookupUnitOfWork] | None = None,
    ) -> None:
        self._uow = uow
        # lookups read through this (default: a read-only unit of work)
        self._lookup_uow: Callable[[], LookupUnitOfWork] = lookup_uow or (lambda: uow(False))
        self.clock = clock
        self.ids = ids
        self._sign = sign_receipt
        # Large lookups read their works in this many concurrent transactions (the
        # composition root sets 2 for PostgreSQL, whose server works while we wait).
        self.read_parallelism = max(1, read_parallelism)
        self.parallel_threshold = 4000  # works found, below which one transaction is faster
        # Verified keys, by the SHA-256 of the whole token, with the time of their check: a
        # hit skips the database (service_keys.AUTH_CACHE_SECONDS, one second).
        self._auth_cache: dict[str, tuple[Actor, datetime]] = {}
        # Works in open disputes and when they were read (service_disputes, one second).
        self._dispute_cache: tuple[datetime, frozenset[str]] | None = None

    # ----------------------------------------------------------------- parties
    def create_party(
        self,
        actor: Actor,
        *,
        name: str,
        kind: PartyKind,
        roles: Iterable[PartyRole],
        identifiers: Iterable[str] = (),
        contacts: Iterable[ContactPoint] = (),
    ) -> Party:
        actor.require(Role.ADMIN, Role.ORGANISATION)
        idents = tuple(sorted({str(parse_identifier(i, field="identifiers")) for i in identifiers}))
        party = Party(
            id=self.ids("p"),
            name=name.strip(),
            kind=kind,
            roles=frozenset(roles),
            identifiers=idents,
            contacts=tuple(contacts),
        )
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)  # time in ledger order
            for ident in idents:
                owner = uow.parties.find_by_identifier(ident)
                if owner is not None:
                    raise Conflict(
                        f"identifier {ident} already belongs to party {owner}",
                        identifier=ident,
                        party=owner,
                    )
            uow.parties.add(party, created_at=now)
            uow.ledger.append(*events.party_created(party), actor=actor.label, at=now)
            uow.commit()
        return party

    def get_party(self, actor: Actor, party_id: str) -> Party:
        with self._uow(False) as uow:
            party = uow.parties.get(party_id)
            if not self._may_see_private(uow, actor, party_id):
                party = Party(party.id, party.name, party.kind, party.roles, party.identifiers, ())
            return party

    def list_parties(
        self, actor: Actor, *, offset: int, limit: int, role: PartyRole | None = None
    ) -> list[Party]:
        with self._uow(False) as uow:
            parties = uow.parties.page(offset=offset, limit=limit, role=role)
            return [
                p
                if self._may_see_private(uow, actor, p.id)
                else Party(p.id, p.name, p.kind, p.roles, p.identifiers, ())
                for p in parties
            ]

    def _may_see_private(self, uow: SqlUnitOfWork, actor: Actor, party_id: str) -> bool:
        if actor.role is Role.ADMIN or actor.party_id == party_id:
            return True
        if actor.role is Role.ORGANISATION and actor.party_id:
            now = self.clock()
            return any(m.in_force(now) for m in uow.mandates.between(actor.party_id, party_id))
        return False

    # ----------------------------------------------------------------- works
    def create_work(self, actor: Actor, draft: WorkDraft) -> Work:
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        with self._uow(True) as uow:
            # the ledger lock also serialises identifier checks: two unrelated registrations
            # of one identifier must not both find it free (tests/store/test_dispute_races.py)
            now = uow.ledger.locked_now(self.clock)  # time in ledger order; mandates read after
            resolver = PartyResolver(uow, self.ids, now)
            resolver.preload([draft])
            work = build_work(draft, self.ids("w"), resolver)
            self._check_may_register(uow, actor, work, now)
            # an identifier another work holds: Conflict when related, else a dispute
            claims = self._identifier_claims(uow, actor, work, now)
            if work.external_id is not None and uow.works.ids_for_external([work.external_id]):
                raise Conflict(
                    f"external id {work.external_id!r} is already registered",
                    external_id=work.external_id,
                )
            new_events = resolver.flush(actor.label)
            uow.works.add_many([work], created_at=now)
            new_events.append(events.work_created(work))
            new_events.extend(self._open_disputes(uow, claims, work, actor, now))
            uow.ledger.append_many(new_events, actor=actor.label, at=now)
            uow.commit()
        if claims:
            self._forget_disputes()
        return work

    def _check_may_register(
        self, uow: SqlUnitOfWork, actor: Actor, work: Work, now: datetime
    ) -> None:
        mandates = (
            uow.mandates.of_organisation(actor.own_party())
            if actor.role is Role.ORGANISATION
            else []
        )
        check_may_register(actor, work_parties(work), mandates, at=now)

    def get_work(self, work_id: str) -> Work:
        with self._uow(False) as uow:
            return uow.works.get(work_id)

    def list_works(
        self, *, offset: int, limit: int, party_id: str | None = None
    ) -> list[tuple[Work, TermsSet]]:
        now = self.clock()
        with self._uow(False) as uow:
            works = uow.works.page(offset=offset, limit=limit, party_id=party_id)
            decls = uow.declarations.for_works(works)
            return [(w, terms_at(w, decls[w.id], at=now)) for w in works]

    def work_terms(
        self, work_id: str, *, at: datetime | None = None, territory: str | None = None
    ) -> TermsSet:
        """The work's terms at ``at`` in ``territory`` (None: what holds everywhere)."""
        where = _territory(territory)
        when = self.clock() if at is None else utc_time(at, field="at")
        with self._uow(False) as uow:
            work = uow.works.get(work_id)
            decls = uow.declarations.for_works([work])[work.id]
            return terms_at(work, decls, at=when, territory=where)

    def party_terms(
        self, party_id: str, *, at: datetime | None = None, territory: str | None = None
    ) -> TermsSet:
        where = _territory(territory)
        when = self.clock() if at is None else utc_time(at, field="at")
        with self._uow(False) as uow:
            uow.parties.get(party_id)
            decls = uow.declarations.for_party(party_id)
            return party_terms_at(party_id, decls, at=when, territory=where)

    def terms_history(self, work_id: str) -> list[Declaration]:
        with self._uow(False) as uow:
            uow.works.get(work_id)
            return uow.declarations.history(work_id=work_id)

    # ----------------------------------------------------------------- terms
    def declare_terms(
        self,
        actor: Actor,
        *,
        party_id: str,
        statuses: Mapping[Purpose, Status],
        work_id: str | None = None,
        effective_from: datetime | None = None,
        attribution_required: bool = False,
        licence_url: str | None = None,
        territory: str = WORLD,
    ) -> Declared:
        if not statuses:
            raise ValidationError(
                "no purposes given", field="terms", value={}, expected="at least one purpose"
            )
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        territory = parse_territory(territory)
        if effective_from is not None:
            utc_time(effective_from, field="effective_from")  # has an offset and fits UTC
        check_optional(licence_url, field="licence_url", limit=MAX_URL)
        with self._uow(True) as uow:
            # The time is read under the ledger's lock, before anything is checked: ledger
            # order and effective order then agree, and a mandate withdrawn by a writer
            # that came first is seen withdrawn.
            now = uow.ledger.locked_now(self.clock)
            when = effective_from or now
            uow.parties.get(party_id)
            mandate: Mandate | None = None
            if actor.role is Role.CREATOR and actor.party_id != party_id:
                raise PermissionDenied(
                    f"a creator key for party {actor.party_id} may only declare its own terms, "
                    f"not those of party {party_id}",
                    party=party_id,
                )
            if actor.role is Role.ORGANISATION and actor.party_id != party_id:
                org_id = actor.own_party()
                mandate = authorise(
                    uow.mandates.between(org_id, party_id),
                    organisation_id=org_id,
                    member_id=party_id,
                    purposes=statuses.keys(),
                    at=now,
                    territory=territory,
                    effective_from=when,
                )
            if work_id is not None:
                work = uow.works.get(work_id)
                if party_id not in work.consent_parties():
                    raise ValidationError(
                        f"party {party_id} is neither a rights holder nor a creator of work "
                        f"{work_id}",
                        field="party_id",
                        value=party_id,
                        expected="a holder or creative contributor of the work",
                    )
            declared_by = actor.party_id if actor.party_id != party_id else None
            kind, event = events.terms_declared(
                party_id=party_id,
                work_id=work_id,
                terms=statuses,
                effective_from=when,
                attribution_required=attribution_required,
                licence_url=licence_url,
                declared_by=declared_by,
                mandate_id=mandate.id if mandate else None,
                territory=territory,
            )
            entry = uow.ledger.append(kind, event, actor=actor.label, at=now)
            decls = tuple(
                Declaration(
                    id=self.ids("d"),
                    party_id=party_id,
                    purpose=p,
                    status=s,
                    effective_from=when,
                    recorded_at=now,
                    work_id=work_id,
                    attribution_required=attribution_required and s is Status.ALLOWED,
                    licence_url=licence_url if s is Status.LICENCE else None,
                    declared_by=declared_by,
                    mandate_id=mandate.id if mandate else None,
                    ledger_seq=entry.seq,
                    territory=territory,
                )
                for p, s in sorted(statuses.items())
            )
            uow.declarations.add_many(decls)
            receipt = self._sign(
                {
                    "declaration": event,
                    "declared_by": declared_by or party_id,
                    "ledger_seq": entry.seq,
                    "ledger_hash": entry.hash,
                    "recorded_at": entry.recorded_at,
                }
            )
            uow.commit()
        return Declared(decls, entry.seq, receipt)

    def receipt_for(self, actor: Actor, seq: int) -> dict[str, Any]:
        """Re-issue the receipt of a ``terms.declared`` ledger entry (deterministic)."""
        # A developer key never acts as its party, not even to read that party's receipts.
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        with self._uow(False) as uow:
            item = uow.ledger.entry(seq)
            if isinstance(item, LedgerEntry) and item.kind == "terms.declared":
                payload = dict(item.payload)
                owner = str(payload.get("party_id"))
                if actor.role not in (Role.ADMIN,) and actor.party_id not in (
                    owner,
                    payload.get("declared_by"),
                ):
                    raise PermissionDenied(
                        f"receipt {seq} belongs to party {owner}", party=owner, seq=seq
                    )
                return self._sign(
                    {
                        "declaration": payload,
                        "declared_by": payload.get("declared_by") or owner,
                        "ledger_seq": item.seq,
                        "ledger_hash": item.hash,
                        "recorded_at": item.recorded_at,
                    }
                )
        raise NotFound("receipt", seq)

    # ----------------------------------------------------------------- lookups, decisions
    def lookup(
        self,
        identifiers: Sequence[str],
        *,
        at: datetime | None = None,
        territory: str | None = None,
    ) -> list[LookupResult]:
        """Each identifier's works with their terms at ``at`` in ``territory`` (None: what
        holds everywhere, the most restrictive over every territory)."""
        where = _territory(territory)
        when = self.clock() if at is None else utc_time(at, field="at")
        canonical: list[str | None] = []
        errors: dict[int, str] = {}
        for n, raw in enumerate(identifiers):
            try:
                canonical.append(str(parse_identifier(raw)))
            except IdentifierError as exc:
                canonical.append(None)
                errors[n] = exc.message
        with self._lookup_uow() as uow:
            found = uow.lookups.ids_for_identifiers([c for c in canonical if c])
            # only an identifier more than one work holds can be in an open dispute
            shared = [c for c, ws in found.items() if len(ws) > 1]
            disputes = uow.lookups.open_dispute_ids(shared) if shared else {}
        work_ids = sorted({w for ids in found.values() for w in ids})
        parts = self.read_parallelism if len(work_ids) >= self.parallel_threshold else 1
        size = -(-len(work_ids) // parts) if work_ids else 1
        slices = [work_ids[i : i + size] for i in range(0, len(work_ids), size)] or [[]]
        if len(slices) == 1:
            results = [self._summaries_with_terms(slices[0], when, where)]
        else:
            from concurrent.futures import ThreadPoolExecutor  # ~8 ms of every command's start

            with ThreadPoolExecutor(len(slices)) as pool:
                results = list(
                    pool.map(lambda ids: self._summaries_with_terms(ids, when, where), slices)
                )
        works: dict[str, WorkSummary] = {}
        terms: dict[str, TermsSet] = {}
        for w_part, t_part in results:
            works.update(w_part)
            terms.update(t_part)
        out: list[LookupResult] = []
        for n, raw in enumerate(identifiers):
            c = canonical[n]
            if c is None:
                out.append(LookupResult(raw, error=errors[n]))
                continue
            out.append(
                LookupResult(
                    c,
                    tuple((works[w], terms[w]) for w in found.get(c, []) if w in works),
                    dispute_id=disputes.get(c),
                )
            )
        return out

    def _summaries_with_terms(
        self, work_ids: list[str], when: datetime, territory: str | None
    ) -> tuple[dict[str, WorkSummary], dict[str, TermsSet]]:
        with self._lookup_uow() as uow:
            works = uow.lookups.summaries(work_ids)
            own, catalogue = uow.lookups.own_and_catalogue(list(works.values()))
        parties = [(wid, w.parties) for wid, w in works.items()]
        return works, terms_for_works(parties, own, catalogue, at=when, territory=territory)

    def decide(
        self,
        *,
        work_id: str,
        purpose: Purpose,
        at: datetime | None = None,
        developer_id: str | None = None,
        territory: str | None = None,
    ) -> Decision:
        """May the work be used for ``purpose`` at ``at`` in ``territory`` (None: everywhere,
        so any territory's reservation denies)."""
        where = _territory(territory)
        when = self.clock() if at is None else utc_time(at, field="at")
        # No Session: the reads on a pooled driver connection, in the same transactions
        # (store/decision_reads.read_decision_inputs).
        # The licensee's grants are read in the same snapshot (issue 12).
        work, decls, grants = self._uow(False).decision_context(work_id, developer_id)
        decision = decide(
            work,
            decls,
            purpose=purpose,
            at=when,
            developer_id=developer_id,
            territory=where,
            grants=grants,
        )
        disputed = self.dispute_reasons(work_id)  # a set look-up unless the work is disputed
        return replace(decision, reasons=decision.reasons + disputed) if disputed else decision

    # ----------------------------------------------------------------- ledger, keys
    def verify_ledger(self) -> ChainReport:
        """Re-walk the whole chain and check that it ends at the recorded head."""
        with self._uow(False) as uow:
            return verify_chain(uow.ledger.entries(), head=uow.ledger.head())

    def counts(self) -> dict[str, int]:
        with self._uow(False) as uow:
            return {
                "works": uow.works.count(),
                "parties": uow.parties.count(),
                "ledger": uow.ledger.head()[0],
            }


def _territory(value: str | None) -> str | None:
    """A territory asked of a read: None and ``WORLD`` both mean everywhere."""
    if value is None:
        return None
    code = parse_territory(value)
    return None if code == WORLD else code


def raise_ledger(report: ChainReport) -> None:
    if not report.ok:
        raise LedgerError(report.reason or "ledger does not verify", seq=report.first_bad_seq)
