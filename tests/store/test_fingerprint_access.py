"""Fingerprint registration follows the rule that registers works (issue 8, "Who may do
what"): an organisation needs a mandate in force from every party named on the work, not
from one of them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import FakeClock

from consentry.bootstrap import Registry
from consentry.errors import PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

TEXT = (Path(__file__).resolve().parents[1] / "data" / "scan" / "persuasion-head.txt").read_text(
    encoding="utf-8"
)


def _party(registry: Registry, name: str, role: PartyRole) -> str:
    kind = PartyKind.PERSON if role is PartyRole.CREATOR else PartyKind.ORGANISATION
    return registry.service.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id


def _mandate(registry: Registry, clock: FakeClock, org: str, member: str) -> None:
    registry.service.create_mandate(
        SYSTEM,
        organisation_id=org,
        member_id=member,
        purposes=ALL_PURPOSES,
        territories=[],
        valid_from=clock() - timedelta(days=1),
        valid_until=None,
        evidence="signed form",
    )


def _work(registry: Registry, author: str, *holders: tuple[str, str, int]) -> str:
    return registry.service.create_work(
        SYSTEM,
        WorkDraft(
            kind=WorkKind.BOOK,
            title="Persuasion",
            contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
            holders=tuple(
                (PartyRef(party_id=p), role, Decimal(share), "all") for p, role, share in holders
            ),
        ),
    ).id


def test_an_organisation_needs_a_mandate_from_every_party_of_the_work(
    registry: Registry, clock: FakeClock
) -> None:
    author = _party(registry, "Jane Austen", PartyRole.CREATOR)
    press = _party(registry, "Example Press", PartyRole.PUBLISHER)
    org = _party(registry, "Society of Authors", PartyRole.MEMBER_ORGANISATION)
    work = _work(registry, author, (author, "creator", 50), (press, "publisher", 50))
    _mandate(registry, clock, org, author)
    clock.advance(seconds=1)
    # Before: a mandate from the author alone was enough to register the work's text.
    with pytest.raises(PermissionDenied) as info:
        registry.service.register_fingerprints(
            Actor(Role.ORGANISATION, org), work_id=work, text=TEXT
        )
    assert info.value.payload["parties"] == [press]
    assert press in info.value.message and "mandate" in info.value.message
    _mandate(registry, clock, org, press)
    clock.advance(seconds=1)
    done = registry.service.register_fingerprints(
        Actor(Role.ORGANISATION, org), work_id=work, text=TEXT
    )
    assert done.count > 0


def test_an_organisation_listed_as_a_holder_still_needs_the_others_mandates(
    registry: Registry, clock: FakeClock
) -> None:
    author = _party(registry, "Jane Austen", PartyRole.CREATOR)
    press = _party(registry, "Example Press", PartyRole.PUBLISHER)
    org = _party(registry, "Society of Authors", PartyRole.MEMBER_ORGANISATION)
    work = _work(
        registry, author, (author, "creator", 50), (press, "publisher", 49), (org, "agent", 1)
    )
    _mandate(registry, clock, org, author)
    clock.advance(seconds=1)
    # Before: being a holder itself was enough.
    with pytest.raises(PermissionDenied, match=press):
        registry.service.register_fingerprints(
            Actor(Role.ORGANISATION, org), work_id=work, text=TEXT
        )


def test_creators_of_the_work_and_admins_register_developers_never(
    registry: Registry,
) -> None:
    author = _party(registry, "Jane Austen", PartyRole.CREATOR)
    stranger = _party(registry, "Sam Other", PartyRole.CREATOR)
    work = _work(registry, author, (author, "creator", 100))
    svc = registry.service
    assert svc.register_fingerprints(Actor(Role.CREATOR, author), work_id=work, text=TEXT).count
    assert svc.register_fingerprints(SYSTEM, work_id=work, text=TEXT).replaced
    for actor in (Actor(Role.CREATOR, stranger), Actor(Role.DEVELOPER, author)):
        with pytest.raises(PermissionDenied):
            svc.register_fingerprints(actor, work_id=work, text=TEXT)
