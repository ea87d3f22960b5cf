"""Listing use cases for the web pages: the offers open to request, and a developer's own
requests and grants. A mixin of :class:`LicensingService`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from consentry.licensing.grants import Grant
from consentry.licensing.terms import LicenceRequest, Offer, OfferScope
from consentry.registry.access import Actor, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

MAX_OFFERS = 500  # offers listed at once (newest first)


@dataclass(frozen=True, slots=True)
class DeveloperLicences:
    """A developer's requests (newest first) and grants, with each grant's state ``at``."""

    requests: list[LicenceRequest]
    grants: list[tuple[Grant, str]]
    at: datetime


class ListingCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    def open_offers(self, limit: int = MAX_OFFERS) -> list[Offer]:
        """Offers not withdrawn, newest first (a public read, as ``GET /v1/offers/ID``)."""
        with self._uow(False) as uow:
            return uow.licensing.open_offers(max(1, min(limit, MAX_OFFERS)))

    def subject_names(self, offers: Sequence[Offer]) -> dict[str, str]:
        """What each offer is of, by name: a work's title, a party's name (its catalogue),
        a scheme's name; keyed by the offer's ``subject_id`` (public reads)."""
        by_scope: dict[OfferScope, set[str]] = {}
        for o in offers:
            by_scope.setdefault(o.scope, set()).add(o.subject_id)
        names: dict[str, str] = {}
        with self._uow(False) as uow:
            works = uow.works.summaries(sorted(by_scope.get(OfferScope.WORK, ())))
            names.update({w: s.title for w, s in works.items()})
            for p in sorted(by_scope.get(OfferScope.PARTY, ())):
                names[p] = f"the catalogue of {uow.parties.get(p).name}"
            for sid in sorted(by_scope.get(OfferScope.SCHEME, ())):
                names[sid] = f"the scheme {uow.licensing.get_scheme(sid).name}"
        return names

    def developer_licences(self, actor: Actor) -> DeveloperLicences:
        """The actor's own requests and grants: a developer key for its party only."""
        actor.require(Role.DEVELOPER)
        own = actor.own_party()
        now = self.clock()
        with self._uow(False) as uow:
            requests = uow.licensing.requests_of(own)
            grants = [uow.licensing.get_grant(g) for g in uow.licensing.grant_ids_of(own)]
        return DeveloperLicences(requests, [(g, g.state(now)) for g in grants], now)
