"""A notice as an email: text and HTML alternatives, the PDF and the machine-readable
attachments, a stable ``Message-ID``. Pure: values in, RFC 5322 bytes out (CRLF lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


def message_id(notice_id: str, number: int, domain: str) -> str:
    """``<notice-id.N@domain>``: N = 0 for the notice, 1.. for its follow-ups. The same
    notice always gets the same id, on every attempt."""
    return f"<{notice_id}.{number}@{domain}>"


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower() or "consentry.invalid"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    pdf: bytes


def build_message(
    *,
    rendered: Rendered,
    sender_name: str,
    sender_email: str,
    to_name: str,
    to_email: str,
    msg_id: str,
    dated: datetime,
    notice_id: str,
    campaign_id: str,
    files: Sequence[tuple[str, str, bytes]],
    in_reply_to: str | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = formataddr((sender_name, sender_email))
    msg["To"] = formataddr((to_name, to_email))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(dated)
    msg["Message-ID"] = msg_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["X-Consentry-Notice"] = notice_id
    msg["X-Consentry-Campaign"] = campaign_id
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    msg.make_mixed()
    if rendered.pdf:
        msg.add_attachment(
            rendered.pdf, maintype="application", subtype="pdf", filename=f"notice-{notice_id}.pdf"
        )
    for name, media, data in files:
        maintype, _, subtype = media.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=SMTP_POLICY)


def letter_text(data: bytes) -> str:
    """The plain-text body of a message as :func:`build_message` made it (the letter a
    developer received), or an empty string when it has none."""
    from email import message_from_bytes

    msg = message_from_bytes(data, policy=policy.default)
    if not isinstance(msg, EmailMessage):
        return ""
    body = msg.get_body(preferencelist=("plain",))
    return "" if body is None else str(body.get_content())
