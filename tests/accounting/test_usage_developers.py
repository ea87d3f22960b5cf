"""A developer reports its own usage: the same format and import as the operator's, whole
file or nothing, each invalid record named with its column, value and expectation; a line
naming another licensee refuses the report."""

from __future__ import annotations

import pytest

from consentry.bootstrap import Registry
from consentry.errors import ImportRejected, PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.parties import PartyKind, PartyRole
from tests.accounting.kit import EMMA, HEADER, report, world


def developer(reg: Registry, name: str = "Acme AI") -> Actor:
    party = reg.service.create_party(
        SYSTEM, name=name, kind=PartyKind.ORGANISATION, roles=[PartyRole.AI_DEVELOPER]
    )
    return Actor(Role.DEVELOPER, party.id)


def test_record_problems_name_the_record_column_value_and_expectation() -> None:
    r = report(
        HEADER
        + f"Acme AI,m,ai-train,2026-Q1,{EMMA},1,tokens\n"
        + f"Acme AI,m,ai-train,2026-Q5,{EMMA},1,tokens\n"
        + "Acme AI,m,ai-train\n"
    )
    assert [p.to_json() for p in r.problems] == [
        {
            "record": 2,
            "field": "period",
            "value": "2026-Q5",
            "expected": "YYYY-Qn (2026-Q1) or YYYY-MM (2026-03)",
            "reason": r.rejects[0][1],
        },
        {
            "record": 3,
            "field": None,
            "value": None,
            "expected": None,
            "reason": r.rejects[1][1],
        },
    ]
    assert [n for n, _ in r.rejects] == [2, 3]


def test_a_developer_imports_its_own_usage(registry: Registry) -> None:
    world(registry)
    dev = developer(registry)
    text = HEADER + f"ACME  ai,acme-1,ai-train,2026-Q1,{EMMA},1200,tokens\n"
    done = registry.accounting.import_usage(dev, report(text), filename="usage.csv")
    assert done.imported == 1 and not done.already_imported
    again = registry.accounting.import_usage(dev, report(text), filename="usage.csv")
    assert again.already_imported


def test_a_developer_may_not_report_another_licensee(registry: Registry) -> None:
    w = world(registry)
    dev = developer(registry)
    before = registry.service.counts()["ledger"]
    text = (
        HEADER
        + f"Acme AI,acme-1,ai-train,2026-Q1,{EMMA},1,tokens\n"
        + f"Other AI,o-1,ai-train,2026-Q1,{EMMA},1,tokens\n"
    )
    with pytest.raises(PermissionDenied, match="line 2 names licensee 'Other AI'"):
        registry.accounting.import_usage(dev, report(text), filename="usage.csv")
    bad = HEADER + f"Acme AI,acme-1,ai-train,2026-Q9,{EMMA},1,tokens\n"
    with pytest.raises(ImportRejected):
        registry.accounting.import_usage(dev, report(bad), filename="usage.csv")
    assert registry.service.counts()["ledger"] == before  # nothing stored
    creator = Actor(Role.CREATOR, w.author)
    with pytest.raises(PermissionDenied):
        registry.accounting.import_usage(creator, report(text), filename="usage.csv")
