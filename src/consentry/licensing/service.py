"""Licensing use cases: schemes and opt-ins, offers, requests, grants, revocation.

Each public method is one transaction through the unit of work and appends its ledger
event in it. Who may do what:

- **offer** a work: its rights holders and creative contributors (each for itself: a
  creator key for its own party, an organisation for members whose mandate covers the
  offer's purposes and territory, an admin for any); a catalogue: the party (same rule);
  a scheme: the organisation that runs it (or an admin);
- **join** an offer (agree to it as a further holder of its works): the same rule;
- **opt in** a work to a scheme: each consent party of the work, for itself (same rule);
- **request**: a developer key for its own party, which must have the role
  ``ai-developer`` (or an admin naming one);
- **grant** and **revoke**: the licensors' side (a party of the offer, the scheme's
  organisation) or an admin. A grant covers what every consent party agreed to
  (``licensing/grants.py``); it is signed with the registry's key.

Credits are in ``service_credits.py`` and listings (open offers, a developer's requests and
grants) in ``service_listing.py`` (mixins, as the registry service has).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import Conflict, PermissionDenied, ValidationError
from consentry.licensing import events
from consentry.licensing.grants import Grant, WorkCoverage, agreed_purposes, opted_in, validity
from consentry.licensing.service_credits import CreditCases
from consentry.licensing.service_listing import ListingCases
from consentry.licensing.service_party import PartyReads
from consentry.licensing.terms import (
    LicenceRequest,
    LicenceTerms,
    Offer,
    OfferScope,
    OptIn,
    Scheme,
    parse_purposes,
    scheme_name,
)
from consentry.registry.access import Actor, Role
from consentry.registry.mandates import authorise
from consentry.registry.parties import PartyKind, PartyRole
from consentry.registry.purposes import Purpose
from consentry.registry.territories import WORLD
from consentry.registry.works import Work

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

Signer = Callable[[Mapping[str, Any]], dict[str, Any]]
PAGE = 1000


class LicensingService(CreditCases, PartyReads, ListingCases):
    def __init__(
        self,
        uow: Callable[[bool], SqlUnitOfWork],
        *,
        clock: Callable[[], datetime],
        ids: Callable[[str], str],
        sign: Signer,
    ) -> None:
        self._uow = uow
        self.clock = clock
        self.ids = ids
        self._sign = sign

    # ------------------------------------------------------------- acting for parties
    def _act_for(
        self,
        uow: SqlUnitOfWork,
        actor: Actor,
        party_id: str,
        *,
        purposes: Iterable[Purpose],
        territory: str,
        now: datetime,
    ) -> None:
        """Refuse unless ``actor`` may agree to licensing for ``party_id``."""
        actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
        if actor.role is Role.ADMIN or actor.party_id == party_id:
            return
        if actor.role is Role.CREATOR:
            raise PermissionDenied(
                f"a creator key for party {actor.party_id} may only license for itself, "
                f"not for party {party_id}",
                party=party_id,
            )
        org = actor.own_party()
        authorise(
            uow.mandates.between(org, party_id),
            organisation_id=org,
            member_id=party_id,
            purposes=purposes,
            at=now,
            territory=territory,
        )

    # ------------------------------------------------------------- schemes
    def create_scheme(
        self, actor: Actor, *, organisation_id: str, name: str, purposes: Iterable[str | Purpose]
    ) -> Scheme:
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION and actor.own_party() != organisation_id:
            raise PermissionDenied(
                f"organisation {actor.party_id} may only create schemes it runs itself, "
                f"not for {organisation_id}",
                party=organisation_id,
            )
        wanted = parse_purposes(purposes)
        title = scheme_name(name)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            org = uow.parties.get(organisation_id)
            if org.kind is not PartyKind.ORGANISATION:
                raise ValidationError(
                    f"party {organisation_id} is a {org.kind.value}, not an organisation",
                    field="organisation",
                    value=organisation_id,
                    expected="an organisation party",
                )
            scheme = Scheme(self.ids("sch"), organisation_id, title, wanted, now)
            entry = uow.ledger.append(*events.scheme_created(scheme), actor=actor.label, at=now)
            uow.licensing.add_scheme(scheme, ledger_seq=entry.seq)
            uow.commit()
        return scheme

    def get_scheme(self, scheme_id: str) -> Scheme:
        with self._uow(False) as uow:
            return uow.licensing.get_scheme(scheme_id)

    def schemes_of(self, actor: Actor, organisation_id: str) -> list[tuple[Scheme, list[OptIn]]]:
        """The schemes an organisation runs, each with the works opted in now (one row per
        work and party: its latest opt-in, when it still names a purpose). The organisation
        itself (or an admin) reads them."""
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION and actor.own_party() != organisation_id:
            raise PermissionDenied(
                f"the schemes of organisation {organisation_id} are not yours to list",
                party=organisation_id,
            )
        with self._uow(False) as uow:
            out = []
            for scheme in uow.licensing.schemes(organisation_id):
                latest = {(o.work_id, o.party_id): o for o in uow.licensing.opt_ins(scheme.id)}
                out.append((scheme, [o for o in latest.values() if o.purposes]))
        return out

    def opt_in(
        self,
        actor: Actor,
        scheme_id: str,
        *,
        work_id: str,
        purposes: Iterable[str | Purpose] | None = None,
        party_id: str | None = None,
    ) -> list[OptIn]:
        """Opt a work into a scheme for ``purposes`` (default: all the scheme's), for
        ``party_id`` or (None) every consent party the actor may act for. Adds to what the
        party opted in before; each returned row holds the party's whole set."""
        return self._opt(actor, scheme_id, work_id, purposes, party_id, out=False)

    def opt_out(
        self,
        actor: Actor,
        scheme_id: str,
        *,
        work_id: str,
        purposes: Iterable[str | Purpose] | None = None,
        party_id: str | None = None,
    ) -> list[OptIn]:
        """Take a work out of a scheme for ``purposes`` (default: all). Future grants leave
        it out; grants already made stand until revoked."""
        return self._opt(actor, scheme_id, work_id, purposes, party_id, out=True)

    def _opt(
        self,
        actor: Actor,
        scheme_id: str,
        work_id: str,
        purposes: Iterable[str | Purpose] | None,
        party_id: str | None,
        *,
        out: bool,
    ) -> list[OptIn]:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            scheme = uow.licensing.get_scheme(scheme_id)
            work = uow.works.get(work_id)
            wanted = parse_purposes(purposes) if purposes is not None else scheme.purposes
            outside = sorted(p.value for p in set(wanted) - set(scheme.purposes))
            if outside:
                raise ValidationError(
                    f"scheme {scheme_id} licenses {', '.join(p.value for p in scheme.purposes)}"
                    f", not {', '.join(outside)}",
                    field="purposes",
                    value=outside,
                    expected="purposes of the scheme",
                )
            parties = self._parties_for(actor, work, party_id)
            if not parties:
                raise ValidationError(
                    f"work {work_id} records no rights holder or creator to opt it in or out",
                    field="work_id",
                    value=work_id,
                    expected="a work with at least one holder or creative contributor",
                )
            for p in parties:
                self._act_for(uow, actor, p, purposes=wanted, territory=WORLD, now=now)
            before = uow.licensing.opt_ins(scheme_id, work_id)
            rows = []
            for p in parties:
                current = opted_in(before, scheme_id, work_id, p)
                now_set = current - set(wanted) if out else current | set(wanted)
                rows.append(OptIn(scheme_id, work_id, p, tuple(sorted(now_set)), now))
            event = events.opted_out(rows) if out else events.opted_in(rows)
            entry = uow.ledger.append(*event, actor=actor.label, at=now)
            uow.licensing.add_opt_ins(rows, ledger_seq=entry.seq)
            uow.commit()
        return rows

    @staticmethod
    def _parties_for(actor: Actor, work: Work, party_id: str | None) -> tuple[str, ...]:
        """The consent parties an act names: one (checked to be one), or by default the
        actor's own party (a creator) or all of them (an admin or organisation)."""
        parties = work.consent_parties()
        if party_id is None and actor.role is Role.CREATOR:
            party_id = actor.own_party()
            if party_id not in parties:
                raise PermissionDenied(
                    f"a creator key for party {party_id} acts only for works it holds rights "
                    f"in or created; it has no part in work {work.id}",
                    party=party_id,
                )
        if party_id is None:
            return parties
        if party_id not in parties:
            raise ValidationError(
                f"party {party_id} is neither a rights holder nor a creator of work {work.id}",
                field="party",
                value=party_id,
                expected="a holder or creative contributor of the work",
            )
        return (party_id,)

    # ------------------------------------------------------------- offers
    def make_offer(
        self,
        actor: Actor,
        *,
        scope: OfferScope,
        subject_id: str,
        terms: LicenceTerms,
        by: Sequence[str] = (),
    ) -> Offer:
        """An offer of ``terms``; ``by``: for a work offer, the consent parties making it
        (default: the actor's own party, or every consent party for an admin or an
        organisation, each checked)."""
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            parties = self._offer_parties(uow, actor, scope, subject_id, terms, by, now)
            offer = Offer(self.ids("of"), scope, subject_id, terms, parties, now, actor.label)
            entry = uow.ledger.append(*events.offer_made(offer), actor=actor.label, at=now)
            offer = Offer(offer.id, scope, subject_id, terms, parties, now, actor.label, entry.seq)
            uow.licensing.add_offer(offer)
            uow.commit()
        return offer

    def _offer_parties(
        self,
        uow: SqlUnitOfWork,
        actor: Actor,
        scope: OfferScope,
        subject_id: str,
        terms: LicenceTerms,
        by: Sequence[str],
        now: datetime,
    ) -> tuple[str, ...]:
        if scope is OfferScope.SCHEME:
            scheme = uow.licensing.get_scheme(subject_id)
            self._act_for_scheme(actor, scheme)
            outside = sorted(p.value for p in set(terms.purposes) - set(scheme.purposes))
            if outside:
                raise ValidationError(
                    f"scheme {scheme.id} licenses {', '.join(p.value for p in scheme.purposes)}"
                    f"; an offer for it cannot offer {', '.join(outside)}",
                    field="purposes",
                    value=outside,
                    expected="purposes of the scheme",
                )
            return ()
        if scope is OfferScope.PARTY:
            uow.parties.get(subject_id)
            parties: tuple[str, ...] = (subject_id,)
        else:
            work = uow.works.get(subject_id)
            if by:
                parties = tuple(
                    dict.fromkeys(p for b in by for p in self._parties_for(actor, work, b))
                )
            else:
                parties = self._parties_for(actor, work, None)
            if not parties:
                raise ValidationError(
                    f"work {subject_id} records no rights holder or creator to offer it",
                    field="subject_id",
                    value=subject_id,
                    expected="a work with at least one holder or creative contributor",
                )
        for p in parties:
            self._act_for(
                uow, actor, p, purposes=terms.purposes, territory=terms.territory, now=now
            )
        return parties

    @staticmethod
    def _act_for_scheme(actor: Actor, scheme: Scheme) -> None:
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION and actor.own_party() != scheme.organisation_id:
            raise PermissionDenied(
                f"scheme {scheme.id} is run by organisation {scheme.organisation_id}, "
                f"not by {actor.party_id}",
                scheme=scheme.id,
            )

    def join_offer(self, actor: Actor, offer_id: str, *, party_id: str) -> Offer:
        """A further holder agrees to a work or catalogue offer."""
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            offer = uow.licensing.get_offer(offer_id)
            if offer.scope is OfferScope.SCHEME:
                raise Conflict(
                    f"offer {offer_id} is a scheme's: its works' holders opt in to scheme "
                    f"{offer.subject_id} instead of joining",
                    offer=offer_id,
                )
            if offer.scope is OfferScope.WORK:
                self._parties_for(actor, uow.works.get(offer.subject_id), party_id)
            terms = offer.terms
            self._act_for(
                uow, actor, party_id, purposes=terms.purposes, territory=terms.territory, now=now
            )
            if party_id in offer.parties:
                return offer  # joined already: nothing to record
            uow.ledger.append(*events.offer_joined(offer_id, party_id), actor=actor.label, at=now)
            uow.licensing.add_offer_parties(offer_id, [party_id], at=now)
            offer = uow.licensing.get_offer(offer_id)
            uow.commit()
        return offer

    def withdraw_offer(self, actor: Actor, offer_id: str) -> Offer:
        """No further requests or grants under the offer; grants made stand (revoke them)."""
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            offer = uow.licensing.get_offer(offer_id)
            if offer.withdrawn_at is not None:
                raise Conflict(
                    f"offer {offer_id} was already withdrawn at {offer.withdrawn_at.isoformat()}",
                    offer=offer_id,
                )
            self._act_for_licensors(uow, actor, offer, now)
            uow.ledger.append(*events.offer_withdrawn(offer_id), actor=actor.label, at=now)
            uow.licensing.withdraw_offer(offer_id, now)
            offer = uow.licensing.get_offer(offer_id)
            uow.commit()
        return offer

    def get_offer(self, offer_id: str) -> Offer:
        with self._uow(False) as uow:
            return uow.licensing.get_offer(offer_id)

    def export_offer(
        self, offer_id: str, fmt: str, *, url: str | None = None, request_url: str | None = None
    ) -> tuple[str, bytes]:
        """The offer as ODRL JSON-LD or RSL 1.0 XML: ``(media type, bytes)``."""
        from consentry.licensing import exports

        if fmt not in ("odrl", "rsl"):
            raise ValidationError(
                f"export format {fmt!r} is not odrl or rsl",
                field="format",
                value=fmt,
                expected="odrl or rsl",
            )
        with self._uow(False) as uow:
            offer = uow.licensing.get_offer(offer_id)
            licensors = list(offer.parties)
            if offer.scope is OfferScope.SCHEME:
                licensors = [uow.licensing.get_scheme(offer.subject_id).organisation_id]
            names = {p.id: p.name for p in uow.parties.get_many(licensors).values()}
        if fmt == "rsl":
            return "application/rsl+xml", exports.rsl_licence(
                offer, url=url, request_url=request_url
            )
        policy = exports.odrl_offer(offer, licensors, names)
        return "application/ld+json", json.dumps(policy, indent=2, ensure_ascii=False).encode()

    # ------------------------------------------------------------- requests
    def request(
        self, actor: Actor, offer_id: str, *, developer_id: str | None = None
    ) -> LicenceRequest:
        actor.require(Role.ADMIN, Role.DEVELOPER)
        if actor.role is Role.DEVELOPER:
            own = actor.own_party()
            if developer_id not in (None, own):
                raise PermissionDenied(
                    f"a developer key for party {own} may only request licences for itself, "
                    f"not for party {developer_id}",
                    party=developer_id,
                )
            developer_id = own
        if developer_id is None:
            raise ValidationError(
                "no developer named", field="developer", value=None, expected="a party id"
            )
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            offer = uow.licensing.get_offer(offer_id)
            if offer.withdrawn_at is not None:
                raise Conflict(f"offer {offer_id} was withdrawn", offer=offer_id)
            party = uow.parties.get(developer_id)
            if PartyRole.AI_DEVELOPER not in party.roles:
                raise ValidationError(
                    f"party {developer_id} does not have the role ai-developer",
                    field="developer",
                    value=developer_id,
                    expected="a party with the role ai-developer",
                )
            req = LicenceRequest(self.ids("rq"), offer_id, developer_id, now)
            entry = uow.ledger.append(*events.requested(req), actor=actor.label, at=now)
            uow.licensing.add_request(req, ledger_seq=entry.seq)
            uow.commit()
        return req

    # ------------------------------------------------------------- grants
    def _act_for_licensors(
        self, uow: SqlUnitOfWork, actor: Actor, offer: Offer, now: datetime
    ) -> list[str]:
        """The licensors (offer parties or the scheme's organisation); refuse an actor that
        is none of them, acts for none of them, and is not an admin."""
        if offer.scope is OfferScope.SCHEME:
            scheme = uow.licensing.get_scheme(offer.subject_id)
            self._act_for_scheme(actor, scheme)
            return [scheme.organisation_id]
        licensors = list(offer.parties)
        refusals: list[PermissionDenied] = []
        for p in licensors:
            try:
                self._act_for(
                    uow,
                    actor,
                    p,
                    purposes=offer.terms.purposes,
                    territory=offer.terms.territory,
                    now=now,
                )
                return licensors
            except PermissionDenied as exc:
                refusals.append(exc)
        raise refusals[0] if refusals else PermissionDenied(f"offer {offer.id} has no licensors")

    def grant(self, actor: Actor, request_id: str) -> Grant:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            req = uow.licensing.get_request(request_id)
            if req.grant_id is not None:
                raise Conflict(
                    f"request {request_id} was already granted as {req.grant_id}",
                    request=request_id,
                    grant=req.grant_id,
                )
            offer = uow.licensing.get_offer(req.offer_id)
            if offer.withdrawn_at is not None:
                raise Conflict(f"offer {offer.id} was withdrawn", offer=offer.id)
            licensors = self._act_for_licensors(uow, actor, offer, now)
            covered, excluded = self._coverage(uow, offer)
            grant_id = self.ids("gr")
            valid_from, valid_until = validity(offer.terms, now)
            payload = events.grant_payload(
                grant_id=grant_id,
                request=req,
                offer=offer,
                licensors=licensors,
                covered=covered,
                excluded=excluded,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            entry = uow.ledger.append(*events.granted(payload), actor=actor.label, at=now)
            document = self._sign(
                {
                    "declaration": payload,
                    "declared_by": ", ".join(licensors),
                    "ledger_seq": entry.seq,
                    "ledger_hash": entry.hash,
                    "recorded_at": entry.recorded_at,
                }
            )
            grant = Grant(
                grant_id,
                req.id,
                offer.id,
                req.developer_id,
                offer.terms,
                tuple((c.work_id, c.purposes) for c in covered),
                valid_from,
                valid_until,
                None,
                entry.seq,
                document,
            )
            uow.licensing.add_grant(grant)
            uow.commit()
        return grant

    def _coverage(
        self, uow: SqlUnitOfWork, offer: Offer
    ) -> tuple[list[WorkCoverage], list[WorkCoverage]]:
        """Per candidate work, what every consent party agreed to; a work offer must be
        covered for every purpose, the others for at least one work."""
        scheme_purposes: tuple[Purpose, ...] = ()
        opt_ins: list[OptIn] = []
        if offer.scope is OfferScope.WORK:
            works = [uow.works.get(offer.subject_id)]
        elif offer.scope is OfferScope.PARTY:
            works = []
            while len(
                page := uow.works.page(offset=len(works), limit=PAGE, party_id=offer.subject_id)
            ):
                works.extend(page)
                if len(page) < PAGE:
                    break
        else:
            scheme_purposes = uow.licensing.get_scheme(offer.subject_id).purposes
            opt_ins = uow.licensing.opt_ins(offer.subject_id)
            ids = sorted({o.work_id for o in opt_ins})
            found = uow.works.get_many(ids)
            works = [found[i] for i in ids]
        results = [
            agreed_purposes(w, offer, opt_ins, scheme_purposes=scheme_purposes) for w in works
        ]
        covered = [c for c in results if c.purposes]
        excluded = [c for c in results if c.missing]
        if offer.scope is OfferScope.WORK and excluded:
            raise Conflict(
                f"offer {offer.id} cannot be granted yet: " + "; ".join(excluded[0].missing),
                offer=offer.id,
                missing=list(excluded[0].missing),
            )
        if not covered:
            raise Conflict(
                f"offer {offer.id} covers no work every holder and creator agreed to license"
                + (": " + "; ".join(excluded[0].missing) if excluded else ""),
                offer=offer.id,
            )
        return covered, excluded

    def revoke(self, actor: Actor, grant_id: str, *, reason: str | None = None) -> Grant:
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            grant = uow.licensing.get_grant(grant_id)
            if grant.revoked_at is not None:
                raise Conflict(
                    f"grant {grant_id} was already revoked at {grant.revoked_at.isoformat()}",
                    grant=grant_id,
                )
            self._act_for_licensors(uow, actor, uow.licensing.get_offer(grant.offer_id), now)
            uow.ledger.append(*events.revoked(grant_id, reason), actor=actor.label, at=now)
            uow.licensing.revoke_grant(grant_id, now)
            grant = uow.licensing.get_grant(grant_id)
            uow.commit()
        return grant

    def get_grant(self, actor: Actor, grant_id: str) -> Grant:
        """A grant, for the licensee, the licensors' side and admins."""
        with self._uow(False) as uow:
            grant = uow.licensing.get_grant(grant_id)
            if actor.role is Role.ADMIN or (
                actor.role is Role.DEVELOPER and actor.party_id == grant.licensee_id
            ):
                return grant
            if actor.role is Role.DEVELOPER:
                raise PermissionDenied(
                    f"grant {grant_id} is licensed to party {grant.licensee_id}", grant=grant_id
                )
            self._act_for_licensors(
                uow, actor, uow.licensing.get_offer(grant.offer_id), self.clock()
            )
            return grant
