"""A small world for the notices tests: a society with members under different mandates
(in force for every purpose, withdrawn, expired, ai-train only, none), their works, and AI
developers with and without an email address."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import Purpose
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind
from tests.conftest import FakeClock


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return f"isbn:{body}{(10 - total % 10) % 10}"


@dataclass
class NoticeWorld:
    registry: Registry
    clock: FakeClock
    org: str
    members: dict[str, str] = field(default_factory=dict)  # label -> party id
    works: dict[str, list[str]] = field(default_factory=dict)  # label -> work ids
    developers: dict[str, str] = field(default_factory=dict)  # label -> party id
    mandates: dict[str, str] = field(default_factory=dict)  # label -> mandate id


def add_work(reg: Registry, party: str, title: str, number: int) -> str:
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=(isbn13(number),),
        contributors=((PartyRef(party_id=party), ContributorRole.AUTHOR),),
        holders=((PartyRef(party_id=party), "creator", Decimal(100), "all"),),
    )
    return reg.service.create_work(SYSTEM, draft).id


def build_world(reg: Registry, clock: FakeClock) -> NoticeWorld:
    svc = reg.service
    org = svc.create_party(
        SYSTEM,
        name="Society of Authors",
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "notices@society.example")],
    )
    w = NoticeWorld(reg, clock, org.id)
    number = 1000
    for label in ("ann", "bob", "cat", "dan", "eve"):
        p = svc.create_party(
            SYSTEM, name=f"{label.title()} Author", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
        )
        w.members[label] = p.id
        w.works[label] = []
        for k in range(2):
            number += 1
            w.works[label].append(add_work(reg, p.id, f"{label.title()}'s book {k + 1}", number))
    now = clock()

    def grant(label: str, purposes: list[Purpose], until: timedelta | None = None) -> str:
        m = svc.create_mandate(
            SYSTEM,
            organisation_id=org.id,
            member_id=w.members[label],
            purposes=purposes,
            territories=["WORLD"],
            valid_from=now - timedelta(days=10),
            valid_until=now + until if until else None,
            evidence=f"signed form {label}",
        )
        w.mandates[label] = m.id
        return m.id

    grant("ann", list(Purpose))
    grant("cat", list(Purpose))
    grant("dan", [Purpose.AI_TRAIN])
    grant("eve", list(Purpose), until=timedelta(days=1))
    svc.withdraw_mandate(SYSTEM, w.mandates["cat"])
    # bob: no mandate at all
    for label, email in (
        ("openai", "copyright@openai.example"),
        ("anthropic", "legal@anthropic.example"),
        ("nomail", None),
    ):
        dev = svc.create_party(
            SYSTEM,
            name=f"{label.title()} Labs",
            kind=PartyKind.ORGANISATION,
            roles=[PartyRole.AI_DEVELOPER],
            contacts=[ContactPoint("email", email)] if email else [],
        )
        w.developers[label] = dev.id
    clock.advance(days=2)  # eve's mandate has now ended
    return w


@pytest.fixture
def world(registry: Registry, clock: FakeClock) -> NoticeWorld:
    return build_world(registry, clock)
