"""Decisions with licence grants: for the licensee, within the grant's purposes, territory
and term, ``allow`` with the grant as evidence; for anyone else and outside them the answer
is unchanged; revocation and expiry from that moment; a past time answered as it was.

The pure ``decide`` and the registry's (the database read, both backends, and the same
service call the fast path makes) are checked against a simple model over random grants,
times and territories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FakeClock
from tests.licensing.kit import cast, work

from consentry.bootstrap import Registry
from consentry.licensing.grants import GrantCover
from consentry.licensing.terms import OfferScope, make_terms
from consentry.registry.access import SYSTEM
from consentry.registry.decisions import Outcome, decide
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration
from consentry.registry.works import Contributor, ContributorRole, Holding, Work, WorkKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DEVS = ("dev-a", "dev-b")
TERRITORIES = ("WORLD", "GB", "FR")
ASKED = (None, "GB", "FR", "DE")
PURPOSES = (Purpose.AI_TRAIN, Purpose.AI_INPUT, Purpose.SEARCH)

WORK = Work(
    id="w1",
    kind=WorkKind.BOOK,
    title="Emma",
    contributors=(Contributor("author", ContributorRole.AUTHOR),),
    holders=(Holding("author", "creator", Decimal(100)),),
)
# the author declared licence-required for every purpose: a licence is what is asked for
LICENCE = [
    Declaration(
        f"d{n}",
        "author",
        p,
        Status.LICENCE,
        T0 - timedelta(days=1),
        T0 - timedelta(days=1),
        None,
        ledger_seq=n,
    )
    for n, p in enumerate(Purpose)
]


def model_allows(
    grants: list[GrantCover], dev: str | None, purpose: Purpose, where: str | None, at: datetime
) -> bool:
    """The rule, written plainly: some grant of this developer names the purpose, holds in
    the territory asked (WORLD holds anywhere; asked for everywhere, only WORLD), and had
    begun and neither expired nor been revoked at that time."""
    for g in grants:
        ends = [t for t in (g.valid_until, g.revoked_at) if t is not None]
        if (
            dev == g.licensee_id
            and purpose in g.purposes
            and (g.territory == "WORLD" or g.territory == where)
            and g.valid_from <= at
            and all(at < t for t in ends)
        ):
            return True
    return False


hours = st.integers(min_value=0, max_value=100)


@st.composite
def grant_covers(draw: st.DrawFn, n: int) -> GrantCover:
    start = draw(hours)
    length = draw(st.none() | st.integers(min_value=1, max_value=60))
    revoked = draw(st.none() | st.integers(min_value=start, max_value=start + 80))
    return GrantCover(
        grant_id=f"g{n}",
        licensee_id=draw(st.sampled_from(DEVS)),
        work_id="w1",
        purposes=frozenset(draw(st.sets(st.sampled_from(PURPOSES), min_size=1))),
        territory=draw(st.sampled_from(TERRITORIES)),
        valid_from=T0 + timedelta(hours=start),
        valid_until=None if length is None else T0 + timedelta(hours=start + length),
        revoked_at=None if revoked is None else T0 + timedelta(hours=revoked),
        credit_required=draw(st.booleans()),
    )


@given(
    grants=st.integers(0, 4).flatmap(lambda k: st.tuples(*(grant_covers(i) for i in range(k)))),
    dev=st.sampled_from((*DEVS, None)),
    purpose=st.sampled_from(PURPOSES),
    where=st.sampled_from(ASKED),
    hour=st.integers(-5, 200),
)
def test_pure_decide_agrees_with_the_model(
    grants: tuple[GrantCover, ...], dev: str | None, purpose: Purpose, where: str | None, hour: int
) -> None:
    at = T0 + timedelta(hours=hour)
    with_grants = decide(
        WORK, LICENCE, purpose=purpose, at=at, developer_id=dev, territory=where, grants=grants
    )
    without = decide(WORK, LICENCE, purpose=purpose, at=at, developer_id=dev, territory=where)
    assert without.outcome is Outcome.LICENCE_REQUIRED and without.grant is None
    if model_allows(list(grants), dev, purpose, where, at):
        assert with_grants.outcome is Outcome.ALLOW
        assert with_grants.grant is not None and with_grants.grant.licensee_id == dev
        assert with_grants.attribution_required == with_grants.grant.credit_required
        assert with_grants.to_json()["grant"]["grant_id"] == with_grants.grant.grant_id
    else:
        assert with_grants.outcome is Outcome.LICENCE_REQUIRED  # unchanged
        assert with_grants.grant is None
        assert with_grants.evidence == without.evidence


def test_a_grant_overrides_a_reservation_only_for_its_licensee() -> None:
    reserved = [Declaration("d", "author", Purpose.AI_TRAIN, Status.RESERVED, T0, T0, None)]
    g = GrantCover("g1", "dev-a", "w1", frozenset({Purpose.AI_TRAIN}), "WORLD", T0, None, None)
    for dev, outcome in (("dev-a", Outcome.ALLOW), ("dev-b", Outcome.DENY), (None, Outcome.DENY)):
        d = decide(WORK, reserved, purpose=Purpose.AI_TRAIN, at=T0, developer_id=dev, grants=[g])
        assert d.outcome is outcome
    d = decide(WORK, reserved, purpose=Purpose.AI_TRAIN, at=T0, developer_id="dev-a", grants=[g])
    assert any("licence g1 granted to dev-a" in r and "answer deny" in r for r in d.reasons)


# ----------------------------------------------------------------------- through the registry
@dataclass(frozen=True)
class Plan:
    purposes: frozenset[Purpose]
    territory: str
    term_days: int | None
    revoke_after_hours: int | None


plans = st.builds(
    Plan,
    purposes=st.sets(st.sampled_from(PURPOSES), min_size=1).map(frozenset),
    territory=st.sampled_from(TERRITORIES),
    term_days=st.none() | st.integers(1, 5),
    revoke_after_hours=st.none() | st.integers(1, 150),
)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan_list=st.lists(plans, min_size=1, max_size=3), data=st.data())
def test_registry_decisions_agree_with_the_model(
    registry: Registry, clock: FakeClock, plan_list: list[Plan], data: st.DataObject
) -> None:
    c = cast(registry)  # fresh parties and works for each example, in one registry
    lic, svc = registry.licensing, registry.service
    w = work(registry, "Fresh", c.poet, {c.poet: 100})
    svc.declare_terms(SYSTEM, party_id=c.poet, statuses=dict.fromkeys(Purpose, Status.LICENCE),
                      work_id=w)  # fmt: skip
    start = clock.now
    grants: list[GrantCover] = []
    for plan in plan_list:
        clock.advance(hours=1)
        terms = make_terms(purposes=plan.purposes, fee_model="free-attribution",
                           territory=plan.territory, term_days=plan.term_days)  # fmt: skip
        offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=w, terms=terms)
        dev = data.draw(st.sampled_from((c.developer, c.other_developer)))
        grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=dev).id)
        grants.extend(grant.covers())
    for g, plan in zip(list(grants), plan_list, strict=True):
        if plan.revoke_after_hours is not None:
            clock.now = max(clock.now, g.valid_from + timedelta(hours=plan.revoke_after_hours))
            revoked = lic.revoke(SYSTEM, g.grant_id)
            grants[grants.index(g)] = revoked.covers()[0]
    clock.advance(hours=1)
    for _ in range(12):
        dev = data.draw(st.sampled_from((c.developer, c.other_developer, None)))
        purpose = data.draw(st.sampled_from(PURPOSES))
        where = data.draw(st.sampled_from(ASKED))
        at = start + timedelta(hours=data.draw(st.integers(0, 24 * 7)))
        d = svc.decide(work_id=w, purpose=purpose, at=at, developer_id=dev, territory=where)
        allowed = model_allows(grants, dev, purpose, where, at)
        assert d.outcome is (Outcome.ALLOW if allowed else Outcome.LICENCE_REQUIRED), d.reasons
        assert (d.grant is not None) == allowed


def test_worked_example_decisions_change_exactly_within_scope_and_term(
    registry: Registry, clock: FakeClock
) -> None:
    c = cast(registry)
    lic, svc = registry.licensing, registry.service
    svc.declare_terms(SYSTEM, party_id=c.poet, statuses={Purpose.AI_TRAIN: Status.LICENCE})
    terms = make_terms(purposes=["ai-train"], fee_model="per-work", amount="5000",
                       currency="GBP", term_days=365, territory="GB")  # fmt: skip
    offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.poem, terms=terms)
    clock.advance(days=1)
    grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    before = grant.valid_from - timedelta(microseconds=1)

    def ask(dev: str | None = c.developer, *, where: str | None = "GB", at: datetime | None = None,
            purpose: Purpose = Purpose.AI_TRAIN) -> Outcome:  # fmt: skip
        return svc.decide(work_id=c.poem, purpose=purpose, at=at, developer_id=dev,
                          territory=where).outcome  # fmt: skip

    licence = Outcome.LICENCE_REQUIRED
    clock.advance(days=30)
    assert ask() is Outcome.ALLOW
    d = svc.decide(work_id=c.poem, purpose=Purpose.AI_TRAIN, developer_id=c.developer,
                   territory="GB")  # fmt: skip
    assert d.grant is not None and d.grant.grant_id == grant.id
    assert ask(c.other_developer) is licence  # anyone else: unchanged
    assert ask(None) is licence
    assert ask(where="FR") is licence and ask(where=None) is licence  # outside the territory
    assert ask(purpose=Purpose.AI_INPUT) is Outcome.DENY  # outside the purposes: unchanged
    assert ask(at=before) is licence  # before the grant
    assert grant.valid_until is not None
    assert ask(at=grant.valid_until - timedelta(microseconds=1)) is Outcome.ALLOW
    assert ask(at=grant.valid_until) is licence  # expired
    clock.advance(days=10)
    revoked = lic.revoke(SYSTEM, grant.id)
    assert ask() is licence  # revoked from that moment
    assert revoked.revoked_at is not None
    assert ask(at=revoked.revoked_at - timedelta(seconds=1)) is Outcome.ALLOW  # as it was
    reasons = svc.decide(work_id=c.poem, purpose=Purpose.AI_TRAIN, developer_id=c.developer,
                         territory="GB").reasons  # fmt: skip
    assert any(f"licence {grant.id} revoked at" in r for r in reasons)


def test_unknown_licensee_reads_no_grants(registry: Registry) -> None:
    c = cast(registry)
    d = registry.service.decide(work_id=c.poem, purpose=Purpose.AI_TRAIN, developer_id="p_nobody")
    assert d.outcome is Outcome.DENY and d.grant is None


def test_the_decision_read_gives_the_repositorys_grants(registry: Registry) -> None:
    """The driver-level read (one statement on PostgreSQL, one more query on SQLite) gives
    the grants the ORM repository gives, in the same order, and the same work and
    declarations as the read without a licensee."""
    c = cast(registry)
    lic = registry.licensing
    for territory, days in (("GB", 30), ("WORLD", None)):
        t = make_terms(purposes=["ai-train", "ai-input"], fee_model="free-attribution",
                       territory=territory, term_days=days)  # fmt: skip
        offer = lic.make_offer(SYSTEM, scope=OfferScope.WORK, subject_id=c.book, terms=t)
        grant = lic.grant(SYSTEM, lic.request(SYSTEM, offer.id, developer_id=c.developer).id)
    lic.revoke(SYSTEM, grant.id)
    work_, decls, covers = registry.uow().decision_context(c.book, c.developer)
    with registry.uow() as uow:
        assert covers == uow.licensing.covers(c.book, c.developer)
    assert len(covers) == 2 and covers[1].revoked_at is not None
    assert all(g.credit_required for g in covers)
    assert (work_, decls) == registry.uow().decision_inputs(c.book)
    assert registry.uow().decision_context(c.book, c.other_developer)[2] == []
    assert registry.uow().decision_context(c.book, None)[2] == []
