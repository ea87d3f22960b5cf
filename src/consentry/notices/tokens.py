"""Acknowledgement tokens: a notice id signed with the registry's key, so a developer can
acknowledge without an account and anyone with the public key can check a token offline.

Pure: the signature and its check are passed in. A token is
``base64url(notice_id) "." base64url(signature)``; the signed bytes are
``b"consentry-notice-ack:" + notice_id``, so a receipt signature can never pass as a token.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from consentry.errors import ValidationError

PREFIX = b"consentry-notice-ack:"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(notice_id: str, sign: Callable[[bytes], bytes]) -> str:
    raw = notice_id.encode("utf-8")
    return f"{_b64(raw)}.{_b64(sign(PREFIX + raw))}"


def read_token(token: str, verify: Callable[[bytes, bytes], bool]) -> str:
    """The notice id of a token whose signature verifies; a ValidationError otherwise."""
    bad = ValidationError(
        f"acknowledgement token {token[:40]!r} is not one this registry signed",
        field="token",
        value=token[:100],
        expected="the token from the notice's acknowledgement link",
    )
    head, dot, tail = token.strip().partition(".")
    if not dot or not head or not tail or len(token) > 400:
        raise bad
    try:
        raw, signature = _unb64(head), _unb64(tail)
        notice_id = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not verify(PREFIX + raw, signature):
        raise bad
    return notice_id
