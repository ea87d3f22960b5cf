"""Bulk import applies the registration rule for identifiers (issue 8, "Who may do what"): a
record whose identifier a work of an unrelated registrant holds is stored as a work of its
own and the identifier becomes a dispute an admin can resolve; a related registrant's
record still describes the existing work. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from tests.conftest import FakeClock

from consentry.bootstrap import Registry
from consentry.errors import ImportRejected
from consentry.registry.access import SYSTEM
from consentry.registry.csvfile import REQUIRED_COLUMNS, parse_csv
from consentry.registry.importing import ImportReport, ParsedRecord, import_records
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES
from consentry.registry.works import WorkDraft, WorkKind

HEADER = ",".join(REQUIRED_COLUMNS)
ISBN = "isbn:9780000000002"
URL = "url:https://example.org/books/emma"
# Jane Austen and Example Press register Emma, all but search reserved
FIRST = (
    f"{HEADER}\nW1,book,Emma,{ISBN};{URL},Jane Austen|author,"
    "Jane Austen|creator|50;Example Press|publisher|50,search=allowed\n"
)


def _import(
    registry: Registry, text: str, records: list[ParsedRecord] | None = None
) -> ImportReport:
    records = parse_csv(text, filename="feed.csv") if records is None else records
    with registry.uow(write=True) as uow:
        report = import_records(
            uow,
            records,
            ids=registry.service.ids,
            now=uow.ledger.locked_now(registry.service.clock),
            actor=SYSTEM.label,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            filename="feed.csv",
            fmt="csv",
            skip_invalid=False,
        )
        uow.commit()
    return report


def _feed(work_id: str, identifiers: str, party: str, terms: str = "") -> str:
    """A file from ``party``, who names itself author and sole holder."""
    return (
        f"{HEADER}\n{work_id},book,Emma (another edition),{identifiers},{party}|author,"
        f"{party}|creator|100,{terms}\n"
    )


def _kinds(registry: Registry) -> list[str]:
    with registry.uow() as uow:
        return [e.kind for e in uow.ledger.entries() if not isinstance(e, str)]


def _emma(registry: Registry) -> str:
    (found,) = registry.service.lookup([ISBN])
    return found.works[0][0].id


def test_an_unrelated_record_claiming_a_registered_isbn_opens_a_dispute(
    registry: Registry, clock: FakeClock
) -> None:
    svc = registry.service
    _import(registry, FIRST)
    emma = _emma(registry)
    clock.advance(seconds=1)
    other = _feed("B1", ISBN, "Sam Other", "search=reserved")
    report = _import(registry, other)
    # Before: the record was taken for Emma and re-declared Emma's terms for Jane and the
    # press (updated 1). Now Sam's work is stored and the ISBN is disputed.
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    ((dispute_id, ident, work_ids, action),) = report.disputes
    assert (ident, action) == (ISBN, "opened")
    (found,) = svc.lookup([ISBN])
    assert found.dispute_id == dispute_id and found.disputed
    assert [w.id for w, _ in found.works] == list(work_ids)
    assert work_ids[0] == emma
    assert svc.work_terms(emma).as_dict()["search"] == "allowed"  # Emma's terms untouched
    assert found.to_json()["combined_terms"]["search"] == "reserved"
    assert _kinds(registry)[-2:] == ["dispute.opened", "import.completed"]
    assert report.to_json()["disputes"] == [
        {
            "dispute_id": dispute_id,
            "identifier": ISBN,
            "work_ids": list(work_ids),
            "action": "opened",
        }
    ]
    # The same records again, in another file: no new work, no second dispute.
    again = _import(registry, other + "\n")
    assert (again.created, again.updated, again.unchanged, again.disputes) == (0, 0, 1, [])
    assert _import(registry, other).already_imported
    assert [d.id for d in svc.list_disputes(offset=0, limit=10)] == [dispute_id]
    # An admin resolves it like any dispute: the ISBN goes back to Emma alone.
    svc.resolve_dispute(SYSTEM, dispute_id, winner_work_id=emma)
    (after,) = svc.lookup([ISBN])
    assert [w.id for w, _ in after.works] == [emma] and not after.disputed


def test_a_url_claimed_by_an_unrelated_record_is_a_dispute_an_admin_can_resolve(
    registry: Registry,
) -> None:
    svc = registry.service
    _import(registry, FIRST)
    emma = _emma(registry)
    report = _import(registry, _feed("B1", URL, "Sam Other"))
    # Before: a second holder of the URL without a dispute (dispute_id null, unresolvable).
    (found,) = svc.lookup([URL])
    assert found.dispute_id is not None
    ((dispute_id, ident, (first, second), action),) = report.disputes
    assert (dispute_id, ident, first, action) == (found.dispute_id, URL, emma, "opened")
    resolved = svc.resolve_dispute(SYSTEM, dispute_id, winner_work_id=second)
    assert resolved.winner_work_id == second
    (after,) = svc.lookup([URL])
    assert [w.id for w, _ in after.works] == [second]


def test_a_third_unrelated_record_joins_the_open_dispute(registry: Registry) -> None:
    _import(registry, FIRST)
    opened = _import(registry, _feed("B1", ISBN, "Sam Other"))
    joined = _import(registry, _feed("C1", ISBN, "Kim Third"))
    # Before: both records were taken for Emma (one work, no dispute).
    (found,) = registry.service.lookup([ISBN])
    assert len(found.works) == 3 and found.dispute_id is not None
    ((dispute_id, _, works, _),) = opened.disputes
    assert [(d, i, a) for d, i, _, a in joined.disputes] == [(dispute_id, ISBN, "joined")]
    assert len(joined.disputes[0][2]) == 3 and joined.disputes[0][2][:2] == works
    assert found.dispute_id == dispute_id
    assert _kinds(registry).count("dispute.joined") == 1


def test_a_related_record_still_updates_the_existing_work(registry: Registry) -> None:
    _import(registry, FIRST)
    emma = _emma(registry)
    # the press (a party of Emma) sends the ISBN under another work id, with new terms
    related = _feed("P-77", ISBN, "Example Press", "search=allowed;tdm=allowed")
    report = _import(registry, related)
    assert (report.created, report.updated, report.disputes) == (0, 1, [])
    (found,) = registry.service.lookup([ISBN])
    assert [w.id for w, _ in found.works] == [emma] and not found.disputed


def test_a_record_linked_by_a_mandate_is_related(registry: Registry, clock: FakeClock) -> None:
    svc = registry.service
    _import(registry, FIRST)
    emma = _emma(registry)
    jane = svc.get_work(emma).holders[0].party_id
    org = svc.create_party(
        SYSTEM,
        name="Authors Guild",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    svc.create_mandate(
        SYSTEM,
        organisation_id=org.id,
        member_id=jane,
        purposes=ALL_PURPOSES,
        territories=[],
        valid_from=clock() - timedelta(days=1),
        valid_until=None,
        evidence="signed form",
    )
    report = _import(registry, _feed("G1", ISBN, f"party:{org.id}", "search=reserved"))
    assert (report.created, report.updated, report.disputes) == (0, 1, [])


def test_disputes_are_all_or_nothing_with_the_file(registry: Registry) -> None:
    _import(registry, FIRST)
    bad = _feed("B1", ISBN, "Sam Other") + "B2,book,Bad,isbn:9780000000003,,,\n"
    with pytest.raises(ImportRejected):
        _import(registry, bad)
    (found,) = registry.service.lookup([ISBN])
    assert len(found.works) == 1 and not found.disputed
    assert registry.service.list_disputes(offset=0, limit=10) == []


def test_one_url_in_two_records_of_a_file_is_refused(registry: Registry) -> None:
    text = (
        f"{HEADER}\nA1,book,One,{URL},Ann|author,Ann|creator|100,\n"
        f"A2,book,Two,{URL},Bob|author,Bob|creator|100,\n"
    )
    # Before: both imported, the URL held twice with no dispute and nobody to resolve it.
    with pytest.raises(ImportRejected) as info:
        _import(registry, text)
    assert info.value.rejects == [(2, f"A2: identifier {URL} is also in record 1")]
    assert registry.service.lookup([URL])[0].works == ()


def test_a_record_naming_no_party_describes_the_work_that_holds_its_identifier(
    registry: Registry,
) -> None:
    # an ONIX product without RecordReference, contributors or publisher: no registrant to
    # dispute with, so it is the existing work (as before), and a re-import adds nothing
    _import(registry, FIRST)
    emma = _emma(registry)
    bare = [ParsedRecord(1, WorkDraft(kind=WorkKind.BOOK, title="Emma", identifiers=(ISBN,)))]
    for feed in ("onix-1", "onix-2"):
        report = _import(registry, feed, bare)
        assert (report.created, report.unchanged, report.disputes) == (0, 1, [])
    (found,) = registry.service.lookup([ISBN])
    assert [w.id for w, _ in found.works] == [emma] and not found.disputed
