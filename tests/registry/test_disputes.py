"""The pure rules of identifier disputes: who is related, and the most restrictive terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consentry.registry.disputes import most_restrictive, relation
from consentry.registry.mandates import Mandate
from consentry.registry.purposes import Purpose, Status
from consentry.registry.terms import PurposeTerms, TermsSet

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def mandate(org: str, member: str, **kw: object) -> Mandate:
    values: dict[str, object] = {
        "id": f"m-{org}-{member}",
        "organisation_id": org,
        "member_id": member,
        "purposes": frozenset({Purpose.AI_TRAIN}),
        "territories": frozenset({"WORLD"}),
        "valid_from": NOW - timedelta(days=1),
        "valid_until": None,
        "evidence": "form",
    }
    values.update(kw)
    return Mandate(**values)  # type: ignore[arg-type]


def test_related_by_a_shared_party_or_a_mandate_in_force_either_way() -> None:
    assert relation({"a", "b"}, {"b", "c"}, [], at=NOW) == "shares party b"
    assert relation({"a"}, {"c"}, [], at=NOW) is None
    # an organisation registering for itself, the existing work's creator its member
    why = relation({"org"}, {"c"}, [mandate("org", "c")], at=NOW)
    assert why is not None and "m-org-c" in why
    # a member registering, the existing work held by its organisation
    assert relation({"c"}, {"org"}, [mandate("org", "c")], at=NOW) is not None
    # withdrawn, expired or not yet valid mandates relate nobody
    for gone in (
        mandate("org", "c", withdrawn_at=NOW - timedelta(seconds=1)),
        mandate("org", "c", valid_until=NOW - timedelta(seconds=1)),
        mandate("org", "c", valid_from=NOW + timedelta(seconds=1)),
    ):
        assert relation({"org"}, {"c"}, [gone], at=NOW) is None
    # a mandate between two parties on the same side relates nothing
    assert relation({"org", "c"}, {"x"}, [mandate("org", "c")], at=NOW) is None


def test_most_restrictive_terms() -> None:
    a = TermsSet(
        {
            Purpose.SEARCH: PurposeTerms(Status.ALLOWED, attribution_required=True),
            Purpose.TDM: PurposeTerms(Status.ALLOWED),
            Purpose.AI_TRAIN: PurposeTerms(Status.LICENCE, licence_url="https://a/licence"),
        }
    )
    b = TermsSet(
        {
            Purpose.SEARCH: PurposeTerms(Status.ALLOWED),
            Purpose.TDM: PurposeTerms(Status.LICENCE, licence_url="https://b/licence"),
            Purpose.AI_TRAIN: PurposeTerms(Status.ALLOWED),
        }
    )
    both = most_restrictive([a, b])
    assert both.purposes[Purpose.SEARCH] == PurposeTerms(Status.ALLOWED, True)
    assert both.purposes[Purpose.TDM] == PurposeTerms(Status.LICENCE, False, "https://b/licence")
    assert both.purposes[Purpose.AI_TRAIN] == PurposeTerms(
        Status.LICENCE, False, "https://a/licence"
    )
    assert both.status(Purpose.AI_INPUT) is Status.RESERVED  # neither allowed it
    assert most_restrictive([]).as_dict() == TermsSet().as_dict()
    assert most_restrictive([a]) == a


def test_a_lookup_with_several_works_is_disputed_even_without_a_recorded_dispute() -> None:
    from consentry.registry.service import LookupResult
    from consentry.registry.works import WorkSummary

    allowed = TermsSet({p: PurposeTerms(Status.ALLOWED) for p in Purpose})
    one = LookupResult("isbn:9780007232833", ((WorkSummary("w1", "A", ("p1",)), allowed),))
    assert not one.disputed
    assert one.to_json()["combined_terms"] is None
    # two works hold the identifier (registrations that raced, a bulk import): flagged, and
    # the combined terms are the most restrictive (the second work declared nothing)
    two = LookupResult(
        "isbn:9780007232833",
        ((WorkSummary("w1", "A", ("p1",)), allowed), (WorkSummary("w2", "B", ("p2",)), TermsSet())),
    )
    assert two.disputed
    body = two.to_json()
    assert (body["disputed"], body["dispute_id"]) == (True, None)
    assert set(body["combined_terms"].values()) == {"reserved"}
