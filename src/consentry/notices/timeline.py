"""A campaign's notice states day by day, from the notices' insert-only histories (pure).

Each history event moves its notice as the use cases do (``service*.py``): ``drafted``,
``queued``; ``sent`` and ``refused`` only for a notice still ``queued`` (a follow-up's
delivery leaves its notice as it is); ``bounced`` for a sent or queued notice; ``acknowledged``
unless answered; ``answered``. A ``sent`` notice past the campaign's deadline is shown
``overdue`` (:func:`~consentry.notices.kinds.effective_state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from consentry.notices.campaigns import NoticeEvent
from consentry.notices.kinds import MAY_BOUNCE, NoticeState, effective_state

# the order the states are drawn and listed in
STATE_ORDER: tuple[NoticeState, ...] = (
    NoticeState.DRAFTED,
    NoticeState.QUEUED,
    NoticeState.SENT,
    NoticeState.OVERDUE,
    NoticeState.BOUNCED,
    NoticeState.ACKNOWLEDGED,
    NoticeState.ANSWERED,
)


@dataclass(frozen=True, slots=True)
class Point:
    day: date  # the counts are those at the end of this day (UTC), or now
    counts: dict[NoticeState, int]  # every state of STATE_ORDER, zero included


def next_state(state: NoticeState | None, kind: str) -> NoticeState | None:
    """The notice's state after an event of ``kind`` (``None``: not yet drafted)."""
    if kind == "drafted":
        return NoticeState.DRAFTED
    if kind == "queued" and state is NoticeState.DRAFTED:
        return NoticeState.QUEUED
    if kind == "sent" and state is NoticeState.QUEUED:
        return NoticeState.SENT
    if kind == "refused" and state is NoticeState.QUEUED:
        return NoticeState.BOUNCED
    if kind == "bounced" and state in MAY_BOUNCE:
        return NoticeState.BOUNCED
    if kind == "acknowledged" and state is not NoticeState.ANSWERED:
        return NoticeState.ACKNOWLEDGED
    if kind == "answered":
        return NoticeState.ANSWERED
    return state


def states_by_day(
    events: Sequence[NoticeEvent], *, deadline: datetime, now: datetime, max_days: int = 60
) -> list[Point]:
    """The count of notices in each state at the end of each day (UTC) from the first
    event's day to ``now``'s (the last point is at ``now``); at most the last ``max_days``."""
    if not events:
        return []
    ordered = sorted(events, key=lambda e: e.at)
    first = ordered[0].at.astimezone(UTC).date()
    last = now.astimezone(UTC).date()
    days = [first + timedelta(days=k) for k in range(max(0, (last - first).days) + 1)]
    current: dict[str, NoticeState | None] = {}
    points: list[Point] = []
    i = 0
    for day in days:
        moment = min(now, datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC))
        final = moment == now
        while i < len(ordered) and (ordered[i].at < moment or (final and ordered[i].at <= now)):
            e = ordered[i]
            current[e.notice_id] = next_state(current.get(e.notice_id), e.kind)
            i += 1
        counts = dict.fromkeys(STATE_ORDER, 0)
        for state in current.values():
            if state is not None:
                counts[effective_state(state, deadline=deadline, now=moment)] += 1
        points.append(Point(day, counts))
    return points[-max_days:]


def state_changes(events: Sequence[NoticeEvent]) -> dict[str, list[tuple[datetime, NoticeState]]]:
    """Per notice, each moment its state changed and the state it took (in the order of the
    events: the notice's own history)."""
    out: dict[str, list[tuple[datetime, NoticeState]]] = {}
    current: dict[str, NoticeState | None] = {}
    for e in sorted(events, key=lambda e: e.at):
        before = current.get(e.notice_id)
        after = next_state(before, e.kind)
        current[e.notice_id] = after
        if after is not None and after is not before:
            out.setdefault(e.notice_id, []).append((e.at, after))
    return out
