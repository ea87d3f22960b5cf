"""A small licensing world on a real registry: an author and a publisher holding a book, a
second author's poem, a collective-licensing organisation, and an AI developer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind


@dataclass(frozen=True)
class Cast:
    author: str
    publisher: str
    poet: str
    society: str
    developer: str
    other_developer: str
    book: str  # author (50) + publisher (50), author is the creator
    poem: str  # poet only


def party(reg: Registry, name: str, kind: PartyKind, role: PartyRole) -> str:
    return reg.service.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id


def work(reg: Registry, title: str, author: str, holders: dict[str, int]) -> str:
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=(),
        contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
        holders=tuple(
            (PartyRef(party_id=p), "creator" if p == author else "publisher", Decimal(s), "all")
            for p, s in holders.items()
        ),
    )
    return reg.service.create_work(SYSTEM, draft).id


def cast(reg: Registry) -> Cast:
    org, person = PartyKind.ORGANISATION, PartyKind.PERSON
    author = party(reg, "Ann Author", person, PartyRole.CREATOR)
    publisher = party(reg, "Example Press", org, PartyRole.PUBLISHER)
    poet = party(reg, "Sam Poet", person, PartyRole.CREATOR)
    society = party(reg, "Authors' Licensing Society", org, PartyRole.MEMBER_ORGANISATION)
    developer = party(reg, "Acme AI", org, PartyRole.AI_DEVELOPER)
    other = party(reg, "Other AI", org, PartyRole.AI_DEVELOPER)
    book = work(reg, "Emma", author, {author: 50, publisher: 50})
    poem = work(reg, "Odes", poet, {poet: 100})
    return Cast(author, publisher, poet, society, developer, other, book, poem)
