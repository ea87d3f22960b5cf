"""Ledger events of notices: kind and payload (pure). Part of the ledger format: add keys
only with a new event kind (see ``registry/events.py``)."""

from __future__ import annotations

from typing import Any

from consentry.notices.campaigns import Campaign

Event = tuple[str, dict[str, Any]]


def campaign_created(
    c: Campaign,
    *,
    members: list[tuple[str, str]],
    notices: list[str],
    excluded: list[dict[str, str]],
) -> Event:
    return "notices.campaign_created", {
        "campaign_id": c.id,
        "organisation_id": c.organisation_id,
        "kind": c.kind.value,
        "purposes": [p.value for p in c.purposes],
        "territory": c.territory,
        "deadline": c.deadline.isoformat(),
        "template_sha256": c.template_sha256,
        "attachments": dict(sorted(c.attachments.items())),
        "works": c.works,
        "members": [[m, mandate] for m, mandate in members],
        "notices": notices,
        "excluded": excluded,
    }


def message_event(kind: str, notice_id: str, message_id: str, **detail: Any) -> Event:
    """``notices.queued``, ``notices.attempt``, ``notices.sent``, ``notices.refused``."""
    return f"notices.{kind}", {"notice_id": notice_id, "message_id": message_id, **detail}


def notice_event(kind: str, notice_id: str, **detail: Any) -> Event:
    """``notices.bounced``, ``notices.acknowledged``, ``notices.answered``."""
    return f"notices.{kind}", {"notice_id": notice_id, **detail}
