"""A party's own catalogue (what the creator's web pages read) and the whole-or-nothing
import of a creator's list of works, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from consentry.bootstrap import Registry
from consentry.errors import ImportRejected, NotFound, PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.csvfile import parse_csv
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

HEADER = "work_id,kind,title,identifiers,contributors,holders,terms\n"


def _creator(reg: Registry, name: str) -> Actor:
    party = reg.service.create_party(
        SYSTEM, name=name, kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    )
    return Actor(Role.CREATOR, party.id)


def _add(reg: Registry, actor: Actor, title: str, isbn: str) -> str:
    me = PartyRef(party_id=actor.party_id)
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=(isbn,),
        contributors=((me, ContributorRole.AUTHOR),),
        holders=((me, "creator", Decimal(100), "all"),),
    )
    return reg.service.create_work(actor, draft).id


def test_catalogue_shows_own_works_and_what_was_declared(registry: Registry) -> None:
    svc = registry.service
    jane, other = _creator(registry, "Jane"), _creator(registry, "Other")
    mine = _add(registry, jane, "Mine", "isbn:9780141439518")
    theirs = _add(registry, other, "Theirs", "isbn:9780007232833")
    assert [e.work.id for e in svc.catalogue(jane)] == [mine]
    assert svc.catalogue_count(jane) == 1
    entry = svc.catalogue_work(jane, mine)
    assert entry.may_declare
    assert set(entry.declared.values()) == {None}  # nothing declared yet
    assert entry.terms.status(Purpose.AI_TRAIN) is Status.RESERVED  # the default
    svc.declare_terms(
        jane, party_id=jane.own_party(), work_id=mine, statuses={Purpose.SEARCH: Status.ALLOWED}
    )
    entry = svc.catalogue_work(jane, mine)
    assert entry.declared[Purpose.SEARCH] is Status.ALLOWED
    assert entry.declared[Purpose.TDM] is None
    assert entry.terms.status(Purpose.SEARCH) is Status.ALLOWED
    with pytest.raises(NotFound):
        svc.catalogue_work(jane, theirs)  # another creator's work is not told apart
    with pytest.raises(NotFound):
        svc.catalogue_work(jane, "w-nope")
    with pytest.raises(PermissionDenied):
        svc.catalogue(SYSTEM)  # an admin key has no party, so no catalogue


def test_declaration_records_group_by_ledger_entry(registry: Registry) -> None:
    svc = registry.service
    jane = _creator(registry, "Jane")
    work = _add(registry, jane, "Mine", "isbn:9780141439518")
    every = dict.fromkeys(Purpose, Status.RESERVED)
    first = svc.declare_terms(jane, party_id=jane.own_party(), work_id=work, statuses=every)
    second = svc.declare_terms(
        jane, party_id=jane.own_party(), statuses={Purpose.SEARCH: Status.ALLOWED}
    )
    records = svc.declaration_records(jane)
    assert [r.ledger_seq for r in records] == [second.ledger_seq, first.ledger_seq]
    assert records[0].work_id is None and records[0].statuses == ((Purpose.SEARCH, Status.ALLOWED),)
    assert records[1].work_title == "Mine" and len(records[1].statuses) == len(Purpose)
    assert all(r.has_receipt for r in records)
    assert svc.declaration_records(_creator(registry, "Other")) == []


def test_import_registers_the_whole_list_or_nothing(registry: Registry) -> None:
    svc = registry.service
    jane, other = _creator(registry, "Jane"), _creator(registry, "Other")
    me, them = f"party:{jane.party_id}", f"party:{other.party_id}"
    bad = (
        HEADER
        + f"a1,book,One,isbn:9780141439518,,{me}|creator|100,\n"
        + f"a2,book,Not mine,isbn:9780007232833,,{them}|creator|100,\n"
        + f"a3,book,Twice,isbn:9780141439518,,{me}|creator|100,\n"
        + f"a4,book,Bad ISBN,isbn:9780141439519,,{me}|creator|100,\n"
    )
    with pytest.raises(ImportRejected) as caught:
        svc.import_works(jane, parse_csv(bad))
    assert [n for n, _ in caught.value.rejects] == [2, 3, 4]
    assert "also in record 1" in caught.value.rejects[1][1]
    assert svc.catalogue_count(jane) == 0  # nothing was imported
    good = HEADER + f"a1,book,One,isbn:9780141439518,,{me}|creator|100,\n"
    works = svc.import_works(jane, parse_csv(good))
    assert [w.title for w in works] == ["One"]
    assert svc.catalogue_count(jane) == 1
    with pytest.raises(ImportRejected) as again:
        svc.import_works(jane, parse_csv(good))  # the same work id again
    assert "already registered" in again.value.rejects[0][1]
