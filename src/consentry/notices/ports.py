"""What the campaign service needs from the outside, as protocols (pure): the outbox that
keeps files, the renderer of letters. The transport is in ``transport.py``."""

from __future__ import annotations

from typing import Any, Protocol

from consentry.notices.message import Rendered
from consentry.notices.repertoire import Attachments


class OutboxPort(Protocol):
    def write_attachments(self, campaign_id: str, attachments: Attachments) -> None: ...

    def read_attachments(self, campaign_id: str, sha256s: dict[str, str]) -> Attachments: ...

    def write_message(self, campaign_id: str, message_id: str, data: bytes) -> None: ...

    def read_message(self, campaign_id: str, message_id: str, sha256: str) -> bytes: ...


class RendererPort(Protocol):
    def fingerprint(self) -> str: ...

    def render(self, context: dict[str, Any], *, followup: bool = False) -> Rendered: ...
