"""API keys through the service: listed and revoked by an admin, refused at once once revoked.

On SQLite, and on PostgreSQL when configured (the shared ``registry`` fixture).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from tests.conftest import FakeClock, SequentialIds

from consentry.bootstrap import Registry, build
from consentry.config import Settings
from consentry.errors import Conflict, NotFound, PermissionDenied
from consentry.ledger.chain import LedgerEntry
from consentry.registry.access import SYSTEM, Actor, ApiKey, Role
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.service_keys import AUTH_CACHE_SECONDS


def _creator(reg: Registry) -> str:
    return reg.service.create_party(
        SYSTEM, name="Jane Writer", kind=PartyKind.PERSON, roles=[PartyRole.CREATOR]
    ).id


def _ledger(reg: Registry) -> list[LedgerEntry]:
    with reg.uow() as uow:
        entries = list(uow.ledger.entries())
    assert all(isinstance(e, LedgerEntry) for e in entries), entries
    return [e for e in entries if isinstance(e, LedgerEntry)]


def test_revoked_key_is_refused_at_once_though_it_was_cached(
    registry: Registry, clock: FakeClock
) -> None:
    svc = registry.service
    key_id, token = svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    _, other = svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    assert svc.authenticate(token).key_id == key_id  # now in this process's cache
    assert svc.authenticate(other).role is Role.ADMIN
    at = clock.advance(seconds=1)
    assert svc.revoke_api_key(SYSTEM, key_id) == at
    with pytest.raises(PermissionDenied, match=f"API key {key_id} was revoked"):
        svc.authenticate(token)  # well within AUTH_CACHE_SECONDS of the cached check
    assert svc.authenticate(other).role is Role.ADMIN  # other keys are untouched


def test_another_process_refuses_a_revoked_key_within_the_cache_time(
    registry: Registry, settings: Settings, clock: FakeClock
) -> None:
    key_id, token = registry.service.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    # a second registry on the same database stands for another server process
    worker = build(settings, clock=clock, ids=SequentialIds(), run_migrations=False)
    try:
        assert worker.service.authenticate(token).key_id == key_id
        registry.service.revoke_api_key(SYSTEM, key_id)
        clock.advance(seconds=AUTH_CACHE_SECONDS - 1)
        assert worker.service.authenticate(token).key_id == key_id  # its cache still answers
        clock.advance(seconds=1)
        with pytest.raises(PermissionDenied, match="was revoked"):
            worker.service.authenticate(token)
    finally:
        worker.close()


def test_a_revocation_holds_in_every_process_within_one_second(
    registry: Registry, settings: Settings, clock: FakeClock
) -> None:
    """Issue 8: two server workers over one database; the revocation is made in one, and the
    other, which checked the key a moment before, refuses it one second later (the clock is
    injected: nothing sleeps)."""
    key_id, token = registry.service.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    worker = build(settings, clock=clock, ids=SequentialIds(), run_migrations=False)
    try:
        assert worker.service.authenticate(token).key_id == key_id  # cached in the worker
        registry.service.revoke_api_key(SYSTEM, key_id)
        clock.advance(seconds=0.999)
        assert worker.service.authenticate(token).key_id == key_id  # still its cached check
        clock.advance(seconds=0.001)  # one second after the worker's check
        with pytest.raises(PermissionDenied, match=f"API key {key_id} was revoked"):
            worker.service.authenticate(token)
    finally:
        worker.close()


def test_a_clock_that_moved_backwards_rechecks_the_key(
    registry: Registry, settings: Settings, clock: FakeClock
) -> None:
    key_id, token = registry.service.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    worker = build(settings, clock=clock, ids=SequentialIds(), run_migrations=False)
    try:
        worker.service.authenticate(token)
        registry.service.revoke_api_key(SYSTEM, key_id)
        clock.advance(seconds=-5)  # e.g. the system clock stepped back
        with pytest.raises(PermissionDenied, match="was revoked"):
            worker.service.authenticate(token)
    finally:
        worker.close()


def test_revoking_twice_is_a_conflict_and_keeps_the_first_time(
    registry: Registry, clock: FakeClock
) -> None:
    svc = registry.service
    key_id, _ = svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    first = svc.revoke_api_key(SYSTEM, key_id)
    head = svc.verify_ledger().head_seq
    clock.advance(hours=1)
    with pytest.raises(Conflict) as caught:
        svc.revoke_api_key(SYSTEM, key_id)
    assert str(caught.value) == f"API key {key_id} was already revoked at {first.isoformat()}"
    assert caught.value.payload == {"key_id": key_id, "revoked_at": first.isoformat()}
    [listed] = [k for k in svc.list_api_keys(SYSTEM) if k.key_id == key_id]
    assert listed.revoked_at == first
    assert svc.verify_ledger().head_seq == head  # nothing recorded for the refused call


def test_unknown_key_is_not_found(registry: Registry) -> None:
    svc = registry.service
    svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    before = svc.counts()
    with pytest.raises(NotFound) as caught:
        svc.revoke_api_key(SYSTEM, "0123456789ab")
    assert "0123456789ab" in str(caught.value)
    assert (caught.value.kind, caught.value.key) == ("API key", "0123456789ab")
    assert svc.counts() == before
    assert all(k.revoked_at is None for k in svc.list_api_keys(SYSTEM))


def test_only_an_admin_may_list_or_revoke(registry: Registry) -> None:
    svc = registry.service
    party = _creator(registry)
    key_id, token = svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=party)
    for role in (Role.ORGANISATION, Role.CREATOR, Role.DEVELOPER):
        actor = Actor(role, party, "k")
        with pytest.raises(PermissionDenied, match=f"role {role.value} may not do this"):
            svc.list_api_keys(actor)
        with pytest.raises(PermissionDenied, match=f"role {role.value} may not do this"):
            svc.revoke_api_key(actor, key_id)
    # the key holder may not revoke its own key either; it still works
    with pytest.raises(PermissionDenied):
        svc.revoke_api_key(svc.authenticate(token), key_id)
    assert svc.authenticate(token) == Actor(Role.CREATOR, party, key_id)
    assert [k.revoked_at for k in svc.list_api_keys(SYSTEM)] == [None]


def test_list_shows_every_key_in_creation_order_without_secrets(
    registry: Registry, clock: FakeClock
) -> None:
    svc = registry.service
    party = _creator(registry)
    late, _ = svc.create_api_key(SYSTEM, role=Role.DEVELOPER, party_id=party)
    clock.now -= timedelta(days=1)  # created earlier than `late`, though made after it
    a, _ = svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    b, _ = svc.create_api_key(SYSTEM, role=Role.CREATOR, party_id=party)
    early = clock.now
    clock.advance(days=2)
    revoked_at = svc.revoke_api_key(SYSTEM, a)
    keys = svc.list_api_keys(SYSTEM)
    assert keys == [
        *sorted(
            [
                ApiKey(a, Role.ADMIN, None, early, revoked_at),
                ApiKey(b, Role.CREATOR, party, early, None),
            ],
            key=lambda k: k.key_id,
        ),
        ApiKey(late, Role.DEVELOPER, party, early + timedelta(days=1), None),
    ]
    assert [f.name for f in fields(ApiKey)] == [
        "key_id",
        "role",
        "party_id",
        "created_at",
        "revoked_at",
    ]


def test_revocation_is_in_the_ledger_and_the_chain_verifies(
    registry: Registry, clock: FakeClock
) -> None:
    svc = registry.service
    key_id, _ = svc.create_api_key(SYSTEM, role=Role.ADMIN, party_id=None)
    at = svc.revoke_api_key(SYSTEM, key_id)
    last = _ledger(registry)[-1]
    assert (last.kind, dict(last.payload), last.actor) == (
        "key.revoked",
        {"key_id": key_id},
        SYSTEM.label,
    )
    assert last.recorded_at == at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    report = svc.verify_ledger()
    assert report.ok and report.head_seq == last.seq
