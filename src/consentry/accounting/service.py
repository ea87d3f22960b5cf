"""Accounting use cases: import a usage report, distribute a period's pool.

Each is one transaction through the unit of work. Who may: the registry's operator (an
admin actor; the CLI acts as one). A distribution closes its scope (period, unit kind and
licensee filter): running it again from the same inputs gives the same summary and the same
statements and posts nothing; running it with anything different (pool, currency,
threshold, usage, repertoire or shares) is refused with both input digests named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from consentry.accounting import books
from consentry.accounting.distribution import (
    RULES_VERSION,
    Allocation,
    Inputs,
    UseRow,
    distribute,
    inputs_digest,
)
from consentry.accounting.money import format_amount, parse_amount
from consentry.accounting.service_claims import ClaimCases
from consentry.accounting.service_party import PartyAccounts, gather_inputs
from consentry.accounting.unidentified import Fund, funds
from consentry.accounting.usage import ParsedReport, parse_period, report_digest
from consentry.currencies import parse_currency
from consentry.errors import (
    Conflict,
    ImportRejected,
    LedgerError,
    PermissionDenied,
    ValidationError,
)
from consentry.licensing.terms import Unit
from consentry.registry.access import Actor, Role

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork


@dataclass(slots=True)
class UsageImport:
    report_id: str | None
    records: int
    imported: int
    rejected: list[tuple[int, str]]
    already_imported: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "records": self.records,
            "imported": self.imported,
            "rejected": [{"record": n, "reason": r} for n, r in self.rejected],
            "already_imported": self.already_imported,
        }


@dataclass(slots=True)
class Distribution:
    """A closed distribution: its summary and what its statements are made from."""

    run_id: str
    reused: bool  # the scope was already closed with these same inputs
    inputs: Inputs
    allocation: Allocation
    digest: str
    summary: dict[str, Any]
    closed_at: datetime
    names: dict[str, str] = field(default_factory=dict)  # payee names
    summary_text: str = ""  # summary.json as written

    @property
    def payees(self) -> list[str]:
        return sorted({*self.allocation.paid, *self.allocation.carried})


@dataclass(frozen=True, slots=True)
class StatementData:
    rows: list[UseRow]
    titles: dict[str, str]
    contacts: dict[str, list[tuple[str, str]]]


def _own_usage(actor: Actor, name: str, report: ParsedReport) -> None:
    """Refuse a developer's report with a line whose licensee is not the developer."""
    from consentry.registry.parties import name_key

    own = name_key(name)
    others = {x for x in {line.licensee for line in report.lines} if name_key(x) != own}
    for n, line in enumerate(report.lines, start=1):
        if line.licensee in others:
            raise PermissionDenied(
                f"usage line {n} names licensee {line.licensee!r}; a developer key for party "
                f"{actor.party_id} reports only its own usage, as {name!r}",
                field="licensee",
                value=line.licensee,
                expected=name,
            )


def scope_key(period: str, unit: str, licensee: str | None) -> str:
    from consentry.registry.parties import name_key

    return f"{period}|{unit}|{name_key(licensee) if licensee else '*'}"


class AccountingService(ClaimCases, PartyAccounts):
    def __init__(
        self,
        uow: Callable[[bool], SqlUnitOfWork],
        *,
        clock: Callable[[], datetime],
        ids: Callable[[str], str],
    ) -> None:
        self._uow = uow
        self.clock = clock
        self.ids = ids

    # ------------------------------------------------------------------ usage
    def import_usage(
        self, actor: Actor, report: ParsedReport, *, filename: str, skip_invalid: bool = False
    ) -> UsageImport:
        """Store a parsed report whole, or nothing: any rejected record refuses the file
        (unless ``skip_invalid``, which stores the valid lines and lists the others).

        The registry's operator (admin) imports any report; a developer its own usage only:
        every line's licensee must be its party's name (matched as ``distribute --licensee``
        matches, case-insensitively), so a developer never reports another's use."""
        actor.require(Role.ADMIN, Role.DEVELOPER)
        if report.rejects and not skip_invalid:
            raise ImportRejected(
                f"{filename}: {len(report.rejects)} of {report.records} usage lines are "
                "invalid; nothing was imported (fix them, or give --skip-invalid)",
                rejects=report.rejects,
            )
        digest = report_digest(report.lines)
        with self._uow(True) as uow:
            if actor.role is Role.DEVELOPER:
                _own_usage(actor, uow.parties.get(actor.own_party()).name, report)
            seen = uow.accounting.report_seen(digest)
            if seen is not None:
                return UsageImport(seen, report.records, 0, report.rejects, True)
            now = uow.ledger.locked_now(self.clock)
            report_id = self.ids("usg")
            uow.accounting.add_report(
                report_id=report_id,
                sha256=digest,
                filename=filename[-1000:],
                fmt=report.format,
                lines=len(report.lines),
                at=now,
            )
            uow.accounting.add_lines(report_id, report.lines)
            uow.ledger.append(
                "usage.imported",
                {"report_id": report_id, "sha256": digest, "lines": len(report.lines)},
                actor=actor.label,
                at=now,
            )
            uow.commit()
        return UsageImport(report_id, report.records, len(report.lines), report.rejects, False)

    # ------------------------------------------------------------------ distribution
    def distribute(
        self,
        actor: Actor,
        *,
        period: str,
        pool: str,
        currency: str,
        unit: str | None = None,
        licensee: str | None = None,
        threshold: str = "0",
    ) -> Distribution:
        actor.require(Role.ADMIN)
        period = parse_period(period, field="--period")
        code = parse_currency(currency, field="--currency")
        pool_minor = parse_amount(pool, code, field="--pool")
        threshold_minor = parse_amount(threshold, code, field="--threshold")
        wanted = Unit.parse(unit).value if unit is not None else None
        lic = " ".join(licensee.split()) if licensee else None
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)
            kind = self._unit_kind(uow, period, wanted, lic)
            scope = scope_key(period, kind, lic)
            closed = uow.accounting.run_for_scope(scope)
            brought = (
                uow.accounting.brought_forward_of(closed["id"])
                if closed
                else uow.accounting.carried_balances(code)
            )
            inputs, names = gather_inputs(
                uow,
                period=period,
                currency=code,
                unit=kind,
                licensee=lic,
                pool=pool_minor,
                threshold=threshold_minor,
                brought_forward=brought,
            )
            result = self._allocate(uow, inputs, closed, now, names)
            if not result.reused:
                self._close(uow, actor, result, scope, now)
                uow.commit()
        return result

    def _allocate(
        self,
        uow: SqlUnitOfWork,
        inputs: Inputs,
        closed: dict[str, Any] | None,
        now: datetime,
        names: dict[str, str],
    ) -> Distribution:
        """Distribute; for a closed scope, only when the inputs are those it was closed with."""
        digest = inputs_digest(inputs)
        if closed and closed["inputs_sha256"] != digest:
            raise Conflict(
                f"{inputs.period} ({inputs.unit}, {inputs.licensee or 'every licensee'}) was "
                f"distributed and closed at {closed['closed_at']:%Y-%m-%dT%H:%M:%SZ} from "
                f"inputs {closed['inputs_sha256'][:16]}...; these inputs give "
                f"{digest[:16]}... (pool, currency, threshold, usage, works or shares "
                "differ): a closed period is not distributed again differently",
                period=inputs.period,
                closed_inputs=closed["inputs_sha256"],
                inputs=digest,
            )
        allocation = distribute(inputs)
        run_id = closed["id"] if closed else self.ids("dst")
        closed_at = closed["closed_at"] if closed else now
        result = Distribution(run_id, bool(closed), inputs, allocation, digest, {}, closed_at)
        missing = [p for p in result.payees if p not in names]  # brought forward only
        names.update(uow.accounting.party_names(missing))
        result.names = {p: names.get(p, p) for p in result.payees}
        result.summary = _summary(result)
        result.summary_text = summary_json(result.summary)
        if closed and closed["summary"] != result.summary_text:
            raise LedgerError(
                f"distribution {run_id} recomputed from the same inputs does not give its "
                "stored summary: the rules changed without a new rules version"
            )
        return result

    def _unit_kind(
        self, uow: SqlUnitOfWork, period: str, wanted: str | None, licensee: str | None
    ) -> str:
        kinds = uow.accounting.unit_kinds(period, licensee)
        who = f" from {licensee}" if licensee else ""
        if not kinds:
            raise ValidationError(
                f"no usage is recorded for {period}{who}",
                field="--period",
                value=period,
                expected="a period with imported usage (consentry usage import FILE)",
            )
        if wanted is not None:
            if wanted not in kinds:
                raise ValidationError(
                    f"no usage in {wanted} is recorded for {period}{who}; "
                    f"the usage is in {', '.join(kinds)}",
                    field="--unit",
                    value=wanted,
                    expected=" or ".join(kinds),
                )
            return wanted
        if len(kinds) > 1:
            raise ValidationError(
                f"the usage of {period}{who} mixes unit kinds {', '.join(kinds)}; "
                "units of different kinds cannot be added up: give --unit "
                + " or --unit ".join(kinds),
                field="--unit",
                value=None,
                expected=" or ".join(kinds),
            )
        return kinds[0]

    def _close(
        self, uow: SqlUnitOfWork, actor: Actor, result: Distribution, scope: str, now: datetime
    ) -> None:
        inputs = result.inputs
        postings = books.journal(result.allocation, inputs.pool)
        uow.accounting.add_run(
            postings,
            id=result.run_id,
            scope=scope,
            period=inputs.period,
            unit=inputs.unit,
            licensee=inputs.licensee,
            currency=inputs.currency,
            pool_minor=inputs.pool,
            threshold_minor=inputs.threshold,
            inputs_sha256=result.digest,
            rules_version=RULES_VERSION,
            summary=result.summary_text,
            closed_at=now,
        )
        balance = uow.accounting.trial_balance(result.run_id)
        if any(balance.values()):
            raise LedgerError(f"distribution {result.run_id} does not balance: {balance}")
        uow.ledger.append(
            "distribution.closed",
            {
                "run_id": result.run_id,
                "period": inputs.period,
                "unit": inputs.unit,
                "licensee": inputs.licensee,
                "currency": inputs.currency,
                "inputs_sha256": result.digest,
                "summary_sha256": hashlib.sha256(result.summary_text.encode()).hexdigest(),
                "rules_version": RULES_VERSION,
            },
            actor=actor.label,
            at=now,
        )

    def statement_data(self, result: Distribution) -> StatementData:
        """What the statements show beyond the distribution: the period's usage per
        identifier, licensee, model and purpose (fixed by the usage reports the inputs
        name), the works' titles and the payees' contact points."""
        i = result.inputs
        with self._uow(False) as uow:
            return StatementData(
                uow.accounting.summed_usage(i.period, i.unit, i.licensee),
                uow.accounting.titles_for_usage(i.period, i.unit, i.licensee),
                uow.accounting.holder_contacts(i.period, i.unit, i.licensee),
            )

    def unidentified(self, actor: Actor, *, as_of: date) -> list[Fund]:
        """The unidentified fund per period: held, or non-distributable after three years."""
        actor.require(Role.ADMIN)
        with self._uow(False) as uow:
            return funds(uow.accounting.unidentified_funds(), as_of)

    def trial_balance(self) -> dict[str, int]:
        with self._uow(False) as uow:
            return uow.accounting.trial_balance()


def _summary(result: Distribution) -> dict[str, Any]:
    a, cur = result.allocation, result.inputs.currency
    names = result.names
    return {
        "period": result.inputs.period,
        "currency": cur,
        "pool": format_amount(result.inputs.pool, cur),
        "unidentified": format_amount(a.unidentified, cur),
        "paid": {p: format_amount(v, cur) for p, v in a.paid.items()},
        "carried_forward": {p: format_amount(v, cur) for p, v in a.carried.items()},
        "names": names,
        "rules_version": RULES_VERSION,
        "inputs_sha256": result.digest,
    }


def summary_json(summary: dict[str, Any]) -> str:
    """``json.dumps(summary, indent=2, ensure_ascii=False)`` plus a newline, written out by
    hand: the standard encoder's indenting path is pure Python and took seconds over
    150,000 payees (a test checks the two agree)."""

    def dump(value: Any) -> str:
        if isinstance(value, dict):
            if not value:
                return "{}"
            items = ",\n".join(
                f"    {encode_basestring(k)}: {encode_basestring(v)}" for k, v in value.items()
            )
            return "{\n" + items + "\n  }"
        return json.dumps(value, ensure_ascii=False)

    body = ",\n".join(f"  {json.dumps(k)}: {dump(v)}" for k, v in summary.items())
    return "{\n" + body + "\n}\n"
