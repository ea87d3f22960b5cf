"""Campaigns, notices and the messages that carry them: core values (pure).

A campaign names the organisation, the kind, the purposes and territory, the reply
deadline, and the repertoire it was created with (its attachments' SHA-256s). It has one
notice per developer. A notice is carried by messages: number 0 is the notice itself, 1, 2,
... its follow-ups; each message is rendered once and keeps its bytes and ``Message-ID`` on
every attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consentry.errors import ValidationError
from consentry.notices.kinds import NoticeKind, NoticeState, effective_state
from consentry.registry.purposes import Purpose


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    organisation_id: str
    kind: NoticeKind
    purposes: tuple[Purpose, ...]
    territory: str
    created_at: datetime
    deadline: datetime
    created_by: str
    base_url: str
    template_dir: str | None
    template_sha256: str
    works: int
    attachments: dict[str, str]  # filename -> sha256


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    campaign_id: str
    developer_id: str
    developer_name: str
    email: str | None
    state: NoticeState
    message_id: str
    created_at: datetime
    sent_at: datetime | None = None
    bounced_at: datetime | None = None
    acknowledged_at: datetime | None = None
    answered_at: datetime | None = None
    followups: int = 0

    def shown_state(self, deadline: datetime, now: datetime) -> NoticeState:
        return effective_state(self.state, deadline=deadline, now=now)

    def status_json(self, deadline: datetime, now: datetime) -> dict[str, Any]:
        return {
            "notice_id": self.id,
            "developer": self.developer_id,
            "developer_name": self.developer_name,
            "email": self.email,
            "state": self.shown_state(deadline, now).value,
            "message_id": self.message_id,
            "sent_at": _iso(self.sent_at),
            "acknowledged_at": _iso(self.acknowledged_at),
            "answered_at": _iso(self.answered_at),
            "bounced_at": _iso(self.bounced_at),
            "followups": self.followups,
        }


class MessageState:
    QUEUED = "queued"  # rendered and stored; not yet accepted (an attempt may be under way)
    SENT = "sent"  # accepted by the server
    REFUSED = "refused"  # refused with a permanent (5xx) reply


@dataclass(frozen=True, slots=True)
class NoticeMessage:
    message_id: str
    notice_id: str
    number: int
    state: str
    eml_sha256: str
    eml_size: int
    attempts: int
    queued_at: datetime
    attempt_started_at: datetime | None
    sent_at: datetime | None
    smtp_reply: str | None

    @property
    def fate_unknown(self) -> bool:
        """An attempt began and its outcome was never recorded (killed mid-transaction)."""
        return self.state == MessageState.QUEUED and self.attempt_started_at is not None


@dataclass(frozen=True, slots=True)
class NoticeEvent:
    notice_id: str
    kind: str
    at: datetime
    actor: str
    detail: dict[str, Any]
    ledger_seq: int | None


@dataclass(frozen=True, slots=True)
class AnswerFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    notice_id: str
    at: datetime
    actor: str
    text: str
    files: tuple[AnswerFile, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "answer_id": self.id,
            "notice_id": self.notice_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "text": self.text,
            "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in self.files],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


MAX_ANSWER = 20_000  # characters of an answer's text
MAX_ANSWER_FILES = 10
MAX_ANSWER_FILE = 5 * 1024 * 1024  # bytes per file


def check_answer(text: str, files: Sequence[tuple[str, bytes]]) -> None:
    """An answer's text and files within the limits above, or a ValidationError naming them."""
    if not text.strip() or len(text) > MAX_ANSWER:
        raise ValidationError(
            f"answer text has {len(text)} characters",
            field="text",
            value=text[:100],
            expected=f"1 to {MAX_ANSWER} characters",
        )
    if len(files) > MAX_ANSWER_FILES:
        raise ValidationError(
            f"{len(files)} files attached",
            field="files",
            value=len(files),
            expected=f"at most {MAX_ANSWER_FILES} files",
        )
    for name, data in files:
        if not name.strip() or len(name) > 255 or "/" in name or "\\" in name:
            raise ValidationError(
                f"file name {name[:100]!r} is not a plain file name",
                field="files.name",
                value=name[:100],
                expected="a file name of 1-255 characters without slashes",
            )
        if len(data) > MAX_ANSWER_FILE:
            raise ValidationError(
                f"file {name!r} has {len(data)} bytes",
                field="files.content",
                value=len(data),
                expected=f"at most {MAX_ANSWER_FILE} bytes",
            )
