"""Combine every signal for one (URL or file, agent) into one decision per purpose.

Rules, in order (docs/signals.md, "Resolving"):

1. **TDMRep precedence** (:func:`tdmrep_precedence`): among signals carrying a
   ``tdm-reservation`` value, origin file < HTTP header < HTML meta < EPUB/PDF metadata; the
   latest *set* value wins and the earlier ones' TDMRep part is dropped (their other decisions,
   e.g. ``X-Robots-Tag``, stay). A missing value never resets an earlier one; ``tdm-policy``
   is carried over the same way, on its own.
2. **Explicit beats silence**: ``unknown`` in a signal is silence and is skipped.
3. **Most restrictive wins** among explicit statements: disallowed > licence > allowed.
4. **Could not fetch**: a ``Carrier.FETCH`` signal's explicit statuses count like any other;
   while any FETCH signal is present, a purpose that would come out ``allowed`` is reported
   ``unknown`` instead (a carrier we could not read may have restricted it). ``disallowed``
   and ``licence`` stand.
5. No explicit statement for a purpose: ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from consentry.registry.purposes import ALL_PURPOSES, Purpose
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import most_restrictive

TDMREP_ORDER: Mapping[Carrier, int] = {
    Carrier.TDMREP: 0,
    Carrier.HEADERS: 1,
    Carrier.HTML: 2,
    Carrier.EPUB: 3,
    Carrier.PDF: 3,
}


@dataclass(frozen=True, slots=True)
class TdmState:
    reservation: int | None = None
    policy_url: str | None = None
    winner: ParsedSignal | None = None  # the signal whose reservation value holds
    superseded: tuple[ParsedSignal, ...] = ()  # signals whose TDMRep part was overridden
    steps: tuple[str, ...] = ()


def tdmrep_precedence(signals: Sequence[ParsedSignal]) -> TdmState:
    """Walk TDMRep-bearing signals in precedence order (stable within a level)."""
    ordered = sorted(
        (s for s in signals if s.carrier in TDMREP_ORDER),
        key=lambda s: TDMREP_ORDER[s.carrier],
    )
    reservation: int | None = None
    policy: str | None = None
    winner: ParsedSignal | None = None
    setters: list[ParsedSignal] = []
    steps: list[str] = []
    for s in ordered:
        if s.tdm_reservation is not None:
            if winner is not None and reservation != s.tdm_reservation:
                steps.append(
                    f"{s.carrier.value} {s.source}: tdm-reservation {s.tdm_reservation} "
                    f"supersedes {reservation} from {winner.carrier.value} {winner.source}"
                )
            reservation, winner = s.tdm_reservation, s
            setters.append(s)
        elif winner is not None and s.policy_url is None:
            steps.append(f"{s.carrier.value} {s.source}: no tdm-reservation; keeps {reservation}")
        if s.policy_url is not None:
            policy = s.policy_url
    superseded = tuple(s for s in setters if s is not winner)
    return TdmState(reservation, policy, winner, superseded, tuple(steps))


@dataclass(frozen=True, slots=True)
class Resolution:
    purposes: dict[Purpose, SignalStatus]
    signals: tuple[ParsedSignal, ...]
    reasons: dict[Purpose, list[str]]
    agent: str = "*"
    tdm: TdmState = field(default_factory=TdmState)

    def to_json(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "purposes": {p.value: s.value for p, s in self.purposes.items()},
            "reasons": {p.value: list(r) for p, r in self.reasons.items()},
            "tdmrep": {
                "reservation": self.tdm.reservation,
                "policy": self.tdm.policy_url,
                "steps": list(self.tdm.steps),
            },
            "signals": [s.to_json() for s in self.signals],
        }


def effective_purposes(signal: ParsedSignal, tdm: TdmState) -> Mapping[Purpose, SignalStatus]:
    """A signal's decisions after TDMRep precedence (superseded TDMRep part removed)."""
    if any(signal is s for s in tdm.superseded) and signal.other_purposes is not None:
        return signal.other_purposes
    return signal.purposes


def resolve(signals: Sequence[ParsedSignal], *, agent: str = "*") -> Resolution:
    tdm = tdmrep_precedence(signals)
    purposes: dict[Purpose, SignalStatus] = {}
    reasons: dict[Purpose, list[str]] = {}
    fetch_failures = [s for s in signals if s.carrier is Carrier.FETCH]
    for p in ALL_PURPOSES:
        found: list[SignalStatus] = []
        why: list[str] = []
        for s in signals:
            status = effective_purposes(s, tdm).get(p, SignalStatus.UNKNOWN)
            if status is SignalStatus.UNKNOWN:
                if s.purposes.get(p, SignalStatus.UNKNOWN) is not SignalStatus.UNKNOWN:
                    why.append(f"{s.carrier.value} {s.source}: TDMRep value superseded")
                continue
            found.append(status)
            why.append(f"{s.carrier.value} {s.source}: {status.value}")
        result = most_restrictive(*found) if found else SignalStatus.UNKNOWN
        if result is SignalStatus.ALLOWED and fetch_failures:
            result = SignalStatus.UNKNOWN
            why.extend(
                f"could not fetch {s.source}: 'allowed' not reported while a carrier is unread"
                for s in fetch_failures
            )
        if not found:
            why.append("no signal")
        purposes[p] = result
        reasons[p] = why
    return Resolution(purposes, tuple(signals), reasons, agent, tdm)
