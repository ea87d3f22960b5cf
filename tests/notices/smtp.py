"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, for the notices tests.

``hold_at=N`` makes the server, on the N-th message, keep the bytes (as if delivered) and
then not answer DATA until :meth:`Mailbox.release`: a client killed meanwhile never sees the
reply, which is the "fate unknown" case of a send.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.serving import free_port


@dataclass
class Arrived:
    sender: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def message_id(self) -> str:
        return str(self.message()["Message-ID"])


@dataclass
class Mailbox:
    arrived: list[Arrived] = field(default_factory=list)
    hold_at: int | None = None
    refuse: set[str] = field(default_factory=set)  # recipients refused with 550
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def release(self) -> None:
        self.released.set()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        self.arrived.append(Arrived(envelope.mail_from, list(envelope.rcpt_tos), bytes(data)))
        if self.hold_at is not None and len(self.arrived) == self.hold_at:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        return f"250 2.0.0 queued as q{len(self.arrived)}"


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[Mailbox]:
    box = Mailbox(**kwargs)
    box.port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, data_size_limit=200 * 1024 * 1024
    )
    controller.start()
    try:
        yield box
    finally:
        box.release()
        controller.stop()
