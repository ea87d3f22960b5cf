"""Use cases for mandates: granted by the member, withdrawn by either side, listed by party.

A mixin of :class:`consentry.registry.service.RegistryService` (one class for the callers,
one module per group of use cases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from consentry.errors import Conflict, PermissionDenied, ValidationError
from consentry.limits import optional_utc, utc_time
from consentry.registry import events
from consentry.registry.access import Actor, Role
from consentry.registry.events import Event
from consentry.registry.mandates import WORLD, Mandate
from consentry.registry.parties import PartyRole
from consentry.registry.purposes import Purpose

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


def grant_mandates(
    uow: SqlUnitOfWork, organisation_id: str, mandates: Sequence[Mandate], *, created_at: datetime
) -> list[Event]:
    """Store mandates an organisation holds (each from an existing member); their ledger
    events, for the caller to append in the same transaction. The one way a mandate is
    granted: through the API (one) and ``consentry mandates import`` (a file of them)."""
    org = uow.parties.get(organisation_id)
    if PartyRole.MEMBER_ORGANISATION not in org.roles:
        raise ValidationError(
            f"party {organisation_id} is not a member organisation",
            field="organisation_id",
            value=organisation_id,
            expected="a party with role member-organisation",
        )
    for m in mandates:
        if m.organisation_id != organisation_id or m.member_id == organisation_id:
            raise ValidationError(
                f"mandate {m.id} is from {m.member_id} to {m.organisation_id}, expected a "
                f"member other than the organisation {organisation_id}",
                field="organisation_id",
                value=m.organisation_id,
                expected=organisation_id,
            )
    uow.members.add_mandates(mandates, created_at=created_at)
    return [events.mandate_created(m) for m in mandates]


class MandateCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    ids: Callable[[str], str]

    def create_mandate(
        self,
        actor: Actor,
        *,
        organisation_id: str,
        member_id: str,
        purposes: Iterable[Purpose],
        territories: Iterable[str],
        valid_from: datetime,
        valid_until: datetime | None,
        evidence: str,
    ) -> Mandate:
        # A developer key is for lookups and decisions only, even when its party is the member.
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        if not (actor.role is Role.ADMIN or actor.party_id == member_id):
            raise PermissionDenied(
                "only the member (or an admin) may grant a mandate; an organisation cannot "
                "grant itself one",
                member=member_id,
            )
        utc_time(valid_from, field="valid_from")  # has an offset and fits UTC (kept as given)
        optional_utc(valid_until, field="valid_until")
        mandate = Mandate(
            id=self.ids("m"),
            organisation_id=organisation_id,
            member_id=member_id,
            purposes=frozenset(purposes),
            territories=frozenset(t.strip().upper() for t in territories) or frozenset({WORLD}),
            valid_from=valid_from,
            valid_until=valid_until,
            evidence=evidence,
        )
        if organisation_id == member_id:
            raise ValidationError(
                "a party cannot hold a mandate from itself",
                field="organisation_id",
                value=organisation_id,
                expected="an organisation other than the member",
            )
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)  # time in ledger order
            uow.parties.get(member_id)
            granted = grant_mandates(uow, organisation_id, [mandate], created_at=now)
            uow.ledger.append_many(granted, actor=actor.label, at=now)
            uow.commit()
        return mandate

    def withdraw_mandate(self, actor: Actor, mandate_id: str) -> Mandate:
        # Refused by role before the mandate is read: a developer key whose party is the
        # member or the organisation is still a key for lookups and decisions only.
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        with self._uow(True) as uow:
            # Withdrawal time in ledger order: a declaration recorded after it sees it.
            now = uow.ledger.locked_now(self.clock)
            m = uow.mandates.get(mandate_id)
            if actor.role is not Role.ADMIN and actor.party_id not in (
                m.member_id,
                m.organisation_id,
            ):
                raise PermissionDenied(
                    f"mandate {mandate_id} is not yours to withdraw", mandate=mandate_id
                )
            if m.withdrawn_at is not None:
                raise Conflict(
                    f"mandate {mandate_id} was already withdrawn at {m.withdrawn_at.isoformat()}",
                    mandate=mandate_id,
                )
            uow.mandates.withdraw(mandate_id, now)
            uow.ledger.append(*events.mandate_withdrawn(mandate_id), actor=actor.label, at=now)
            uow.commit()
            return uow.mandates.get(mandate_id)

    def list_mandates(
        self, actor: Actor, *, offset: int, limit: int, organisation_id: str | None = None
    ) -> list[Mandate]:
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        party = None if actor.role is Role.ADMIN else actor.party_id
        if party is None and actor.role is not Role.ADMIN:
            raise PermissionDenied(
                f"a {actor.role.value} key without a party has no mandates to list",
                role=actor.role.value,
            )
        with self._uow(False) as uow:
            return uow.mandates.page(
                offset=offset, limit=limit, party_id=party, organisation_id=organisation_id
            )

    def get_mandate(self, actor: Actor, mandate_id: str) -> Mandate:
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        with self._uow(False) as uow:
            m = uow.mandates.get(mandate_id)
        if actor.role is not Role.ADMIN and actor.party_id not in (m.member_id, m.organisation_id):
            raise PermissionDenied(f"mandate {mandate_id} is not yours", mandate=mandate_id)
        return m
