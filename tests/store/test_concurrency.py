"""Concurrent writers never fork the ledger: the sequence is taken under the head lock."""

from __future__ import annotations

import threading

from consentry.bootstrap import Registry
from consentry.registry.access import SYSTEM
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status


def test_parallel_declarations_keep_one_chain(registry: Registry) -> None:
    svc = registry.service
    parties = [
        svc.create_party(
            SYSTEM, name=f"Writer {i}", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
        ).id
        for i in range(4)
    ]
    errors: list[BaseException] = []
    per_thread = 15

    def work(party: str) -> None:
        try:
            for n in range(per_thread):
                status = Status.RESERVED if n % 2 else Status.ALLOWED
                svc.declare_terms(SYSTEM, party_id=party, statuses={ALL_PURPOSES[n % 5]: status})
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in parties]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = svc.verify_ledger()
    assert report.ok, report.reason
    assert report.checked == len(parties) + len(parties) * per_thread
    seqs = {d.ledger_seq for p in parties for d in _decls(registry, p)}
    assert len(seqs) == len(parties) * per_thread  # every declaration has its own entry


def _decls(registry: Registry, party: str) -> list:  # type: ignore[type-arg]
    with registry.uow() as uow:
        return uow.declarations.for_party(party)


def test_party_terms_reflect_the_latest_declaration(registry: Registry) -> None:
    svc = registry.service
    p = svc.create_party(SYSTEM, name="W", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]).id
    svc.declare_terms(SYSTEM, party_id=p, statuses={Purpose.SEARCH: Status.ALLOWED})
    assert svc.party_terms(p).status(Purpose.SEARCH) is Status.ALLOWED
    assert svc.party_terms(p).status(Purpose.AI_TRAIN) is Status.RESERVED
