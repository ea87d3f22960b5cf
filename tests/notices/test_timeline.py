"""Notice states day by day, from the notices' histories (notices/timeline.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from consentry.notices.campaigns import NoticeEvent
from consentry.notices.kinds import NoticeState
from consentry.notices.timeline import state_changes, states_by_day

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


def ev(notice: str, kind: str, hours: float) -> NoticeEvent:
    return NoticeEvent(notice, kind, T0 + timedelta(hours=hours), "test", {}, None)


def test_states_by_day_follow_each_notice_and_show_overdue_after_the_deadline() -> None:
    events = [
        ev("n1", "drafted", 0),
        ev("n2", "drafted", 0),
        ev("n1", "queued", 1),
        ev("n1", "attempt", 1),
        ev("n1", "sent", 1),
        ev("n2", "queued", 1),
        ev("n2", "refused", 1),
        ev("n1", "acknowledged", 30),  # the next day
        ev("n1", "sent", 31),  # a follow-up's delivery leaves the notice acknowledged
    ]
    points = states_by_day(events, deadline=T0 + timedelta(days=10), now=T0 + timedelta(days=2))
    assert [p.day for p in points] == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    assert points[0].counts[NoticeState.SENT] == 1
    assert points[0].counts[NoticeState.BOUNCED] == 1
    assert points[1].counts[NoticeState.ACKNOWLEDGED] == 1
    assert points[1].counts[NoticeState.SENT] == 0
    late = states_by_day(events[:6], deadline=T0 + timedelta(days=1), now=T0 + timedelta(days=2))
    assert late[0].counts[NoticeState.SENT] == 1  # before the deadline
    assert late[-1].counts[NoticeState.OVERDUE] == 1
    assert states_by_day([], deadline=T0, now=T0) == []


def test_state_changes_list_each_notices_moves_only() -> None:
    events = [
        ev("n1", "drafted", 0),
        ev("n1", "queued", 1),
        ev("n1", "attempt", 1),
        ev("n1", "sent", 2),
        ev("n1", "acknowledged", 3),
        ev("n1", "acknowledged", 4),
    ]
    moves = state_changes(events)["n1"]
    assert [s.value for _, s in moves] == ["drafted", "queued", "sent", "acknowledged"]
    assert moves[-1][0] == T0 + timedelta(hours=3)
