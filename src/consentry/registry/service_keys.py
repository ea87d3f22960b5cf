"""Use cases for API keys: created, listed and revoked by an admin, stored hashed,
authenticated (and cached).

A mixin of :class:`consentry.registry.service.RegistryService`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from consentry.errors import Conflict, NotFound, PermissionDenied, ValidationError
from consentry.registry import events
from consentry.registry.access import PARTY_ROLES, Actor, ApiKey, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

# Decision (issue 8): a verified key is trusted from memory for at most one second, so a key
# revoked by any process (another server worker, another host, `consentry keys revoke`) is
# refused by every process within one second. Cost: each process reads each key in use from
# the database at most once a second (one primary-key read; every other request is a dict
# hit plus a SHA-256), measured in docs/api.md. A per-request revocation check against the
# database would instead cost a round trip on every request.
AUTH_CACHE_SECONDS = 1


class KeyCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    # Verified keys, by the SHA-256 of the whole token, with the time they were checked: a
    # hit skips the database. Entries answer for AUTH_CACHE_SECONDS after their check (by the
    # injected clock; a clock that moved backwards re-checks). revoke_api_key drops the key's
    # entries here, so a revocation takes effect at once in the process that made it and
    # within AUTH_CACHE_SECONDS in every other.
    _auth_cache: dict[str, tuple[Actor, datetime]]

    def create_api_key(self, actor: Actor, *, role: Role, party_id: str | None) -> tuple[str, str]:
        """Returns ``(key_id, token)``; the token is shown once and stored only hashed."""
        actor.require(Role.ADMIN)
        if role in PARTY_ROLES and not party_id:
            raise ValidationError(
                f"a {role.value} key must name its party",
                field="party_id",
                value=None,
                expected="--party ID",
            )
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(24)
        token = f"cst_{key_id}_{secret}"
        now = self.clock()
        with self._uow(True) as uow:
            if party_id is not None:
                uow.parties.get(party_id)
            uow.keys.add(key_id, _hash_secret(secret), role.value, party_id, now)
            uow.ledger.append(
                *events.key_created(key_id, role.value, party_id), actor=actor.label, at=now
            )
            uow.commit()
        return key_id, token

    def list_api_keys(self, actor: Actor) -> list[ApiKey]:
        """Every key, revoked ones included, by creation time then id (no secrets, no hashes)."""
        actor.require(Role.ADMIN)
        with self._uow(False) as uow:
            return uow.keys.list()

    def revoke_api_key(self, actor: Actor, key_id: str) -> datetime:
        """Revoke a key from now on; returns the revocation time. Revoking twice is a Conflict."""
        actor.require(Role.ADMIN)
        now = self.clock()
        with self._uow(True) as uow:
            key = uow.keys.for_update(key_id)
            if key is None:
                raise NotFound("API key", key_id)
            if key.revoked_at is not None:
                raise Conflict(
                    f"API key {key_id} was already revoked at {key.revoked_at.isoformat()}",
                    key_id=key_id,
                    revoked_at=key.revoked_at.isoformat(),
                )
            uow.keys.revoke(key_id, now)
            uow.ledger.append(*events.key_revoked(key_id), actor=actor.label, at=now)
            uow.commit()
        # After the commit: an authentication in this process from now on reads the database.
        for digest in [d for d, (a, _) in list(self._auth_cache.items()) if a.key_id == key_id]:
            self._auth_cache.pop(digest, None)
        return now

    def cached_actor(self, token: str) -> Actor | None:
        """The actor of a key verified within AUTH_CACHE_SECONDS, from memory only (no I/O:
        the API answers it on the event loop), or None: then :meth:`authenticate`."""
        hit = self._auth_cache.get(_hash_secret(token))
        return hit[0] if hit is not None and hit[1] <= self.clock() < hit[1] + _CACHE_TIME else None

    def authenticate(self, token: str) -> Actor:
        cached = self.cached_actor(token)
        if cached is not None:
            return cached
        digest = _hash_secret(token)
        now = self.clock()
        actor = self._authenticate(token)
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[digest] = (actor, now)
        return actor

    def _authenticate(self, token: str) -> Actor:
        parts = token.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != "cst":
            raise PermissionDenied("API key is malformed", expected="cst_<id>_<secret>")
        key_id, secret = parts[1], parts[2]
        with self._uow(False) as uow:
            row = uow.keys.get(key_id)
        if row is None or not secrets.compare_digest(row[0], _hash_secret(secret)):
            raise PermissionDenied("API key is not valid")
        if row[3] is not None:
            raise PermissionDenied(f"API key {key_id} was revoked")
        return Actor(Role(row[1]), row[2], key_id)


_CACHE_TIME = timedelta(seconds=AUTH_CACHE_SECONDS)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
