"""The emails of accounts: a password reset link and an invitation (pure: values in, the
message's bytes out; the Message-ID and time are given)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from consentry.accounts.rules import INVITE_LIFETIME, RESET_LIFETIME, TokenPurpose


def link(base_url: str, token: str) -> str:
    """Where a reset or invitation token is used: ``<public_url>/reset/<token>``."""
    return f"{base_url.rstrip('/')}/reset/{token}"


def sender_of(base_url: str) -> str:
    """The From address of account emails: ``no-reply@`` the public address's host."""
    return f"no-reply@{urlsplit(base_url).hostname or 'localhost'}"


def _body(purpose: TokenPurpose, url: str, role: str, registry: str) -> tuple[str, str]:
    if purpose is TokenPurpose.RESET:
        hours = int(RESET_LIFETIME.total_seconds() // 3600)
        return (
            f"Reset your {registry} password",
            "Someone (we hope you) asked to reset the password of your account.\n\n"
            f"Choose a new password here (the link works once, for {hours} hour):\n\n{url}\n\n"
            "If you did not ask for this, ignore this email: your password stays as it is.\n",
        )
    return (
        f"You are invited to {registry}",
        f"An administrator of {registry} gave you this link to choose the password of "
        f"your account ({role}).\n\n"
        f"Choose your password here (the link works once, for {INVITE_LIFETIME.days} days):"
        f"\n\n{url}\n",
    )


def account_email(
    *,
    purpose: TokenPurpose,
    to: str,
    url: str,
    role: str,
    registry: str,
    sender: str,
    msg_id: str,
    dated: datetime,
) -> bytes:
    subject, text = _body(purpose, url, role, registry)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dated)
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return msg.as_bytes(policy=SMTP)
