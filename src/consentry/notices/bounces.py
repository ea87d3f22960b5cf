"""Bounces: delivery-status notifications read from an mbox.

The failed recipients come from ``flufl.bounce`` (the DSN parser GNU Mailman maintains, which
also knows the non-standard formats of many servers); the notice is found by the original
``Message-ID``, read with the standard ``email`` package from the DSN's returned message or
headers (``message/rfc822``, ``text/rfc822-headers``), and the per-recipient fields of a
``message/delivery-status`` part (RFC 3464: Action, Status, Diagnostic-Code) go into the
notice's history.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

from consentry.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Bounce:
    message_ids: tuple[str, ...]  # of the original message(s) the DSN is about
    recipients: tuple[str, ...]  # failed recipients
    permanent: bool
    status: str  # RFC 3464 Status of the first recipient, e.g. 5.1.1
    diagnostic: str
    dsn_message_id: str

    def detail(self) -> dict[str, Any]:
        return {
            "recipients": list(self.recipients),
            "status": self.status,
            "diagnostic": self.diagnostic,
            "dsn_message_id": self.dsn_message_id,
            "permanent": self.permanent,
        }


def _original_ids(msg: Message) -> list[str]:
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msgs = inner if isinstance(inner, list) else [inner]
            ids.extend(
                str(m["Message-ID"])
                for m in inner_msgs
                if isinstance(m, Message) and m["Message-ID"]
            )
        elif ctype == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                headers = message_from_bytes(payload)
                if headers["Message-ID"]:
                    ids.append(str(headers["Message-ID"]))
    for header in ("In-Reply-To", "References"):
        ids.extend(v for v in str(msg.get(header, "")).split() if v.startswith("<"))
    return list(dict.fromkeys(i.strip() for i in ids))


def _status_fields(msg: Message) -> tuple[str, str]:
    """Status and Diagnostic-Code of the first recipient of a message/delivery-status."""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else []:
                if isinstance(block, Message) and block.get("Status"):
                    return str(block.get("Status", "")).strip(), " ".join(
                        str(block.get("Diagnostic-Code", "")).split()
                    )
    return "", ""


def parse_dsn(msg: Message) -> Bounce | None:
    """The bounce a message reports, or None when it reports no failed recipient."""
    from flufl.bounce import all_failures

    temporary, permanent = all_failures(msg)
    failed = permanent or temporary
    if not failed:
        return None
    status, diagnostic = _status_fields(msg)
    return Bounce(
        message_ids=tuple(_original_ids(msg)),
        recipients=tuple(sorted(a.decode("utf-8", "replace") for a in failed)),
        permanent=bool(permanent),
        status=status,
        diagnostic=diagnostic,
        dsn_message_id=str(msg.get("Message-ID", "")),
    )


def read_mbox(path: Path) -> list[Bounce]:
    if not path.is_file():
        raise ValidationError(
            f"mbox {path} does not exist",
            field="MBOX",
            value=str(path),
            expected="an mbox file of bounce messages",
        )
    box = mailbox.mbox(str(path), create=False)
    out = []
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            msg = message_from_bytes(raw, policy=policy.compat32)
            found = parse_dsn(msg)
            if found is not None:
                out.append(found)
    finally:
        box.close()
    return out
