"""Territory, period and time order of declarations through the service, on SQLite and
PostgreSQL: what is declared for a territory is stored, chained, signed and answered for it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from tests.conftest import FakeClock

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.errors import MandateError, ValidationError
from consentry.ledger.chain import LedgerEntry
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.csvfile import parse_csv
from consentry.registry.decisions import Outcome
from consentry.registry.importing import import_records
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from consentry.store.migrations import alembic_config

ISBN = "isbn:9780007232833"


def _setup(reg: Registry) -> dict[str, str]:
    svc = reg.service
    author = svc.create_party(
        SYSTEM, name="Jane Austen", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    )
    org = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
    )
    work = svc.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Emma",
            identifiers=(ISBN,),
            contributors=((PartyRef(party_id=author.id), ContributorRole.AUTHOR),),
            holders=((PartyRef(party_id=author.id), "creator", Decimal(100), "all"),),
        ),
    )
    return {"author": author.id, "org": org.id, "work": work.id}


def _outcome(reg: Registry, ids: dict[str, str], territory: str | None) -> Outcome:
    return reg.service.decide(
        work_id=ids["work"], purpose=Purpose.AI_TRAIN, territory=territory
    ).outcome


def test_a_declaration_keeps_its_territory_in_row_ledger_and_receipt(
    registry: Registry, clock: FakeClock
) -> None:
    ids = _setup(registry)
    svc = registry.service
    author = Actor(Role.CREATOR, ids["author"])
    svc.declare_terms(
        author,
        party_id=ids["author"],
        work_id=ids["work"],
        statuses={Purpose.AI_TRAIN: Status.ALLOWED},
    )
    clock.advance(seconds=1)
    out = svc.declare_terms(
        author,
        party_id=ids["author"],
        work_id=ids["work"],
        statuses={Purpose.AI_TRAIN: Status.RESERVED},
        territory="fr",
    )
    assert [d.territory for d in out.declarations] == ["FR"]
    assert out.receipt["declaration"]["territory"] == "FR"
    assert svc.receipt_for(author, out.ledger_seq)["declaration"]["territory"] == "FR"
    with registry.uow() as uow:
        entry = uow.ledger.entry(out.ledger_seq)
        assert isinstance(entry, LedgerEntry)
        assert entry.payload["territory"] == "FR"
    assert [d.territory for d in svc.terms_history(ids["work"])] == ["WORLD", "FR"]
    clock.advance(seconds=1)
    # decisions and lookups answer with the declarations that hold in the territory asked
    assert _outcome(registry, ids, "FR") is Outcome.DENY
    assert _outcome(registry, ids, "GB") is Outcome.ALLOW
    assert _outcome(registry, ids, None) is Outcome.DENY  # everywhere: FR reserved
    terms = {t: svc.lookup([ISBN], territory=t)[0].works[0][1] for t in ("FR", "GB", None)}
    assert terms["FR"].status(Purpose.AI_TRAIN) is Status.RESERVED
    assert terms["GB"].status(Purpose.AI_TRAIN) is Status.ALLOWED
    assert terms[None].status(Purpose.AI_TRAIN) is Status.RESERVED
    assert svc.work_terms(ids["work"], territory="GB").status(Purpose.AI_TRAIN) is Status.ALLOWED
    assert svc.work_terms(ids["work"]).status(Purpose.AI_TRAIN) is Status.RESERVED
    evidence = svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN, territory="GB").evidence
    assert [e.territory for e in evidence] == ["WORLD"]


def test_catalogue_terms_by_territory(registry: Registry, clock: FakeClock) -> None:
    ids = _setup(registry)
    svc = registry.service
    author = Actor(Role.CREATOR, ids["author"])
    svc.declare_terms(author, party_id=ids["author"], statuses={Purpose.TDM: Status.ALLOWED})
    svc.declare_terms(
        author, party_id=ids["author"], statuses={Purpose.TDM: Status.LICENCE}, territory="DE"
    )
    clock.advance(seconds=1)
    assert svc.party_terms(ids["author"], territory="GB").status(Purpose.TDM) is Status.ALLOWED
    assert svc.party_terms(ids["author"], territory="DE").status(Purpose.TDM) is Status.LICENCE
    assert svc.party_terms(ids["author"]).status(Purpose.TDM) is Status.LICENCE


def test_a_territory_mandate_declares_for_that_territory_only(
    registry: Registry, clock: FakeClock
) -> None:
    ids = _setup(registry)
    svc = registry.service
    author = Actor(Role.CREATOR, ids["author"])
    org = Actor(Role.ORGANISATION, ids["org"])
    svc.declare_terms(author, party_id=ids["author"], statuses={Purpose.AI_TRAIN: Status.ALLOWED})
    svc.create_mandate(
        author,
        organisation_id=ids["org"],
        member_id=ids["author"],
        purposes=[Purpose.AI_TRAIN],
        territories=["GB"],
        valid_from=clock.now,
        valid_until=None,
        evidence="signed form",
    )
    clock.advance(seconds=1)
    out = svc.declare_terms(
        org, party_id=ids["author"], statuses={Purpose.AI_TRAIN: Status.RESERVED}, territory="GB"
    )
    assert out.receipt["declaration"]["territory"] == "GB"
    assert out.receipt["declared_by"] == ids["org"]
    clock.advance(seconds=1)
    # Before: the GB-only organisation's reservation was applied everywhere.
    assert _outcome(registry, ids, "IE") is Outcome.ALLOW
    assert _outcome(registry, ids, "GB") is Outcome.DENY


@pytest.mark.parametrize("bad", ["Europe", "XX", "UK"])
def test_bad_territories_are_refused_naming_the_value(registry: Registry, bad: str) -> None:
    ids = _setup(registry)
    svc = registry.service
    calls = [
        lambda: svc.decide(work_id=ids["work"], purpose=Purpose.AI_TRAIN, territory=bad),
        lambda: svc.lookup([ISBN], territory=bad),
        lambda: svc.work_terms(ids["work"], territory=bad),
        lambda: svc.declare_terms(
            SYSTEM, party_id=ids["author"], statuses={Purpose.TDM: Status.ALLOWED}, territory=bad
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as e:
            call()
        assert e.value.field == "territory"
        assert repr(bad) in e.value.message


def test_terms_under_a_mandate_must_take_effect_within_its_period(
    registry: Registry, clock: FakeClock
) -> None:
    ids = _setup(registry)
    svc = registry.service
    m = svc.create_mandate(
        Actor(Role.CREATOR, ids["author"]),
        organisation_id=ids["org"],
        member_id=ids["author"],
        purposes=[Purpose.AI_TRAIN],
        territories=["WORLD"],
        valid_from=clock.now,
        valid_until=clock.now + timedelta(days=30),
        evidence="signed form",
    )
    org = Actor(Role.ORGANISATION, ids["org"])
    clock.advance(days=1)
    with pytest.raises(MandateError, match="fall outside the period") as e:
        svc.declare_terms(
            org,
            party_id=ids["author"],
            statuses={Purpose.AI_TRAIN: Status.ALLOWED},
            effective_from=clock.now + timedelta(days=60),
        )
    assert f"mandate {m.id} from" in e.value.message
    with pytest.raises(MandateError, match="fall outside the period"):
        svc.declare_terms(
            org,
            party_id=ids["author"],
            statuses={Purpose.AI_TRAIN: Status.ALLOWED},
            effective_from=clock.now - timedelta(days=2),  # before the mandate began
        )
    ok = svc.declare_terms(
        org,
        party_id=ids["author"],
        statuses={Purpose.AI_TRAIN: Status.ALLOWED},
        effective_from=clock.now + timedelta(days=10),
    )
    assert ok.declarations[0].mandate_id == m.id
    # nothing refused was recorded
    with registry.uow() as uow:
        kinds = [e.kind for e in uow.ledger.entries() if isinstance(e, LedgerEntry)]
    assert kinds.count("terms.declared") == 1


def test_a_clock_that_steps_back_never_puts_newer_terms_behind_older_ones(
    registry: Registry, clock: FakeClock
) -> None:
    ids = _setup(registry)
    svc = registry.service
    author = Actor(Role.CREATOR, ids["author"])
    clock.advance(hours=1)
    first = svc.declare_terms(
        author, party_id=ids["author"], statuses={Purpose.AI_TRAIN: Status.ALLOWED}
    )
    clock.advance(minutes=-10)  # e.g. NTP steps the clock back
    second = svc.declare_terms(
        author, party_id=ids["author"], statuses={Purpose.AI_TRAIN: Status.RESERVED}
    )
    a, b = first.declarations[0], second.declarations[0]
    assert b.effective_from >= a.effective_from
    assert b.recorded_at >= a.recorded_at
    assert second.receipt["recorded_at"] >= first.receipt["recorded_at"]
    clock.advance(hours=1)
    assert svc.party_terms(ids["author"]).status(Purpose.AI_TRAIN) is Status.RESERVED
    with registry.uow() as uow:
        times = [e.recorded_at for e in uow.ledger.entries() if isinstance(e, LedgerEntry)]
    assert times == sorted(times)


def test_declarations_from_before_territories_hold_for_world(settings: Settings) -> None:
    """Migration 0007: rows written by the 0006 schema become WORLD declarations."""
    reg = build(settings, clock=FakeClock(), run_migrations=False)
    try:
        with reg.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0006")
        with reg.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO parties (id, name, name_key, kind, roles, created_at) VALUES "
                    "('p1', 'A', 'a', 'person', 'creator', '2026-01-01T00:00:00.000000Z')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO declarations (id, party_id, work_id, purpose, status, "
                    "attribution_required, licence_url, effective_from, recorded_at, "
                    "declared_by, mandate_id, ledger_seq) VALUES ('d1', 'p1', NULL, "
                    "'ai-train', 'allowed', false, NULL, '2026-01-01T00:00:00.000000Z', "
                    "'2026-01-01T00:00:00.000000Z', NULL, NULL, NULL)"
                )
            )
        with reg.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with reg.uow() as uow:
            assert [d.territory for d in uow.declarations.for_party("p1")] == ["WORLD"]
        assert reg.service.party_terms("p1", territory="GB").status(Purpose.AI_TRAIN) is (
            Status.ALLOWED
        )
    finally:
        reg.close()


IMPORT_CSV = """work_id,kind,title,identifiers,contributors,holders,terms
W2,article,On Mining,doi:10.1000/abc,Ann Writer|author,Ann Writer|creator|100,ai-train=allowed
"""


def _import(reg: Registry, text: str, sha: str) -> int:
    with reg.uow(write=True) as uow:
        report = import_records(
            uow,
            parse_csv(text, filename="works.csv"),
            ids=reg.service.ids,
            now=uow.ledger.locked_now(reg.service.clock),
            actor=SYSTEM.label,
            sha256=sha,
            filename="works.csv",
            fmt="csv",
            skip_invalid=False,
        )
        uow.commit()
    return report.updated


def test_reimport_leaves_a_territory_declaration_alone(
    registry: Registry, clock: FakeClock
) -> None:
    """Imported terms hold for WORLD: a FR declaration made since is neither replaced nor
    makes the same terms count as changed."""
    _import(registry, IMPORT_CSV, "a" * 64)
    svc = registry.service
    (work,) = svc.lookup(["doi:10.1000/abc"])[0].works
    work_id = work[0].id
    party = svc.terms_history(work_id)[0].party_id
    clock.advance(seconds=1)
    svc.declare_terms(
        SYSTEM,
        party_id=party,
        work_id=work_id,
        statuses={Purpose.AI_TRAIN: Status.RESERVED},
        territory="FR",
    )
    clock.advance(seconds=1)
    before = svc.terms_history(work_id)
    assert _import(registry, IMPORT_CSV + "\n", "b" * 64) == 0  # same terms: nothing changed
    assert svc.terms_history(work_id) == before
    assert [d.territory for d in before].count("FR") == 1
