"""Sending over SMTP: ``CONSENTRY_SMTP_URL`` parsed, one connection per run, one SMTP
transaction per message, the server's reply returned as evidence.

URLs: ``smtp://host:port`` (plain), ``smtp+starttls://user:pass@host:port`` (STARTTLS,
required), ``smtps://user:pass@host:port`` (TLS from the start). User and password are
optional and percent-decoded. A reply the client never saw (connection lost after DATA) is
:class:`Unknown`: the caller must treat the message as possibly delivered.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import unquote, urlsplit

from consentry.errors import ValidationError
from consentry.notices.transport import DeliveryError, SmtpReply, Unknown

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True, slots=True)
class SmtpUrl:
    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        parts = urlsplit(url.strip())
        expected = (
            "smtp://host:port, smtp+starttls://user:pass@host:port or smtps://user:pass@host:port"
        )
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValidationError(
                f"CONSENTRY_SMTP_URL {_redacted(url)!r} is not an SMTP URL",
                field="CONSENTRY_SMTP_URL",
                value=_redacted(url),
                expected=expected,
            )
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError:
            raise ValidationError(
                f"CONSENTRY_SMTP_URL {_redacted(url)!r} has a bad port",
                field="CONSENTRY_SMTP_URL",
                value=_redacted(url),
                expected=expected,
            ) from None
        return cls(
            parts.scheme,
            parts.hostname,
            port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )

    def display(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{who}{self.host}:{self.port}"


def _redacted(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


class SmtpTransport:
    """``with SmtpTransport(url) as t: reply = t.send(sender, recipient, data)``."""

    def __init__(self, url: SmtpUrl, *, timeout: float = 60.0) -> None:
        self.url = url
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        u = self.url
        try:
            if u.scheme == "smtps":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    u.host, u.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(u.host, u.port, timeout=self.timeout)
            conn.ehlo()
            if u.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if u.user:
                conn.login(u.user, u.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"cannot open an SMTP session with {u.display()}: {exc}", server=u.display()
            ) from None
        self._conn = conn
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                self._conn.close()
            self._conn = None

    def send(self, sender: str, recipient: str, data: bytes) -> SmtpReply:
        """One transaction (MAIL, RCPT, DATA). A refusal is returned as the reply; a lost
        connection before DATA's reply raises :class:`Unknown`."""
        conn = self._conn
        if conn is None:
            raise DeliveryError("SMTP session is not open")
        try:
            for code, text in (conn.mail(sender), conn.rcpt(recipient)):
                if not 200 <= code < 300:
                    conn.rset()
                    return SmtpReply(code, _text(text))
            code, text = conn.data(data)
            return SmtpReply(code, _text(text))
        except (TimeoutError, OSError, smtplib.SMTPServerDisconnected) as exc:
            raise Unknown(
                f"SMTP connection to {self.url.display()} lost: {exc}", server=self.url.display()
            ) from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
