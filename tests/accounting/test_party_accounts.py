"""A creator's own accounts (accounting/service_party.py): the usage naming its works and
its statements of closed distributions, rebuilt from the run's inputs as the command line
wrote them; never another creator's."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentry.accounting.statements import statement_csv
from consentry.bootstrap import Registry
from consentry.cli.accounting import write_outputs
from consentry.errors import PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from tests.accounting.kit import EMMA, ODES, load, world
from tests.accounting.test_distribute import Q1


def test_usage_naming_my_works_only(registry: Registry) -> None:
    w = world(registry)
    load(registry, Q1)
    ann = registry.accounting.usage_of(Actor(Role.CREATOR, w.author))
    assert [(d["work_id"], d["identifier"], d["units_milli"]) for d in ann] == [
        (w.emma, EMMA, 2_000_000)
    ]
    assert ann[0]["title"] == "Emma" and ann[0]["licensee"] == "Acme AI"
    sam = registry.accounting.usage_of(Actor(Role.CREATOR, w.poet))
    assert [d["identifier"] for d in sam] == [ODES]
    assert registry.accounting.usage_of(SYSTEM, w.poet) == sam


def test_statements_are_the_ones_distribute_wrote(registry: Registry, tmp_path: Path) -> None:
    w = world(registry)
    load(registry, Q1)
    result = registry.accounting.distribute(
        SYSTEM, period="2026-Q1", pool="1000.00", currency="GBP"
    )
    write_outputs(result, registry.accounting.statement_data(result), tmp_path, pdf=False)
    [mine] = registry.accounting.statements_of(Actor(Role.CREATOR, w.author))
    assert mine.problem is None and mine.statement is not None
    written = (tmp_path / "statements" / f"{w.author}.csv").read_text(encoding="utf-8")
    assert statement_csv(mine.statement) == written
    assert [ln.work_id for ln in mine.statement.lines] == [w.emma]
    [sams] = registry.accounting.statements_of(Actor(Role.CREATOR, w.poet))
    assert sams.statement is not None and {ln.work_id for ln in sams.statement.lines} == {w.odes}


def test_only_creators_and_admins_read_a_partys_accounts(registry: Registry) -> None:
    w = world(registry)
    for role in (Role.ORGANISATION, Role.DEVELOPER):
        with pytest.raises(PermissionDenied):
            registry.accounting.usage_of(Actor(role, w.author))
        with pytest.raises(PermissionDenied):
            registry.accounting.statements_of(Actor(role, w.author))
