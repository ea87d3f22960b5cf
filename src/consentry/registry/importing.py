"""Bulk import: parsed records (CSV, ONIX) become works, parties and declarations at once.

A file imports whole or not at all: every record is validated inside one write transaction
and any invalid record rejects the file with the list of record numbers and reasons (unless
``skip_invalid``). Importing the same file twice changes nothing: a file already imported
(same SHA-256) is a no-op, and a record whose work already exists (same external id, or an
identifier held by a work of a related registrant) only adds declarations whose terms differ
from those in force.

Decision, the registrant of a record: the parties the record names (its holders and
contributors, as registered). The importing key is the registry's own admin (no party), as
an admin registering a work through the API, and an ONIX ``Sender`` is not used: it names
who sent the data (often a distributor or a data aggregator), by free text, not who holds
the rights. A record whose identifier a work of an *unrelated* registrant holds (rule:
:func:`consentry.registry.disputes.relation`) is stored as a work of its own and the
identifier becomes a dispute (opened, or the open one joined), as with ``create_work``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import ConsentryError, ImportRejected, ValidationError
from consentry.registry import events
from consentry.registry.disputes import Dispute
from consentry.registry.events import Event
from consentry.registry.identifiers import parse_identifier
from consentry.registry.parties import (
    RIGHTSHOLDER_ROLES,
    Party,
    PartyKind,
    PartyRole,
    name_key,
)
from consentry.registry.purposes import Purpose, Status
from consentry.registry.service_disputes import Claim, Relations, open_or_join
from consentry.registry.terms import Declaration, effective_declaration
from consentry.registry.territories import WORLD
from consentry.registry.works import (
    Contributor,
    ContributorRole,
    Holding,
    PartyRef,
    Work,
    WorkDraft,
)

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One record of an input file: a draft, or the reason it could not be read."""

    number: int  # 1-based record number (CSV: data row; ONIX: <Product> position)
    draft: WorkDraft | None
    error: str | None = None
    key: str | None = None  # record reference shown in reject lists (work_id, ISBN)


@dataclass(slots=True)
class ImportReport:
    records: int = 0
    created: int = 0
    updated: int = 0  # existing works whose terms changed
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    parties_created: int = 0
    already_imported: bool = False
    # (dispute id, identifier, works claiming it now, "opened" or "joined")
    disputes: list[tuple[str, str, tuple[str, ...], str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"record": n, "reason": r} for n, r in self.rejected],
            "parties_created": self.parties_created,
            "already_imported": self.already_imported,
            "disputes": [
                {"dispute_id": d, "identifier": i, "work_ids": list(ws), "action": a}
                for d, i, ws, a in self.disputes
            ],
        }


_HOLDER_ROLE = {
    "creator": PartyRole.CREATOR,
    "author": PartyRole.CREATOR,
    "rightsholder": PartyRole.RIGHTSHOLDER,
    "publisher": PartyRole.PUBLISHER,
    "label": PartyRole.LABEL,
    "agent": PartyRole.AGENT,
}


def holder_role(value: str) -> PartyRole:
    role = _HOLDER_ROLE.get(value.strip().lower())
    if role is None or role not in RIGHTSHOLDER_ROLES:
        raise ValidationError(
            f"holder role {value!r} is not one of {', '.join(sorted(_HOLDER_ROLE))}",
            field="holders.role",
            value=value,
            expected=", ".join(sorted(_HOLDER_ROLE)),
        )
    return role


class PartyResolver:
    """Resolves :class:`PartyRef` to party ids: by ``party:ID``, identifier, then name.

    Parties not found are created (kept pending until :meth:`flush`). Lookups are batched by
    :meth:`preload` so a 100,000-record file costs a few queries, not one per name.
    """

    def __init__(self, uow: SqlUnitOfWork, ids: Callable[[str], str], now: datetime) -> None:
        self.uow = uow
        self.ids = ids
        self.now = now
        self.by_ident: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.known_ids: set[str] = set()
        self.pending: dict[str, Party] = {}
        self.new_roles: dict[str, set[PartyRole]] = {}
        self._pending_idents: list[tuple[str, str]] = []

    def preload(self, drafts: Sequence[WorkDraft]) -> None:
        refs = [r for d in drafts for r, _ in d.contributors]
        refs += [h[0] for d in drafts for h in d.holders]
        ids = [r.party_id for r in refs if r.party_id]
        self.known_ids |= set(self.uow.parties.get_many(ids))
        idents = [i for r in refs for i in r.identifiers]
        self.by_ident.update(self.uow.parties.ids_for_identifiers(idents))
        names = [r.name for r in refs if r.name and not r.party_id]
        for key, pids in self.uow.parties.ids_for_names(names).items():
            self.by_name[key] = list(pids)

    def known(self, ref: PartyRef) -> str | None:
        """The registered party ``ref`` names, as :meth:`resolve` finds it, without creating
        one or adding a role (``None``: it would be new, or the name is ambiguous)."""
        if ref.party_id:
            return ref.party_id if ref.party_id in self.known_ids else None
        for ident in ref.identifiers:
            if ident in self.by_ident:
                return self.by_ident[ident]
        found = self.by_name.get(name_key(ref.name), []) if ref.name and ref.name.strip() else []
        return found[0] if len(found) == 1 else None

    def registrant(self, draft: WorkDraft) -> set[str]:
        """The registered parties a record names (holders and contributors): the registrant
        whose relation to an existing work decides between an update and a dispute."""
        refs = [r for r, _ in draft.contributors] + [h[0] for h in draft.holders]
        return {p for p in map(self.known, refs) if p is not None}

    def resolve(self, ref: PartyRef, role: PartyRole, kind: PartyKind) -> str:
        if ref.party_id:
            if ref.party_id not in self.known_ids and ref.party_id not in self.pending:
                raise ValidationError(
                    f"party:{ref.party_id} does not exist",
                    field="party",
                    value=f"party:{ref.party_id}",
                    expected="the id of a registered party",
                )
            self._add_role(ref.party_id, role)
            return ref.party_id
        for ident in ref.identifiers:
            pid = self.by_ident.get(ident)
            if pid is not None:
                self._add_role(pid, role)
                return pid
        if not ref.name or not ref.name.strip():
            raise ValidationError(
                "party has neither a name nor an id",
                field="party",
                value=ref.label(),
                expected="a name or party:ID",
            )
        key = name_key(ref.name)
        candidates = self.by_name.get(key, [])
        if len(candidates) > 1:
            raise ValidationError(
                f"party name {ref.name!r} matches {len(candidates)} parties "
                f"({', '.join(candidates[:5])}); name one as party:ID",
                field="party",
                value=ref.name,
                expected="an unambiguous name or party:ID",
            )
        if candidates:
            pid = candidates[0]
            for ident in ref.identifiers:
                if ident not in self.by_ident:
                    self.by_ident[ident] = pid
                    self._pending_idents.append((ident, pid))
            self._add_role(pid, role)
            return pid
        pid = self.ids("p")
        party = Party(
            pid, ref.name.strip(), kind, frozenset({role}), tuple(sorted(ref.identifiers))
        )
        self.pending[pid] = party
        self.by_name[key] = [pid]
        for ident in ref.identifiers:
            self.by_ident[ident] = pid
        return pid

    def _add_role(self, pid: str, role: PartyRole) -> None:
        if pid in self.pending:
            p = self.pending[pid]
            if role not in p.roles:
                self.pending[pid] = Party(
                    p.id, p.name, p.kind, p.roles | {role}, p.identifiers, p.contacts
                )
            return
        self.new_roles.setdefault(pid, set()).add(role)

    def flush(self, actor: str) -> list[Event]:
        """Write pending parties and role additions; returns their ledger events."""
        new_events: list[Event] = []
        for party in self.pending.values():
            self.uow.parties.add(party, created_at=self.now)
            new_events.append(events.party_created(party))
        for pid, roles in sorted(self.new_roles.items()):
            self.uow.parties.add_roles(pid, roles)
        self.uow.parties.add_identifiers(
            [(i, p) for i, p in self._pending_idents if p not in self.pending]
        )
        self.pending = {}
        self.new_roles = {}
        self._pending_idents = []
        return new_events


def build_work(draft: WorkDraft, work_id: str, resolver: PartyResolver) -> Work:
    identifiers = tuple(
        sorted({str(parse_identifier(i, field="identifiers")) for i in draft.identifiers})
    )
    contributors = []
    for ref, role in draft.contributors:
        is_publisher = role is ContributorRole.PUBLISHER
        party_role = PartyRole.PUBLISHER if is_publisher else PartyRole.CREATOR
        kind = PartyKind.ORGANISATION if role is ContributorRole.PUBLISHER else PartyKind.PERSON
        contributors.append(Contributor(resolver.resolve(ref, party_role, kind), role))
    holders = []
    for ref, role_text, share, right in draft.holders:
        hrole = holder_role(role_text)
        hkind = PartyKind.PERSON if hrole is PartyRole.CREATOR else PartyKind.ORGANISATION
        holders.append(Holding(resolver.resolve(ref, hrole, hkind), hrole.value, share, right))
    return Work(
        id=work_id,
        kind=draft.kind,
        title=draft.title.strip(),
        identifiers=identifiers,
        contributors=tuple(contributors),
        holders=tuple(holders),
        external_id=draft.external_id,
    )


def draft_terms(draft: WorkDraft) -> dict[Purpose, Status] | None:
    if draft.terms is None:
        return None
    return {Purpose.parse(p): Status.parse(s) for p, s in draft.terms}


@dataclass(slots=True)
class _Plan:
    """What an import will write, gathered while its records are checked."""

    report: ImportReport
    new_works: list[Work] = field(default_factory=list)
    new_decls: list[Declaration] = field(default_factory=list)
    work_events: list[Event] = field(default_factory=list)
    term_updates: list[tuple[Work, dict[Purpose, Status]]] = field(default_factory=list)
    claims: list[tuple[str, list[Claim]]] = field(default_factory=list)  # new work, its claims
    seen_idents: dict[str, int] = field(default_factory=dict)
    seen_external: dict[str, int] = field(default_factory=dict)


def import_records(
    uow: SqlUnitOfWork,
    records: Sequence[ParsedRecord],
    *,
    ids: Callable[[str], str],
    now: datetime,
    actor: str,
    sha256: str,
    filename: str,
    fmt: str,
    skip_invalid: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and write every record in the caller's transaction (the caller commits).

    The steps: a file seen before is a no-op; the parties and works the records name are
    read in bulk; each record is checked and planned (a new work, changed terms, or
    nothing); any invalid record rejects the file (unless ``skip_invalid``); terms of
    existing works are compared with those in force; then everything is written, with one
    ledger event per change and the import's own event last.
    """
    report = ImportReport(records=len(records))
    if uow.imports.seen(sha256):
        report.already_imported = True
        report.unchanged = len(records)
        return report
    drafts = [r.draft for r in records if r.draft is not None]
    resolver = PartyResolver(uow, ids, now)
    resolver.preload(drafts)
    known = _KnownWorks.read(uow, drafts, resolver, now)
    plan = _Plan(report)
    for n, rec in enumerate(records):
        if progress is not None and n % 1000 == 0:
            progress(n)
        _plan_record(uow, rec, plan, known, resolver, ids, now)
    if report.rejected and not skip_invalid:
        raise ImportRejected(
            f"{filename}: {len(report.rejected)} of {len(records)} records are invalid; "
            "nothing was imported",
            rejects=report.rejected,
        )
    _plan_term_updates(uow, plan, ids, now)
    _write(
        uow, plan, resolver, ids, actor=actor, now=now, sha256=sha256, filename=filename, fmt=fmt
    )
    return report


@dataclass(frozen=True, slots=True)
class _KnownWorks:
    """Works already registered under the external ids and identifiers of the records, how
    their registrants relate to the records', and the identifiers' open disputes."""

    by_external: dict[str, str]
    by_ident: dict[str, list[str]]
    relations: Relations
    disputes: dict[str, Dispute]
    registrants: dict[int, set[str]]  # by id() of the draft, read before any party is added

    @classmethod
    def read(
        cls, uow: SqlUnitOfWork, drafts: Sequence[WorkDraft], resolver: PartyResolver, now: datetime
    ) -> _KnownWorks:
        by_external = uow.works.ids_for_external([d.external_id for d in drafts if d.external_id])
        by_ident = uow.works.ids_for_identifiers([i for d in drafts for i in _safe_idents(d)])
        # the records found by external id are those works; the others' registrants are
        # compared with the works that hold their identifiers (URLs included)
        asking = [d for d in drafts if (d.external_id or "") not in by_external]
        held = {w for d in asking for i in _safe_idents(d) for w in by_ident.get(i, [])}
        registrants = {id(d): resolver.registrant(d) for d in asking} if held else {}
        everyone = set().union(*registrants.values())
        relations = Relations.read(uow, everyone, held, now) if held else Relations({}, [], now)
        disputes = uow.disputes.open_for_identifiers(list(by_ident)) if by_ident else {}
        return cls(by_external, by_ident, relations, disputes, registrants)

    def existing(self, draft: WorkDraft, idents: Sequence[str]) -> tuple[str | None, list[Claim]]:
        """The registered work this record describes (same external id, or an identifier
        held by a work its registrant is related to), else the identifiers it claims from
        works of unrelated registrants (each a dispute once the record's work is stored)."""
        found = self.by_external.get(draft.external_id or "")
        if found is not None:
            return found, []
        # non-URL identifiers first: the work an ISBN names before the one a URL names
        ordered = sorted(idents, key=lambda i: i.startswith("url:"))
        if not draft.contributors and not draft.holders:
            # A record naming no party (an ONIX product without contributors or publisher)
            # is no registrant to dispute with: it describes the work holding its
            # identifier, as before (else each re-import without a RecordReference would
            # add a work to the dispute)
            return next((self.by_ident[i][0] for i in ordered if self.by_ident.get(i)), None), []
        mine = self.registrants.get(id(draft), set())
        for i in ordered:
            for w in self.by_ident.get(i, []):
                if self.relations.why(mine, w) is not None:
                    return w, []
        return None, [
            (i, self.disputes.get(i), list(self.by_ident[i]))
            for i in sorted(idents)
            if self.by_ident.get(i)
        ]


def _plan_record(
    uow: SqlUnitOfWork,
    rec: ParsedRecord,
    plan: _Plan,
    known: _KnownWorks,
    resolver: PartyResolver,
    ids: Callable[[str], str],
    now: datetime,
) -> None:
    """Check one record and add what it changes to ``plan`` (or its reason to the rejects)."""
    report = plan.report
    if rec.draft is None:
        reason = rec.error or "unreadable record"
        report.rejected.append((rec.number, f"{rec.key}: {reason}" if rec.key else reason))
        return
    draft = rec.draft
    try:
        terms = draft_terms(draft)
        idents = _safe_idents(draft, strict=True)
        existing, claims = known.existing(draft, idents)
        _check_once_per_file(draft, idents, plan)
        if existing is not None:
            if terms is not None:
                plan.term_updates.append((uow.works.get(existing), terms))
            else:
                report.unchanged += 1
        else:
            work = build_work(draft, ids("w"), resolver)
            plan.new_works.append(work)
            plan.work_events.append(events.work_imported(work, terms, draft.source))
            if terms is not None:
                plan.new_decls.extend(_declarations(work, terms, ids, now, seq=None))
            if claims:
                plan.claims.append((work.id, claims))
            report.created += 1
        for i in idents:
            plan.seen_idents.setdefault(i, rec.number)
        if draft.external_id:
            plan.seen_external[draft.external_id] = rec.number
    except ConsentryError as exc:
        report.rejected.append((rec.number, f"{rec.key or ''}: {exc}".lstrip(": ")))


def _check_once_per_file(draft: WorkDraft, idents: Sequence[str], plan: _Plan) -> None:
    """Each identifier (URLs too: two works holding one would be a dispute without a
    registrant to resolve it against), and each external id, in one record of the file."""
    for i in idents:
        if i in plan.seen_idents:
            raise ValidationError(
                f"identifier {i} is also in record {plan.seen_idents[i]}",
                field="identifiers",
                value=i,
                expected="each identifier in one record only",
            )
    if draft.external_id and draft.external_id in plan.seen_external:
        raise ValidationError(
            f"work id {draft.external_id!r} is also in record "
            f"{plan.seen_external[draft.external_id]}",
            field="work_id",
            value=draft.external_id,
            expected="each work id once per file",
        )


def _plan_term_updates(
    uow: SqlUnitOfWork, plan: _Plan, ids: Callable[[str], str], now: datetime
) -> None:
    """Existing works: only terms that differ from those in force become new declarations."""
    if not plan.term_updates:
        return
    current = uow.declarations.for_works([w for w, _ in plan.term_updates])
    for work, terms in plan.term_updates:
        # Compare each holder's own declarations in force for this work, not the combined
        # answer: that one also waits on contributors' consent, so comparing with it would
        # re-declare the same terms at every import of a new file with the same records.
        if all(
            _declared(current[work.id], party_id, work.id, p, now) is s
            for party_id in {h.party_id for h in work.holders}
            for p, s in terms.items()
        ):
            plan.report.unchanged += 1
            continue
        plan.work_events.append(events.terms_imported(work.id, terms))
        plan.new_decls.extend(_declarations(work, terms, ids, now, seq=None))
        plan.report.updated += 1


def _write(
    uow: SqlUnitOfWork,
    plan: _Plan,
    resolver: PartyResolver,
    ids: Callable[[str], str],
    *,
    actor: str,
    now: datetime,
    sha256: str,
    filename: str,
    fmt: str,
) -> None:
    """Parties, works, disputes, the ledger events, declarations (with their entry) and the
    import."""
    report = plan.report
    party_events = resolver.flush(actor)
    report.parties_created = len(party_events)
    uow.works.add_many(plan.new_works, created_at=now)
    dispute_events = []
    for work_id, claims in plan.claims:
        for event, dispute in open_or_join(
            uow, claims, work_id, new_id=lambda: ids("dsp"), by=actor, now=now
        ):
            dispute_events.append(event)
            action = "opened" if event[0] == "dispute.opened" else "joined"
            report.disputes.append((dispute.id, dispute.identifier, dispute.work_ids, action))
    completed = events.import_completed(
        filename=filename,
        sha256=sha256,
        fmt=fmt,
        records=report.records,
        created=report.created,
        updated=report.updated,
        rejected=len(report.rejected),
    )
    entries = uow.ledger.append_many(
        [*party_events, *plan.work_events, *dispute_events, completed], actor=actor, at=now
    )
    seq_of_work = {
        str(e.payload.get("work_id")): e.seq
        for e in entries
        if e.kind in ("work.imported", "terms.imported")
    }
    uow.declarations.add_many(
        [replace(d, ledger_seq=seq_of_work.get(d.work_id or "")) for d in plan.new_decls]
    )
    uow.imports.record(
        sha256=sha256,
        filename=filename,
        format=fmt,
        records=report.records,
        created=report.created,
        rejected=len(report.rejected),
        imported_at=now,
    )


def _declared(
    declarations: Sequence[Declaration], party_id: str, work_id: str, purpose: Purpose, at: datetime
) -> Status | None:
    """The status ``party_id`` itself declared for this work and purpose, in force at ``at``,
    for WORLD (the territory imported terms hold for: declarations for one territory are
    neither replaced nor repeated by an import)."""
    d = effective_declaration(
        [x for x in declarations if x.territory == WORLD],
        party_id=party_id,
        purpose=purpose,
        work_id=work_id,
        at=at,
    )
    return d.status if d is not None and d.work_id == work_id else None


def _declarations(
    work: Work,
    terms: dict[Purpose, Status],
    ids: Callable[[str], str],
    now: datetime,
    seq: int | None,
) -> list[Declaration]:
    return [
        Declaration(
            id=ids("d"),
            party_id=h.party_id,
            purpose=p,
            status=s,
            effective_from=now,
            recorded_at=now,
            work_id=work.id,
            ledger_seq=seq,
        )
        for h in dict((h.party_id, h) for h in work.holders).values()
        for p, s in sorted(terms.items())
    ]


def _safe_idents(draft: WorkDraft, *, strict: bool = False) -> list[str]:
    out = []
    for i in draft.identifiers:
        try:
            out.append(str(parse_identifier(i, field="identifiers")))
        except ConsentryError:
            if strict:
                raise
    return out
