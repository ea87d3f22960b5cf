"""What a creator sees of licensing for its works: the offers covering them (of the works,
of its catalogue, of the schemes they were opted into), the requests made under those
offers, the grants that include them and the credit records naming them. Read only.

A mixin of :class:`consentry.licensing.service.LicensingService`; a creator key reads its
own party's, an admin names the party (:func:`consentry.registry.access.member_party`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from consentry.licensing.credits import CreditRecord
from consentry.licensing.grants import Grant
from consentry.licensing.terms import LicenceRequest, Offer
from consentry.registry.access import Actor, member_party

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class PartyLicences:
    """A party's licensing records; ``works`` its works' titles by id, ``names`` the other
    parties' names (licensees, requesters) by id. A grant's works are all of the grant's;
    :meth:`own_works` keeps the party's."""

    party_id: str
    works: dict[str, str]
    offers: list[Offer] = field(default_factory=list)
    requests: list[LicenceRequest] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    credits: list[CreditRecord] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def own_works(self, grant: Grant) -> list[tuple[str, str, list[str]]]:
        """(work id, title, purposes) of the party's works in ``grant``."""
        return [
            (w, self.works[w], [p.value for p in purposes])
            for w, purposes in grant.works
            if w in self.works
        ]


class PartyReads:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    def licences_of(self, actor: Actor, party_id: str | None = None) -> PartyLicences:
        party = member_party(actor, party_id)
        with self._uow(False) as uow:
            uow.parties.get(party)  # NotFound names an unknown party
            work_ids = uow.notices.works_of_parties([party]).get(party, [])
            titles = uow.notices.titles_and_identifiers(work_ids)
            lic = uow.licensing
            subjects = [*work_ids, party, *lic.schemes_of_works(work_ids)]
            offers = {o.id: o for o in lic.offers_for_subjects(subjects)}
            for offer_id in lic.offers_of_party(party):
                offers.setdefault(offer_id, lic.get_offer(offer_id))
            ordered = sorted(offers.values(), key=lambda o: (o.created_at, o.id))
            grants = [lic.get_grant(g) for g in lic.grant_ids_for_works(work_ids)]
            out = PartyLicences(
                party,
                {w: titles.get(w, ("", ()))[0] for w in work_ids},
                ordered,
                lic.requests_of_offers([o.id for o in ordered]),
                sorted(grants, key=lambda g: (g.valid_from, g.id)),
                lic.credits_of_works(work_ids),
            )
            others = {r.developer_id for r in out.requests} | {g.licensee_id for g in grants}
            others |= {c.licensee_id for c in out.credits}
            out.names.update({p.id: p.name for p in uow.parties.get_many(sorted(others)).values()})
        return out
