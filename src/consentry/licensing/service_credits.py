"""Credit use cases: record which model a grant's works went into; read a model's credits;
say what credit a work requires. A mixin of :class:`LicensingService`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import Conflict, PermissionDenied
from consentry.licensing import events
from consentry.licensing.credits import CreditRecord, credit_line, parse_model, parse_period
from consentry.licensing.terms import OfferScope
from consentry.registry.access import Actor, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


class CreditCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]
    ids: Callable[[str], str]
    _sign: Callable[[Mapping[str, Any]], dict[str, Any]]

    def record_credits(
        self, actor: Actor, grant_id: str, *, model: str, period: str
    ) -> list[CreditRecord]:
        """The licensee says the grant's works went into ``model`` in ``period``: one signed
        attribution record per work (those already recorded for this grant, model and period
        are returned as they were)."""
        actor.require(Role.ADMIN, Role.DEVELOPER)
        name, when = parse_model(model), parse_period(period)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            grant = uow.licensing.get_grant(grant_id)
            if actor.role is Role.DEVELOPER and actor.own_party() != grant.licensee_id:
                raise PermissionDenied(
                    f"grant {grant_id} is licensed to party {grant.licensee_id}, not to "
                    f"{actor.party_id}: only the licensee records its models",
                    grant=grant_id,
                )
            template = grant.terms.attribution
            if template is None:
                raise Conflict(
                    f"grant {grant_id} requires no credit (its offer carries no attribution)",
                    grant=grant_id,
                )
            done = {
                r.work_id: r
                for r in uow.licensing.credits(grant_id=grant_id, model=name)
                if r.period == when
            }
            todo = [w for w, _ in grant.works if w not in done]
            works = uow.works.get_many(todo)
            names = {
                p.id: p.name
                for p in uow.parties.get_many(
                    sorted({x for w in works.values() for x in _people(w)})
                ).values()
            }
            records = [
                CreditRecord(
                    self.ids("cr"),
                    grant_id,
                    w,
                    grant.licensee_id,
                    name,
                    when,
                    credit_line(template, works[w], names),
                    now,
                )
                for w in todo
            ]
            entries = uow.ledger.append_many(
                [events.credit_recorded(r) for r in records], actor=actor.label, at=now
            )
            signed = [
                self._signed(r, e, grant.licensee_id) for r, e in zip(records, entries, strict=True)
            ]
            uow.licensing.add_credits(signed)
            uow.commit()
        return sorted([*done.values(), *signed], key=lambda r: r.work_id)

    def _signed(self, r: CreditRecord, entry: Any, licensee: str) -> CreditRecord:
        document = self._sign(
            {
                "declaration": r.payload(),
                "declared_by": licensee,
                "ledger_seq": entry.seq,
                "ledger_hash": entry.hash,
                "recorded_at": entry.recorded_at,
            }
        )
        return CreditRecord(
            r.id,
            r.grant_id,
            r.work_id,
            r.licensee_id,
            r.model,
            r.period,
            r.credit_line,
            r.recorded_at,
            entry.seq,
            document,
        )

    def model_credits(self, model: str) -> list[CreditRecord]:
        """Every attribution record of a model (public)."""
        name = parse_model(model)
        with self._uow(False) as uow:
            return uow.licensing.credits(model=name)

    def work_credit(self, work_id: str) -> dict[str, Any]:
        """What credit does work W require? The credit line of every offer that covers it
        and requires credit (with the grants made under them), and the credits recorded."""
        with self._uow(False) as uow:
            work = uow.works.get(work_id)
            subjects = [work_id, *work.consent_parties(), *uow.licensing.schemes_of_work(work_id)]
            offers = [
                o
                for o in uow.licensing.offers_for_subjects(subjects)
                if o.terms.attribution is not None
                and (o.scope is not OfferScope.PARTY or o.subject_id in work.consent_parties())
            ]
            people = sorted(set(_people(work)))
            names = {p.id: p.name for p in uow.parties.get_many(people).values()}
            grants = [uow.licensing.get_grant(g) for g in uow.licensing.grant_ids_for_work(work_id)]
            recorded = uow.licensing.credits(work_id=work_id)
        by_offer: dict[str, list[str]] = {}
        for g in grants:
            by_offer.setdefault(g.offer_id, []).append(g.id)
        return {
            "work_id": work_id,
            "title": work.title,
            "credit_required": bool(offers),
            "credits": [
                {
                    "offer_id": o.id,
                    "credit_line": credit_line(o.terms.attribution or "", work, names),
                    "purposes": [p.value for p in o.terms.purposes],
                    "grants": by_offer.get(o.id, []),
                }
                for o in offers
            ],
            "recorded": [r.to_json() for r in recorded],
        }


def _people(work: Any) -> list[str]:
    return [c.party_id for c in work.contributors] + [h.party_id for h in work.holders]
