"""What a creator sees of the accounts for its works: the usage reports' lines naming them
(where its works were found in use) and its statements of each closed distribution, rebuilt
from the run's stored inputs exactly as ``consentry distribute`` wrote them. Read only.

A mixin of :class:`consentry.accounting.service.AccountingService`; a creator key reads its
own party's, an admin names the party (:func:`consentry.registry.access.member_party`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.accounting.distribution import Inputs, payee_shares
from consentry.accounting.statements import Statement, build_statement
from consentry.errors import Conflict, LedgerError, PermissionDenied
from consentry.registry.access import Actor, Role, member_party

if TYPE_CHECKING:
    from consentry.accounting.service import Distribution, StatementData
    from consentry.store.uow import SqlUnitOfWork

HOLDING_RIGHT = "all"  # the holdings a distribution splits by (docs/distribution.md)


def gather_inputs(
    uow: SqlUnitOfWork,
    *,
    period: str,
    currency: str,
    unit: str,
    licensee: str | None,
    pool: int,
    threshold: int,
    brought_forward: dict[str, int],
) -> tuple[Inputs, dict[str, str]]:
    """A distribution's inputs as the database holds them now, and the holders' names."""
    acc = uow.accounting
    repertoire = acc.repertoire_for_usage(period, unit, licensee, right=HOLDING_RIGHT)
    inputs = Inputs(
        period=period,
        currency=currency,
        unit=unit,
        licensee=licensee,
        pool=pool,
        threshold=threshold,
        units=acc.units_by_identifier(period, unit, licensee),
        works=repertoire.works,
        holders=repertoire.holders,
        brought_forward=brought_forward,
        reports=acc.report_digests(period, unit, licensee),
    )
    return inputs, repertoire.names


@dataclass(frozen=True, slots=True)
class PartyStatement:
    """One closed distribution with a posting for the party: its statement, or why it could
    not be rebuilt (the usage, works or shares changed since the run closed)."""

    run_id: str
    period: str
    currency: str
    closed_at: datetime
    statement: Statement | None
    problem: str | None = None


class PartyAccounts:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    if TYPE_CHECKING:

        def _allocate(
            self,
            uow: SqlUnitOfWork,
            inputs: Inputs,
            closed: dict[str, Any] | None,
            now: datetime,
            names: dict[str, str],
        ) -> Distribution: ...

        def statement_data(self, result: Distribution) -> StatementData: ...

    def usage_of(self, actor: Actor, party_id: str | None = None) -> list[dict[str, Any]]:
        """The imported usage naming the party's works (:meth:`usage_of_works`), each line
        with the work's title."""
        party = member_party(actor, party_id)
        with self._uow(False) as uow:
            uow.parties.get(party)  # NotFound names an unknown party
            works = uow.notices.works_of_parties([party]).get(party, [])
            found = uow.accounting.usage_of_works(works)
            titles = uow.notices.titles_and_identifiers(sorted({d["work_id"] for d in found}))
        for d in found:
            d["title"] = titles.get(d["work_id"], ("", ()))[0]
        return found

    def statements_of(self, actor: Actor, party_id: str | None = None) -> list[PartyStatement]:
        """The party's statement of every closed distribution that paid or carried for it."""
        party = member_party(actor, party_id)
        out: list[PartyStatement] = []
        with self._uow(False) as uow:
            uow.parties.get(party)
            runs = uow.accounting.runs_of_party(party)
            results: list[tuple[dict[str, Any], Distribution | str]] = []
            for run in runs:
                try:
                    results.append((run, self._rebuild(uow, run)))
                except (Conflict, LedgerError) as exc:
                    results.append((run, exc.message))
        for run, result in results:
            if isinstance(result, str) or party not in result.payees:
                problem = result if isinstance(result, str) else "no statement for this party"
                st = None
            else:
                st, problem = self._statement(result, party), None
            out.append(
                PartyStatement(
                    run["id"], run["period"], run["currency"], run["closed_at"], st, problem
                )
            )
        return out

    def member_distributions(self, actor: Actor, organisation_id: str) -> list[dict[str, Any]]:
        """The closed distributions that paid or carried an amount for the organisation's
        members (every party that ever gave it a mandate), each with those members' amounts
        as its summary states them. The organisation itself (or an admin) reads them.

        Decision: an organisation sees what each of its members was paid or carried, the
        figures of the members' own statements it would help them check; never another
        payee's."""
        actor.require(Role.ADMIN, Role.ORGANISATION)
        if actor.role is Role.ORGANISATION and actor.own_party() != organisation_id:
            raise PermissionDenied(
                f"the distributions of organisation {organisation_id}'s members are not yours",
                party=organisation_id,
            )
        with self._uow(False) as uow:
            uow.parties.get(organisation_id)
            members = {m.member_id for m in uow.mandates.of_organisation(organisation_id)}
            runs = uow.accounting.runs_of_parties(sorted(members)) if members else []
        out = []
        for run in runs:
            summary = json.loads(run["summary"])
            ids = sorted(p for p in {*summary["paid"], *summary["carried_forward"]} if p in members)
            out.append(
                {
                    "run_id": run["id"],
                    "period": run["period"],
                    "currency": run["currency"],
                    "closed_at": run["closed_at"].isoformat(),
                    "pool": summary["pool"],
                    "members": [
                        {
                            "party_id": p,
                            "name": summary["names"].get(p, p),
                            "paid": summary["paid"].get(p),
                            "carried_forward": summary["carried_forward"].get(p),
                        }
                        for p in ids
                    ],
                }
            )
        return out

    def _rebuild(self, uow: SqlUnitOfWork, run: dict[str, Any]) -> Distribution:
        inputs, names = gather_inputs(
            uow,
            period=run["period"],
            currency=run["currency"],
            unit=run["unit"],
            licensee=run["licensee"],
            pool=run["pool_minor"],
            threshold=run["threshold_minor"],
            brought_forward=uow.accounting.brought_forward_of(run["id"]),
        )
        return self._allocate(uow, inputs, run, run["closed_at"], names)

    def _statement(self, result: Distribution, party: str) -> Statement:
        data = self.statement_data(result)
        shares = payee_shares(result.inputs, data.rows, [party])
        return build_statement(
            party,
            inputs=result.inputs,
            allocation=result.allocation,
            rows=data.rows,
            shares=shares[party],
            name=result.names.get(party, party),
            contacts=data.contacts.get(party, ()),
            titles=data.titles,
            run_id=result.run_id,
            inputs_sha256=result.digest,
            rules_version=result.summary["rules_version"],
            closed_at=result.closed_at,
        )
