"""Sending an account email (reset link, invitation) through ``CONSENTRY_SMTP_URL`` with the
notices' SMTP transport (notices/delivery.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import make_msgid
from urllib.parse import urlsplit

from consentry.accounts.mail import account_email, link, sender_of
from consentry.accounts.rules import Account, TokenPurpose
from consentry.errors import ConsentryError
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.transport import DeliveryError

_log = logging.getLogger("consentry.accounts")


def send_link(
    smtp_url: str,
    *,
    base_url: str,
    registry: str,
    account: Account,
    purpose: TokenPurpose,
    token: str,
    now: datetime,
) -> None:
    """Send the link; a server that refuses or cannot be reached is a DeliveryError."""
    sender = sender_of(base_url)
    data = account_email(
        purpose=purpose,
        to=account.email,
        url=link(base_url, token),
        role=account.role.value,
        registry=registry,
        sender=sender,
        msg_id=make_msgid(domain=urlsplit(base_url).hostname or "localhost"),
        dated=now,
    )
    with SmtpTransport(SmtpUrl.parse(smtp_url), timeout=30.0) as transport:
        reply = transport.send(sender, account.email, data)
    if not reply.accepted:
        raise DeliveryError(f"the SMTP server refused the email to {account.email}: {reply}")


def send_link_quietly(
    smtp_url: str | None,
    *,
    base_url: str,
    registry: str,
    account: Account,
    purpose: TokenPurpose,
    token: str,
    now: datetime,
) -> bool:
    """:func:`send_link`, logging instead of raising (a web request's background task);
    False when it was not sent."""
    if not smtp_url:
        _log.warning("no CONSENTRY_SMTP_URL: the %s email to %s was not sent", purpose, account.id)
        return False
    try:
        send_link(
            smtp_url,
            base_url=base_url,
            registry=registry,
            account=account,
            purpose=purpose,
            token=token,
            now=now,
        )
    except ConsentryError as exc:  # DeliveryError, or an SMTP URL that is not one
        _log.warning("the %s email to %s was not sent: %s", purpose, account.id, exc.message)
        return False
    return True
