"""Who may do what, as pure rules: the parties an organisation holds no mandate from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentry.errors import PermissionDenied
from consentry.registry.access import Actor, Role, check_may_register, unmandated
from consentry.registry.mandates import Mandate
from consentry.registry.purposes import Purpose

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def mandate(member: str, org: str = "org", **kw: object) -> Mandate:
    values: dict[str, object] = {
        "id": f"m-{member}",
        "organisation_id": org,
        "member_id": member,
        "purposes": frozenset({Purpose.AI_TRAIN}),
        "territories": frozenset({"GB"}),
        "valid_from": NOW - timedelta(days=1),
        "valid_until": None,
        "evidence": "form",
    }
    values.update(kw)
    return Mandate(**values)  # type: ignore[arg-type]


def test_every_other_party_needs_a_mandate_in_force() -> None:
    mandates = [
        mandate("a"),
        mandate("b", withdrawn_at=NOW - timedelta(hours=1)),
        mandate("c", valid_until=NOW - timedelta(seconds=1)),
        mandate("d", valid_from=NOW + timedelta(days=1)),
        mandate("e", org="other-org"),
    ]
    parties = ["org", "a", "b", "c", "d", "e", "f"]
    assert unmandated("org", parties, mandates, at=NOW) == ["b", "c", "d", "e", "f"]
    # the organisation alone, or with mandated members only: nothing missing
    assert unmandated("org", ["org"], mandates, at=NOW) == []
    assert unmandated("org", ["org", "a"], mandates, at=NOW) == []


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CREATOR, Role.DEVELOPER])
def test_a_party_role_without_a_party_is_refused_not_asserted(role: Role) -> None:
    with pytest.raises(PermissionDenied) as info:
        Actor(role, None).own_party()
    assert role.value in info.value.message
    assert Actor(role, "p1").own_party() == "p1"


def test_check_may_register_is_the_one_rule_for_works_and_their_fingerprints() -> None:
    parties = {"author", "press"}
    org = Actor(Role.ORGANISATION, "org")
    with pytest.raises(PermissionDenied, match="press") as info:
        check_may_register(org, parties, [mandate("author")], at=NOW, what="fingerprints")
    assert info.value.payload["parties"] == ["press"]
    assert "registers fingerprints only" in info.value.message
    check_may_register(org, parties, [mandate("author"), mandate("press")], at=NOW)
    # listing itself on the work does not stand in for the others' mandates
    with pytest.raises(PermissionDenied, match="press"):
        check_may_register(org, parties | {"org"}, [mandate("author")], at=NOW)
    check_may_register(Actor(Role.ADMIN), parties, [], at=NOW)
    check_may_register(Actor(Role.CREATOR, "author"), parties, [], at=NOW)
    for refused in (Actor(Role.CREATOR, "someone"), Actor(Role.DEVELOPER, "author")):
        with pytest.raises(PermissionDenied):
            check_may_register(refused, parties, [], at=NOW)
