"""The sending port: what the campaign service needs of a mail transport (pure).

``delivery.SmtpTransport`` is the real adapter; tests use it against a real SMTP server on
loopback. A reply the client never saw raises :class:`Unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from consentry.errors import ConsentryError


class DeliveryError(ConsentryError):
    """The SMTP server could not be reached, or the connection was lost."""

    status = 503
    title = "delivery failed"


class Unknown(DeliveryError):
    """The transaction started but its outcome was not seen: possibly delivered."""


@dataclass(frozen=True, slots=True)
class SmtpReply:
    code: int
    text: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Transport(Protocol):
    def send(self, sender: str, recipient: str, data: bytes) -> SmtpReply: ...
