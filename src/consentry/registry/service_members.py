"""Members and developers in bulk: a file of mandates for an organisation, the AI-developer
directory (a file of developers, the shipped seed), and their listings.

The imports follow the rules of ``consentry import csv`` (:mod:`consentry.registry.importing`):
the whole file in one write transaction, any invalid record rejects it with record-numbered
reasons (unless ``skip_invalid``), the same file again (same SHA-256) is a no-op, and a
record that describes what is already registered changes nothing. Mandates are granted by
:func:`~consentry.registry.service_mandates.grant_mandates`, as through the API, with one
``mandate.created`` ledger event each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from consentry.errors import ConsentryError, ImportRejected, PermissionDenied, ValidationError
from consentry.registry import events
from consentry.registry.access import Actor, Role
from consentry.registry.developers import (
    Developer,
    DeveloperDraft,
    DeveloperRecord,
    additions,
    check_token_owners,
)
from consentry.registry.events import Event
from consentry.registry.importing import ImportReport
from consentry.registry.mandates import Mandate, MandateDraft, MandateRecord
from consentry.registry.parties import ContactPoint, Party, PartyKind, PartyRole, name_key
from consentry.registry.service_mandates import grant_mandates

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

Ids = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Which file an import reads, as its ``import.completed`` event and the imports table
    record it."""

    filename: str
    sha256: str
    fmt: str  # mandates-csv, developers-csv, developers-seed


@dataclass(slots=True)
class _Writes:
    parties: list[Party] = field(default_factory=list)
    contacts: list[tuple[str, ContactPoint]] = field(default_factory=list)
    roles: dict[str, set[PartyRole]] = field(default_factory=dict)
    tokens: list[tuple[str, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _finish(
    uow: SqlUnitOfWork,
    report: ImportReport,
    writes: _Writes,
    source: ImportSource,
    *,
    skip_invalid: bool,
    actor: str,
    now: datetime,
) -> None:
    if report.rejected and not skip_invalid:
        raise ImportRejected(
            f"{source.filename}: {len(report.rejected)} of {report.records} records are "
            "invalid; nothing was imported",
            rejects=report.rejected,
        )
    for party in writes.parties:
        uow.parties.add(party, created_at=now)
    for pid, roles in writes.roles.items():
        uow.parties.add_roles(pid, roles)
    uow.members.add_contacts(writes.contacts)
    uow.members.add_tokens(writes.tokens)
    completed = events.import_completed(
        filename=source.filename,
        sha256=source.sha256,
        fmt=source.fmt,
        records=report.records,
        created=report.created,
        updated=report.updated,
        rejected=len(report.rejected),
    )
    uow.ledger.append_many([*writes.events, completed], actor=actor, at=now)
    uow.imports.record(
        sha256=source.sha256,
        filename=source.filename,
        format=source.fmt,
        records=report.records,
        created=report.created,
        rejected=len(report.rejected),
        imported_at=now,
    )


# --------------------------------------------------------------------- mandates
class _Members:
    """Finds each row's member as the works import finds parties; new ones kept pending."""

    def __init__(self, uow: SqlUnitOfWork, drafts: Sequence[MandateDraft], ids: Ids) -> None:
        self.ids = ids
        self.known = uow.parties.get_many(
            [d.member_id for d in drafts if d.member_id]
            + [p for ps in self._names(uow, drafts).values() for p in ps]
        )
        self.new: dict[str, Party] = {}  # name key -> pending party

    def _names(self, uow: SqlUnitOfWork, drafts: Sequence[MandateDraft]) -> dict[str, list[str]]:
        self.by_name = uow.parties.ids_for_names([d.member_name for d in drafts if d.member_name])
        return self.by_name

    def find(self, draft: MandateDraft) -> Party:
        if draft.member_id is not None:
            if draft.member_id not in self.known:
                raise ValidationError(
                    f"member: party:{draft.member_id} does not exist",
                    field="member",
                    value=f"party:{draft.member_id}",
                    expected="the id of a registered party",
                )
            return self.known[draft.member_id]
        assert draft.member_name is not None
        key = name_key(draft.member_name)
        found = self.by_name.get(key, [])
        if len(found) > 1:
            raise ValidationError(
                f"member: name {draft.member_name!r} matches {len(found)} parties "
                f"({', '.join(found[:5])}); name one as party:ID",
                field="member",
                value=draft.member_name,
                expected="an unambiguous name or party:ID",
            )
        if found:
            return self.known[found[0]]
        if key not in self.new:
            pid = self.ids("p")
            self.new[key] = Party(
                pid, draft.member_name, PartyKind.PERSON, frozenset({PartyRole.CREATOR})
            )
        return self.new[key]


def import_mandates(
    uow: SqlUnitOfWork,
    records: Sequence[MandateRecord],
    *,
    organisation_id: str,
    source: ImportSource,
    ids: Ids,
    now: datetime,
    actor: str,
    skip_invalid: bool,
) -> ImportReport:
    """Grant the mandates of a file to ``organisation_id`` in the caller's transaction."""
    report = ImportReport(records=len(records))
    if uow.imports.seen(source.sha256):
        report.already_imported = True
        report.unchanged = len(records)
        return report
    uow.parties.get(organisation_id)  # NotFound names it before any record is read
    members = _Members(uow, [r.draft for r in records if r.draft], ids)
    held: dict[str, list[Mandate]] = {}
    for m in uow.members.mandates(organisation_id):
        held.setdefault(m.member_id, []).append(m)
    writes, granted = _Writes(), []
    seen: dict[tuple[object, ...], int] = {}
    emails: set[tuple[str, str]] = set()
    for rec in records:
        if rec.draft is None:
            report.rejected.append((rec.number, _label(rec.key, rec.error or "unreadable")))
            continue
        try:
            mandate = _plan_mandate(rec, members, held, seen, organisation_id, ids, now)
        except ConsentryError as exc:
            report.rejected.append((rec.number, _label(rec.key, str(exc))))
            continue
        member = members.find(rec.draft)
        if (
            rec.draft.email
            and ("email", rec.draft.email) not in {(c.kind, c.value) for c in member.contacts}
            and (member.id, rec.draft.email) not in emails
        ):
            emails.add((member.id, rec.draft.email))
            writes.contacts.append((member.id, ContactPoint("email", rec.draft.email)))
        if mandate is None:
            report.unchanged += 1
        else:
            granted.append(mandate)
            report.created += 1
    used = {m.member_id for m in granted} | {p for p, _ in writes.contacts}
    writes.parties = [p for p in members.new.values() if p.id in used]
    report.parties_created = len(writes.parties)
    writes.events = [events.party_created(p) for p in writes.parties]
    if not (report.rejected and not skip_invalid):
        for party in writes.parties:  # the members' rows first: mandates refer to them
            uow.parties.add(party, created_at=now)
        writes.events += grant_mandates(uow, organisation_id, granted, created_at=now)
        writes.parties = []
    _finish(uow, report, writes, source, skip_invalid=skip_invalid, actor=actor, now=now)
    return report


def _plan_mandate(
    rec: MandateRecord,
    members: _Members,
    held: dict[str, list[Mandate]],
    seen: dict[tuple[object, ...], int],
    organisation_id: str,
    ids: Ids,
    now: datetime,
) -> Mandate | None:
    """The mandate a row grants, ``None`` when the organisation already holds it."""
    draft = rec.draft
    assert draft is not None
    member = members.find(draft)
    if member.id == organisation_id:
        raise ValidationError(
            f"member: {member.id} is the organisation itself, expected one of its members",
            field="member",
            value=member.id,
            expected="a member other than the organisation",
        )
    scope = (member.id, draft.purposes, draft.territories, draft.valid_from, draft.valid_until)
    if (*scope, draft.evidence) in seen:
        raise ValidationError(
            f"the same mandate is also in record {seen[(*scope, draft.evidence)]}",
            field="member",
            value=rec.key,
            expected="each mandate once per file",
        )
    seen[(*scope, draft.evidence)] = rec.number
    if any(m.withdrawn_at is None and draft.same_scope(m) for m in held.get(member.id, [])):
        return None
    return Mandate(
        id=ids("m"),
        organisation_id=organisation_id,
        member_id=member.id,
        purposes=draft.purposes,
        territories=draft.territories,
        valid_from=draft.valid_from or now,
        valid_until=draft.valid_until,
        evidence=draft.evidence,
    )


def _label(key: str | None, reason: str) -> str:
    return f"{key}: {reason}" if key else reason


# --------------------------------------------------------------------- developers
def import_developers(
    uow: SqlUnitOfWork,
    records: Sequence[DeveloperRecord],
    *,
    source: ImportSource,
    ids: Ids,
    now: datetime,
    actor: str,
    skip_invalid: bool,
) -> ImportReport:
    """List developers (created, or found by name and completed) in the caller's
    transaction: contacts and tokens are added, never removed or replaced."""
    report = ImportReport(records=len(records))
    if uow.imports.seen(source.sha256):
        report.already_imported = True
        report.unchanged = len(records)
        return report
    drafts = [r.draft for r in records if r.draft]
    by_name = uow.parties.ids_for_names([d.name for d in drafts])
    parties = uow.parties.get_many([p for ps in by_name.values() for p in ps])
    listed = {d.party.id: d for d in uow.members.developers(list(parties))}
    owners_of = uow.members.token_owners()
    names = uow.members.member_names(list(set(owners_of.values())))
    owners = {t: (name_key(names[p]), f"{names[p]} ({p})") for t, p in owners_of.items()}
    valid = [r for r in records if r.draft]
    token_errors = check_token_owners(
        [(r.number, name_key(r.draft.name), r.draft.tokens) for r in valid if r.draft], owners
    )
    writes = _Writes()
    seen: dict[str, int] = {}
    for rec in records:
        try:
            if rec.draft is None:
                raise ValidationError(rec.error or "unreadable record", field="record")
            if rec.number in token_errors:
                raise ValidationError(token_errors[rec.number], field="tokens")
            _plan_developer(rec, rec.draft, by_name, parties, listed, seen, writes, report, ids)
        except ConsentryError as exc:
            report.rejected.append((rec.number, _label(rec.key, str(exc))))
    _finish(uow, report, writes, source, skip_invalid=skip_invalid, actor=actor, now=now)
    return report


def _plan_developer(
    rec: DeveloperRecord,
    draft: DeveloperDraft,
    by_name: dict[str, list[str]],
    parties: dict[str, Party],
    listed: dict[str, Developer],
    seen: dict[str, int],
    writes: _Writes,
    report: ImportReport,
    ids: Ids,
) -> None:
    key = name_key(draft.name)
    if key in seen:
        raise ValidationError(
            f"name: developer {draft.name!r} is also in record {seen[key]}",
            field="name",
            value=draft.name,
            expected="each developer once per file",
        )
    seen[key] = rec.number
    found = by_name.get(key, [])
    if len(found) > 1:  # several parties share the name: the one developer among them
        found = [p for p in found if PartyRole.AI_DEVELOPER in parties[p].roles]
    if len(found) > 1:
        raise ValidationError(
            f"name: {draft.name!r} matches {len(found)} developers ({', '.join(found[:5])}); "
            "give them distinct names",
            field="name",
            value=draft.name,
            expected="an unambiguous developer name",
        )
    if not found:
        party = Party(
            ids("p"),
            draft.name,
            PartyKind.ORGANISATION,
            frozenset({PartyRole.AI_DEVELOPER}),
            contacts=tuple(dict.fromkeys(draft.contacts)),
        )
        writes.parties.append(party)
        writes.tokens += [(party.id, t) for t in draft.tokens]
        writes.events.append(events.party_created(party))
        contacts = [(c.kind, c.value) for c in party.contacts]
        writes.events.append(events.developer_listed(party.id, contacts, draft.tokens))
        report.created += 1
        report.parties_created += 1
        return
    pid = found[0]
    new_contacts, new_tokens = additions(draft, listed.get(pid) or Developer(parties[pid]))
    new_role = PartyRole.AI_DEVELOPER not in parties[pid].roles
    if not (new_contacts or new_tokens or new_role):
        report.unchanged += 1
        return
    if new_role:
        writes.roles[pid] = {PartyRole.AI_DEVELOPER}
    writes.contacts += [(pid, c) for c in new_contacts]
    writes.tokens += [(pid, t) for t in new_tokens]
    pairs = [(c.kind, c.value) for c in new_contacts]
    writes.events.append(events.developer_listed(pid, pairs, new_tokens))
    report.updated += 1


# --------------------------------------------------------------------- listings
class MemberCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    ids: Ids

    def list_developers(self, actor: Actor) -> list[Developer]:
        """The directory: every key may read it (a developer's contact points for copyright
        notices and opt-outs are published by the developer)."""
        with self._uow(False) as uow:
            return uow.members.developers()

    def get_developer(self, actor: Actor, party_id: str) -> Developer:
        with self._uow(False) as uow:
            uow.parties.get(party_id)  # NotFound names an unknown party
            found = uow.members.developers([party_id])
        if not found:
            raise ValidationError(
                f"party {party_id} is not an AI developer",
                field="party_id",
                value=party_id,
                expected="a party with role ai-developer",
            )
        return found[0]

    def import_mandates_file(
        self,
        actor: Actor,
        records: Sequence[MandateRecord],
        *,
        organisation_id: str,
        source: ImportSource,
    ) -> ImportReport:
        """A mandates file (``membercsv.parse_mandates_csv``) granted to ``organisation_id``
        in one transaction, whole or not at all (:class:`ImportRejected` lists every bad
        record), as ``consentry mandates import``; the same file again changes nothing.

        Decision: an organisation may import the file of its own members' signed
        authorisations (each row names its evidence; each mandate is a ledger event under
        the organisation's label), as the registry's operator does with the command line;
        the single-mandate API route stays the member's own act.
        """
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION and actor.own_party() != organisation_id:
            raise PermissionDenied(
                f"organisation {actor.party_id} may import mandates only for itself, not for "
                f"{organisation_id}",
                organisation=organisation_id,
            )
        with self._uow(True) as uow:
            report = import_mandates(
                uow,
                records,
                organisation_id=organisation_id,
                source=source,
                ids=self.ids,
                now=uow.ledger.locked_now(self.clock),
                actor=actor.label,
                skip_invalid=False,
            )
            uow.commit()
        return report

    def mandates_with_names(
        self, actor: Actor, organisation_id: str | None = None
    ) -> list[tuple[Mandate, str]]:
        """Mandates (an organisation's, or all) with each member's name, by member name
        then start: admins see all, an organisation key only its own."""
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION:
            if organisation_id not in (None, actor.party_id):
                raise PermissionDenied(
                    f"the mandates of {organisation_id} are not yours to list",
                    organisation=organisation_id,
                )
            organisation_id = actor.party_id
        with self._uow(False) as uow:
            if organisation_id is not None:
                uow.parties.get(organisation_id)
            mandates = uow.members.mandates(organisation_id)
            names = uow.members.member_names([m.member_id for m in mandates])
        listed = [(m, names.get(m.member_id, "")) for m in mandates]
        return sorted(listed, key=lambda mn: (name_key(mn[1]), mn[0].valid_from, mn[0].id))
