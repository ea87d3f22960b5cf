"""A small accounting world on a real registry: two books and a poem, holders with shares,
and usage reports written as CSV text."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from consentry.accounting.usage import parse_report
from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

HEADER = "licensee,model,purpose,period,identifier,units,unit\n"
EMMA = "isbn:9780007232833"
ODES = "isbn:9788871184371"
LOST = "isbn:9789999999991"  # valid, registered to no work


@dataclass(frozen=True)
class World:
    author: str
    publisher: str
    poet: str
    emma: str
    odes: str


def party(reg: Registry, name: str, kind: PartyKind, role: PartyRole) -> str:
    return reg.service.create_party(SYSTEM, name=name, kind=kind, roles=[role]).id


def work(reg: Registry, title: str, ident: str, author: str, holders: dict[str, str]) -> str:
    draft = WorkDraft(
        kind=WorkKind.BOOK,
        title=title,
        identifiers=(ident,),
        contributors=((PartyRef(party_id=author), ContributorRole.AUTHOR),),
        holders=tuple(
            (PartyRef(party_id=p), "creator" if p == author else "publisher", Decimal(s), "all")
            for p, s in holders.items()
        ),
    )
    return reg.service.create_work(SYSTEM, draft).id


def world(reg: Registry) -> World:
    person, org = PartyKind.PERSON, PartyKind.ORGANISATION
    author = party(reg, "Ann Author", person, PartyRole.CREATOR)
    publisher = party(reg, "Example Press", org, PartyRole.PUBLISHER)
    poet = party(reg, "Sam Poet", person, PartyRole.CREATOR)
    emma = work(reg, "Emma", EMMA, author, {author: "50", publisher: "50"})
    odes = work(reg, "Odes", ODES, poet, {poet: "100"})
    return World(author, publisher, poet, emma, odes)


def report(text: str, name: str = "usage.csv"):  # type: ignore[no-untyped-def]
    return parse_report(text.encode(), name=name)


def load(reg: Registry, text: str, name: str = "usage.csv") -> None:
    reg.accounting.import_usage(SYSTEM, report(text, name), filename=name)
