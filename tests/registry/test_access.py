"""Who may do what, as pure rules: the parties an organisation holds no mandate from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentry.errors import PermissionDenied
from consentry.registry.access import Actor, Role, unmandated
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
