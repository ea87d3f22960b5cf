"""Concurrent unrelated registrations of one identifier: every claim is recorded in one
dispute, none stored silently beside another (threads against the real database; on
PostgreSQL the registrations would otherwise race between the check and the write)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.works import ContributorRole, PartyRef, WorkDraft, WorkKind

ISBN = "isbn:9780306406157"
CLAIMS = 12


def test_concurrent_unrelated_claims_all_join_one_dispute(registry: Registry) -> None:
    svc = registry.service
    parties = [
        svc.create_party(
            SYSTEM, name=f"Author {n}", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
        ).id
        for n in range(CLAIMS)
    ]

    def claim(party: str) -> str:
        draft = WorkDraft(
            kind=WorkKind.BOOK,
            title=f"Book of {party}",
            identifiers=(ISBN,),
            contributors=((PartyRef(party_id=party), ContributorRole.AUTHOR),),
            holders=((PartyRef(party_id=party), "creator", Decimal(100), "all"),),
        )
        return svc.create_work(SYSTEM, draft).id

    with ThreadPoolExecutor(8) as pool:
        works = list(pool.map(claim, parties))
    [found] = svc.lookup([ISBN])
    assert sorted(w.id for w, _ in found.works) == sorted(works)
    assert found.dispute_id is not None
    disputes = svc.list_disputes(offset=0, limit=100)
    assert len(disputes) == 1
    assert sorted(disputes[0].work_ids) == sorted(works)
    assert svc.verify_ledger().ok
