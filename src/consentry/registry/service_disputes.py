"""Use cases for identifier disputes: opened when an unrelated registrant claims a registered
identifier, listed by anyone, resolved by an admin (see registry/disputes.py for the rules).

A mixin of :class:`consentry.registry.service.RegistryService`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from consentry.errors import Conflict
from consentry.limits import MAX_EVIDENCE, check_optional
from consentry.registry import events
from consentry.registry.access import Actor, Role
from consentry.registry.disputes import Dispute, relation
from consentry.registry.mandates import Mandate
from consentry.registry.works import Work

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

# Decisions learn of disputes opened or resolved by another process within this time (the
# same bound as key revocation): the set of works in open disputes is read at most once a
# second per process, so the decision path pays a set look-up, not a query.
DISPUTE_CACHE_SECONDS = 1
_CACHE_TIME = timedelta(seconds=DISPUTE_CACHE_SECONDS)

# (identifier, its open dispute or None, the works that hold it now)
Claim = tuple[str, Dispute | None, list[str]]


def work_parties(work: Work) -> set[str]:
    """The parties a work names: its holders and every contributor."""
    return set(work.consent_parties()) | {c.party_id for c in work.contributors}


@dataclass(frozen=True, slots=True)
class Relations:
    """The parties of the works that hold claimed identifiers, and the mandates that may link
    registrants to them, read once (two queries) for one registration or a whole import."""

    theirs: dict[str, set[str]]
    mandates: list[Mandate]
    at: datetime

    @classmethod
    def read(
        cls, uow: SqlUnitOfWork, registrants: Set[str], work_ids: Iterable[str], at: datetime
    ) -> Relations:
        """``registrants``: the parties of every registrant that will be asked about."""
        holders = uow.works.get_many(sorted(set(work_ids)))
        theirs = {w: work_parties(holders[w]) for w in holders}
        mandates = uow.disputes.mandates_linking(registrants, set().union(*theirs.values()))
        return cls(theirs, mandates, at)

    def why(self, mine: Set[str], work_id: str) -> str | None:
        """Why a registrant with the parties ``mine`` is related to ``work_id``
        (:func:`consentry.registry.disputes.relation`), or ``None`` when unrelated."""
        return relation(mine, self.theirs.get(work_id, set()), self.mandates, at=self.at)


def open_or_join(
    uow: SqlUnitOfWork,
    claims: Sequence[Claim],
    work_id: str,
    *,
    new_id: Callable[[], str],
    by: str,
    now: datetime,
) -> list[tuple[events.Event, Dispute]]:
    """Work ``work_id`` claims identifiers other works hold: open a dispute per identifier (or
    join its open one). Returns each ledger event with the dispute as it is now. Used by
    registration (``create_work``) and bulk import alike."""
    added: list[tuple[events.Event, Dispute]] = []
    for ident, dispute, holders in claims:
        if dispute is None:
            new = Dispute(new_id(), ident, (*holders, work_id), now, by)
            uow.disputes.add(new)
            added.append((events.dispute_opened(new.id, ident, new.work_ids), new))
            continue
        joining = [w for w in holders if w not in dispute.work_ids] + [work_id]
        uow.disputes.add_works(dispute.id, joining)
        joined = replace(dispute, work_ids=(*dispute.work_ids, *joining))
        added.append((events.dispute_joined(dispute.id, ident, joining), joined))
    return added


class DisputeCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    ids: Callable[[str], str]
    _dispute_cache: tuple[datetime, frozenset[str]] | None

    # ------------------------------------------------------------- on registration
    def _identifier_claims(
        self, uow: SqlUnitOfWork, actor: Actor, work: Work, now: datetime
    ) -> list[Claim]:
        """The identifiers of ``work`` that other works hold; Conflict when the registrant is
        related to any of those works (a duplicate, not a dispute)."""
        taken = uow.works.ids_for_identifiers(list(work.identifiers))
        if not taken:
            return []
        mine = work_parties(work) | ({actor.party_id} if actor.party_id else set())
        related = Relations.read(uow, mine, {w for ws in taken.values() for w in ws}, now)
        for ident, work_ids in sorted(taken.items()):
            for other in work_ids:
                why = related.why(mine, other)
                if why is not None:
                    raise Conflict(
                        f"identifier {ident} is already registered to work {other}, and this "
                        f"registration {why} with it: a related registrant does not register "
                        "the same identifier again",
                        identifier=ident,
                        work=other,
                    )
        disputes = uow.disputes.open_for_identifiers(list(taken))
        return [(i, disputes.get(i), ws) for i, ws in sorted(taken.items())]

    def _open_disputes(
        self, uow: SqlUnitOfWork, claims: list[Claim], work: Work, actor: Actor, now: datetime
    ) -> list[events.Event]:
        """Open a dispute per claimed identifier (or join its open one); the ledger events."""
        opened = open_or_join(
            uow, claims, work.id, new_id=lambda: self.ids("dsp"), by=actor.label, now=now
        )
        return [event for event, _ in opened]

    # ------------------------------------------------------------- reads
    def list_disputes(self, *, offset: int, limit: int, open_only: bool = False) -> list[Dispute]:
        with self._uow(False) as uow:
            return uow.disputes.page(offset=offset, limit=limit, open_only=open_only)

    def get_dispute(self, dispute_id: str) -> Dispute:
        with self._uow(False) as uow:
            return uow.disputes.get(dispute_id)

    def dispute_reasons(self, work_id: str) -> tuple[str, ...]:
        """What a decision on ``work_id`` says about its open disputes (usually nothing, for
        the price of a set look-up)."""
        if work_id not in self._disputed_works():
            return ()
        with self._uow(False) as uow:
            disputes = uow.disputes.open_for_work(work_id)
        return tuple(
            f"identifier {d.identifier} of this work is disputed (dispute {d.id}): also claimed "
            f"by work {', '.join(w for w in d.work_ids if w != work_id)} of an unrelated "
            f"registrant; until an admin resolves it, a lookup of {d.identifier} answers the "
            "most restrictive terms of the works that claim it"
            for d in disputes
        )

    def _disputed_works(self) -> frozenset[str]:
        now = self.clock()
        cached = self._dispute_cache
        if cached is not None and cached[0] <= now < cached[0] + _CACHE_TIME:
            return cached[1]
        with self._uow(False) as uow:
            works = uow.disputes.open_work_ids()
        self._dispute_cache = (now, works)
        return works

    def _forget_disputes(self) -> None:
        self._dispute_cache = None

    # ------------------------------------------------------------- resolution
    def resolve_dispute(
        self, actor: Actor, dispute_id: str, *, winner_work_id: str, note: str | None = None
    ) -> Dispute:
        """An admin names the work the identifier belongs to: the other works lose the
        identifier (they stay registered), and the resolution is a ``dispute.resolved``
        ledger entry. Resolving twice is a Conflict."""
        actor.require(Role.ADMIN)
        check_optional(note, field="note", limit=MAX_EVIDENCE)
        now = self.clock()
        with self._uow(True) as uow:
            dispute = uow.disputes.for_update(dispute_id)
            if dispute.resolved_at is not None:
                raise Conflict(
                    f"dispute {dispute_id} was already resolved at "
                    f"{dispute.resolved_at.isoformat()} for work {dispute.winner_work_id}",
                    dispute=dispute_id,
                    winner_work_id=dispute.winner_work_id,
                )
            if winner_work_id not in dispute.work_ids:
                # 409, not 422: the value is well formed; the dispute's state refuses it
                raise Conflict(
                    f"work {winner_work_id} does not claim {dispute.identifier} in dispute "
                    f"{dispute_id}; its works are {', '.join(dispute.work_ids)}",
                    field="winner_work_id",
                    value=winner_work_id,
                    expected=f"one of {', '.join(dispute.work_ids)}",
                )
            holding = uow.works.ids_for_identifiers([dispute.identifier])
            losers = sorted(
                {*holding.get(dispute.identifier, []), *dispute.work_ids} - {winner_work_id}
            )
            uow.disputes.drop_identifier(dispute.identifier, losers)
            uow.disputes.resolve(
                dispute_id, winner=winner_work_id, at=now, by=actor.label, note=note
            )
            uow.ledger.append(
                *events.dispute_resolved(
                    dispute_id, dispute.identifier, winner_work_id, losers, note
                ),
                actor=actor.label,
                at=now,
            )
            uow.commit()
            resolved = uow.disputes.get(dispute_id)
        self._forget_disputes()
        return resolved
