"""terms_for_works (a bulk lookup's terms, each party's catalogue answer worked out once and
shared TermsSets) gives exactly what terms_for gives work by work, on any declarations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.registry.decisions import terms_for, terms_for_works
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import Declaration, TermsSet

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PARTIES = ["pa", "pb", "pc", "pd"]
WORKS = ["w1", "w2", "w3", "w4"]

declarations = st.lists(
    st.tuples(
        st.sampled_from(PARTIES),
        st.sampled_from([None, None, *WORKS]),  # catalogue-wide twice as often
        st.sampled_from([Purpose.AI_TRAIN, Purpose.SEARCH, Purpose.TDM]),
        st.sampled_from(list(Status)),
        st.sampled_from(["WORLD", "WORLD", "GB", "FR"]),
        st.integers(0, 6),  # effective day
        st.integers(0, 3),  # recorded this many days after taking effect... or before
        st.booleans(),  # attribution required
        st.sampled_from([None, "https://example.org/licence-a", "https://example.org/b"]),
    ),
    max_size=16,
)
works = st.lists(
    st.tuples(st.sampled_from(WORKS), st.lists(st.sampled_from(PARTIES), unique=True, max_size=3)),
    unique_by=lambda w: w[0],
    max_size=4,
)


@settings(deadline=None, max_examples=400)
@given(declarations, works, st.sampled_from([None, "GB", "FR", "US"]), st.integers(0, 8))
def test_bulk_terms_equal_terms_for_each_work(
    rows: list[tuple[str, str | None, Purpose, Status, str, int, int, bool, str | None]],
    given_works: list[tuple[str, list[str]]],
    territory: str | None,
    day: int,
) -> None:
    decls = [
        Declaration(
            id=f"d{n}",
            party_id=party,
            purpose=purpose,
            status=status,
            effective_from=T0 + timedelta(days=eff),
            recorded_at=T0 + timedelta(days=eff + rec - 1),
            work_id=work_id,
            attribution_required=attribution,
            licence_url=url,
            ledger_seq=n,
            territory=where,
        )
        for n, (party, work_id, purpose, status, where, eff, rec, attribution, url) in enumerate(
            rows
        )
    ]
    # as the repository gives them: own by work, catalogue-wide by party
    own = {w: [d for d in decls if d.work_id == w] for w in WORKS}
    catalogue = {p: [d for d in decls if d.party_id == p and d.work_id is None] for p in PARTIES}
    at = T0 + timedelta(days=day)
    got = terms_for_works(
        [(w, tuple(ps)) for w, ps in given_works], own, catalogue, at=at, territory=territory
    )
    assert set(got) == {w for w, _ in given_works}
    for w, ps in given_works:
        mine = own[w] + [d for p in ps for d in catalogue[p]]
        expected = terms_for(w, ps, mine, at=at, territory=territory)
        assert got[w] == expected, (w, ps)
        assert got[w].as_dict() == expected.as_dict()


def test_works_whose_parties_answer_alike_share_one_terms_set() -> None:
    at = T0 + timedelta(days=1)
    allowed = Declaration("d1", "pa", Purpose.SEARCH, Status.ALLOWED, T0, T0)
    got = terms_for_works(
        [("w1", ("pa",)), ("w2", ("pa",)), ("w3", ())],
        {},
        {"pa": [allowed]},
        at=at,
    )
    assert got["w1"] is got["w2"]
    assert got["w1"].status(Purpose.SEARCH) is Status.ALLOWED
    assert got["w3"] == TermsSet()  # no consent party: reserved throughout


def test_as_dict_answers_a_new_dict_each_time() -> None:
    terms = TermsSet.from_statuses({Purpose.SEARCH: Status.ALLOWED})
    first = terms.as_dict()
    first["search"] = "reserved"
    assert terms.as_dict()["search"] == "allowed"
