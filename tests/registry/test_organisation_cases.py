"""Use cases the organisation's web pages call with the signed-in user's actor: a mandates
file imported by the organisation itself (whole or nothing, re-import a no-op, only for
itself), the schemes it runs with the works opted in now, and a campaign's notice history."""

from __future__ import annotations

import pytest
from tests.licensing.kit import cast

from consentry.bootstrap import Registry
from consentry.errors import ImportRejected, PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.membercsv import parse_mandates_csv
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose
from consentry.registry.service_members import ImportSource

GOOD = b"member,email,purposes,territories,valid_from,valid_until,evidence\n" + (
    b"Dora Writer,dora@example.org,ai-train;tdm,GB,2025-01-01,,form 1\nEli Writer,,,,,,form 2\n"
)
BAD = GOOD + b"Cat Author,,no-such-purpose,,,,form 3\n"


def _source(data: bytes) -> ImportSource:
    import hashlib

    return ImportSource("members.csv", hashlib.sha256(data).hexdigest(), "mandates-csv")


def test_an_organisation_imports_its_members_mandates_whole_or_not_at_all(
    registry: Registry,
) -> None:
    c = cast(registry)
    org = Actor(Role.ORGANISATION, c.society)
    svc = registry.service
    with pytest.raises(ImportRejected) as err:
        svc.import_mandates_file(
            org, parse_mandates_csv(BAD), organisation_id=c.society, source=_source(BAD)
        )
    assert [n for n, _ in err.value.rejects] == [3]
    assert "purposes" in err.value.rejects[0][1]
    before = svc.mandates_with_names(org)
    report = svc.import_mandates_file(
        org, parse_mandates_csv(GOOD), organisation_id=c.society, source=_source(GOOD)
    )
    assert report.created == 2 and report.parties_created == 2
    names = {name for _, name in svc.mandates_with_names(org)}
    assert {"Dora Writer", "Eli Writer"} <= names and len(names) == len(before) + 2
    again = svc.import_mandates_file(
        org, parse_mandates_csv(GOOD), organisation_id=c.society, source=_source(GOOD)
    )
    assert again.already_imported and again.created == 0
    other = svc.create_party(SYSTEM, name="Other Society", kind=PartyKind.ORGANISATION, roles=[])
    with pytest.raises(PermissionDenied):
        svc.import_mandates_file(
            Actor(Role.ORGANISATION, other.id),
            parse_mandates_csv(GOOD),
            organisation_id=c.society,
            source=_source(GOOD + b"\n"),
        )
    with pytest.raises(PermissionDenied):
        svc.import_mandates_file(
            Actor(Role.CREATOR, c.author),
            parse_mandates_csv(GOOD),
            organisation_id=c.society,
            source=_source(GOOD),
        )


def test_schemes_of_list_the_works_opted_in_now(registry: Registry) -> None:
    c = cast(registry)
    lic = registry.licensing
    scheme = lic.create_scheme(
        SYSTEM, organisation_id=c.society, name="AI Licences", purposes=["ai-train", "ai-input"]
    )
    lic.opt_in(SYSTEM, scheme.id, work_id=c.book, party_id=c.author)
    lic.opt_in(SYSTEM, scheme.id, work_id=c.poem, purposes=["ai-train"])
    lic.opt_out(SYSTEM, scheme.id, work_id=c.poem)
    [(found, opted)] = lic.schemes_of(Actor(Role.ORGANISATION, c.society), c.society)
    assert found.id == scheme.id
    assert [(o.work_id, o.party_id) for o in opted] == [(c.book, c.author)]
    with pytest.raises(PermissionDenied):
        lic.schemes_of(Actor(Role.ORGANISATION, c.author), c.society)


def test_member_distributions_show_only_the_members_amounts(registry: Registry) -> None:
    from datetime import timedelta

    from tests.accounting.kit import load, world
    from tests.accounting.test_distribute import Q1

    w = world(registry)
    svc = registry.service
    society = svc.create_party(
        SYSTEM, name="Society", kind=PartyKind.ORGANISATION, roles=[PartyRole.MEMBER_ORGANISATION]
    ).id
    svc.create_mandate(
        SYSTEM,
        organisation_id=society,
        member_id=w.author,
        purposes=list(Purpose),
        territories=["WORLD"],
        valid_from=svc.clock() - timedelta(days=1),
        valid_until=None,
        evidence="signed form",
    )
    org = Actor(Role.ORGANISATION, society)
    assert registry.accounting.member_distributions(org, society) == []
    load(registry, Q1)
    registry.accounting.distribute(SYSTEM, period="2026-Q1", pool="1000.00", currency="GBP")
    [run] = registry.accounting.member_distributions(org, society)
    assert run["period"] == "2026-Q1" and run["currency"] == "GBP"
    assert [m["party_id"] for m in run["members"]] == [w.author]  # not the poet, not the press
    assert run["members"][0]["name"] == "Ann Author" and run["members"][0]["paid"]
    with pytest.raises(PermissionDenied):
        registry.accounting.member_distributions(Actor(Role.ORGANISATION, w.author), society)
