"""The registry end to end through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from tests.conftest import FakeClock

from consentry.bootstrap import Registry
from consentry.errors import Conflict, MandateError, NotFound, PermissionDenied, ValidationError
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.decisions import Outcome
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind


def _setup(reg: Registry) -> dict[str, str]:
    svc = reg.service
    author = svc.create_party(
        SYSTEM,
        name="Jane Austen",
        kind=PartyKind.PERSON,
        roles=[PartyRole.CREATOR],
        identifiers=["isni:0000000121479135"],
        contacts=[ContactPoint("email", "jane@example.org")],
    )
    press = svc.create_party(
        SYSTEM, name="Example Press", kind=PartyKind.ORGANISATION, roles=[PartyRole.PUBLISHER]
    )
    org = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    dev = svc.create_party(
        SYSTEM, name="AI Lab", kind=PartyKind.ORGANISATION, roles=[PartyRole.AI_DEVELOPER]
    )
    work = svc.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Emma",
            identifiers=("978-0-00-723283-3", "doi:10.1000/XYZ"),
            contributors=((PartyRef(party_id=author.id), ContributorRole.AUTHOR),),
            holders=(
                (PartyRef(party_id=author.id), "creator", Decimal(50), "all"),
                (PartyRef(party_id=press.id), "publisher", Decimal(50), "all"),
            ),
        ),
    )
    return {"author": author.id, "press": press.id, "org": org.id, "dev": dev.id, "work": work.id}


def test_work_lookup_by_any_identifier_form(registry: Registry) -> None:
    ids = _setup(registry)
    results = registry.service.lookup(
        ["9780007232833", "isbn:978-0-00-723283-3", "doi:10.1000/xyz", "isbn:9780000000002", "nope"]
    )
    assert [r.id for r in results[:3]] == [
        "isbn:9780007232833",
        "isbn:9780007232833",
        "doi:10.1000/xyz",
    ]
    for r in results[:3]:
        assert [w.id for w, _ in r.works] == [ids["work"]]
        assert r.works[0][1].as_dict()["ai-train"] == "reserved"
    assert results[3].to_json() == {
        "id": "isbn:9780000000002",
        "works": [],
        "disputed": False,
        "dispute_id": None,
        "combined_terms": None,
    }
    assert "error" in results[4].to_json()


def test_consent_chain_and_history(registry: Registry, clock: FakeClock) -> None:
    ids = _setup(registry)
    svc = registry.service
    t1 = clock.advance(days=1)
    svc.declare_terms(
        SYSTEM,
        party_id=ids["press"],
        work_id=ids["work"],
        statuses={Purpose.AI_TRAIN: Status.ALLOWED},
    )
    d = svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN)
    assert d.outcome is Outcome.DENY  # the author has not consented
    clock.advance(days=1)
    out = svc.declare_terms(
        Actor(Role.CREATOR, ids["author"]),
        party_id=ids["author"],
        statuses={Purpose.AI_TRAIN: Status.ALLOWED},
    )
    assert out.receipt["declaration"]["party_id"] == ids["author"]
    t2 = clock.now
    assert svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN).outcome is Outcome.ALLOW
    clock.advance(days=1)
    svc.declare_terms(
        SYSTEM,
        party_id=ids["author"],
        work_id=ids["work"],
        statuses={Purpose.AI_TRAIN: Status.RESERVED},
    )
    assert svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN).outcome is Outcome.DENY
    # the past is answered as it held then
    assert svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN, at=t2).outcome is (
        Outcome.ALLOW
    )
    assert svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN, at=t1).outcome is (
        Outcome.DENY
    )
    assert len(svc.terms_history(ids["work"])) == 2
    ev = svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN, at=t2).evidence
    assert {e.ledger_seq is not None for e in ev} == {True}


def test_mandates_allow_acting_within_scope_only(registry: Registry, clock: FakeClock) -> None:
    ids = _setup(registry)
    svc = registry.service
    org = Actor(Role.ORGANISATION, ids["org"])
    with pytest.raises(MandateError):
        svc.declare_terms(org, party_id=ids["author"], statuses={Purpose.AI_TRAIN: Status.RESERVED})
    with pytest.raises(PermissionDenied):  # an organisation cannot grant itself a mandate
        svc.create_mandate(
            org,
            organisation_id=ids["org"],
            member_id=ids["author"],
            purposes=[Purpose.AI_TRAIN],
            territories=["WORLD"],
            valid_from=clock.now,
            valid_until=None,
            evidence="form",
        )
    m = svc.create_mandate(
        Actor(Role.CREATOR, ids["author"]),
        organisation_id=ids["org"],
        member_id=ids["author"],
        purposes=[Purpose.AI_TRAIN, Purpose.TDM],
        territories=["GB"],
        valid_from=clock.now,
        valid_until=None,
        evidence="signed form SoA-1",
    )
    clock.advance(hours=1)
    out = svc.declare_terms(
        org, party_id=ids["author"], territory="GB", statuses={Purpose.AI_TRAIN: Status.LICENCE}
    )
    assert out.declarations[0].declared_by == ids["org"]
    assert out.declarations[0].mandate_id == m.id
    with pytest.raises(MandateError, match="search"):
        svc.declare_terms(
            org, party_id=ids["author"], territory="GB", statuses={Purpose.SEARCH: Status.ALLOWED}
        )
    with pytest.raises(MandateError):
        svc.declare_terms(
            org, party_id=ids["author"], territory="FR", statuses={Purpose.AI_TRAIN: Status.ALLOWED}
        )
    # the organisation sees its member's contacts; a developer never does
    assert registry.service.get_party(org, ids["author"]).contacts
    assert not registry.service.get_party(Actor(Role.DEVELOPER, ids["dev"]), ids["author"]).contacts
    svc.withdraw_mandate(Actor(Role.CREATOR, ids["author"]), m.id)
    clock.advance(seconds=1)
    with pytest.raises(MandateError):
        svc.declare_terms(
            org, party_id=ids["author"], territory="GB", statuses={Purpose.AI_TRAIN: Status.ALLOWED}
        )
    with pytest.raises(Conflict):
        svc.withdraw_mandate(SYSTEM, m.id)


def test_roles_are_enforced(registry: Registry) -> None:
    ids = _setup(registry)
    svc = registry.service
    dev = Actor(Role.DEVELOPER, ids["dev"])
    with pytest.raises(PermissionDenied):
        svc.declare_terms(dev, party_id=ids["author"], statuses={Purpose.SEARCH: Status.ALLOWED})
    with pytest.raises(PermissionDenied):
        svc.declare_terms(
            Actor(Role.CREATOR, ids["author"]),
            party_id=ids["press"],
            statuses={Purpose.SEARCH: Status.ALLOWED},
        )
    with pytest.raises(PermissionDenied):
        svc.create_party(dev, name="X", kind=PartyKind.PERSON, roles=[])
    with pytest.raises(PermissionDenied):
        svc.create_api_key(dev, role=Role.ADMIN, party_id=None)


def test_bad_input_leaves_data_as_it_was(registry: Registry) -> None:
    ids = _setup(registry)
    svc = registry.service
    before = svc.counts()
    with pytest.raises(ValidationError, match="check digit"):
        svc.create_work(
            SYSTEM, WorkDraft(kind=WorkKind.BOOK, title="X", identifiers=("isbn:9780007232834",))
        )
    # the ISBN's own author registering it again: related, so a conflict (an unrelated
    # registrant would open a dispute: tests/api/test_disputes.py)
    with pytest.raises(Conflict, match="already registered"):
        svc.create_work(
            SYSTEM,
            WorkDraft(
                kind=WorkKind.BOOK,
                title="X",
                identifiers=("isbn:9780007232833",),
                contributors=((PartyRef(party_id=ids["author"]), ContributorRole.AUTHOR),),
            ),
        )
    with pytest.raises(ValidationError, match="neither a rights holder nor a creator"):
        svc.declare_terms(
            SYSTEM,
            party_id=ids["dev"],
            work_id=ids["work"],
            statuses={Purpose.SEARCH: Status.ALLOWED},
        )
    with pytest.raises(NotFound):
        svc.decide(work_id="w-missing", purpose=Purpose.SEARCH)
    assert svc.counts() == before
    assert svc.verify_ledger().ok


def test_ledger_verifies_and_catches_a_hand_edited_row(registry: Registry) -> None:
    _setup(registry)
    report = registry.service.verify_ledger()
    assert report.ok and report.checked == report.head_seq and report.checked >= 5
    with registry.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger SET payload = replace(payload, 'Emma', 'Emmy') WHERE kind = 'work.created'"
            )
        )
        bad = conn.execute(text("SELECT seq FROM ledger WHERE kind = 'work.created'")).scalar_one()
    report = registry.service.verify_ledger()
    assert not report.ok
    assert report.first_bad_seq == bad


def test_ledger_catches_a_deleted_last_row(registry: Registry) -> None:
    _setup(registry)
    with registry.engine.begin() as conn:
        last = conn.execute(text("SELECT max(seq) FROM ledger")).scalar_one()
        conn.execute(text("DELETE FROM ledger WHERE seq = :s"), {"s": last})
    report = registry.service.verify_ledger()
    assert not report.ok and report.first_bad_seq == last


def test_api_keys_are_stored_hashed_and_authenticate(registry: Registry) -> None:
    ids = _setup(registry)
    key_id, token = registry.service.create_api_key(
        SYSTEM, role=Role.CREATOR, party_id=ids["author"]
    )
    actor = registry.service.authenticate(token)
    assert actor == Actor(Role.CREATOR, ids["author"], key_id)
    with registry.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM api_keys")).scalar_one()
    assert token.split("_", 2)[2] not in stored
    with pytest.raises(PermissionDenied):
        registry.service.authenticate(token + "x")
    with pytest.raises(ValidationError):
        registry.service.create_api_key(SYSTEM, role=Role.CREATOR, party_id=None)


def test_receipts_are_reissued_identically(registry: Registry, clock: FakeClock) -> None:
    ids = _setup(registry)
    out = registry.service.declare_terms(
        SYSTEM, party_id=ids["author"], statuses={Purpose.TDM: Status.RESERVED}
    )
    again = registry.service.receipt_for(Actor(Role.CREATOR, ids["author"]), out.ledger_seq)
    assert again == out.receipt
    with pytest.raises(PermissionDenied):
        registry.service.receipt_for(Actor(Role.CREATOR, ids["press"]), out.ledger_seq)
    clock.advance(days=1)
    assert registry.service.receipt_for(SYSTEM, out.ledger_seq) == out.receipt


def test_listing_pages(registry: Registry) -> None:
    _setup(registry)
    parties = registry.service.list_parties(SYSTEM, offset=0, limit=2)
    rest = registry.service.list_parties(SYSTEM, offset=2, limit=10)
    assert len(parties) == 2 and len(rest) == 2
    assert not {p.id for p in parties} & {p.id for p in rest}
    works = registry.service.list_works(offset=0, limit=10)
    assert [w.title for w, _ in works] == ["Emma"]
    assert (
        registry.service.work_terms(
            works[0][0].id, at=registry.service.clock() + timedelta(days=1)
        ).as_dict()["search"]
        == "reserved"
    )


def test_parallel_lookup_answers_as_the_serial_one(registry: Registry) -> None:
    ids_ = _setup(registry)
    registry.service.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Persuasion",
            identifiers=("isbn:9780000000002",),
            holders=((PartyRef(party_id=ids_["press"]), "publisher", Decimal(100), "all"),),
        ),
    )
    registry.service.declare_terms(
        SYSTEM, party_id=ids_["press"], statuses={Purpose.SEARCH: Status.ALLOWED}
    )
    ids = ["9780007232833", "doi:10.1000/xyz", "isbn:9780000000002", "bad"]
    serial = [r.to_json() for r in registry.service.lookup(ids)]
    registry.service.read_parallelism = 2
    registry.service.parallel_threshold = 1
    assert [r.to_json() for r in registry.service.lookup(ids)] == serial
    assert serial[2]["works"][0]["terms"]["search"] == "allowed"
