"""RFC 9651 (Structured Field Values for HTTP) Dictionary parsing, to the letter. Pure.

:func:`parse_dictionary` follows the parsing algorithms of RFC 9651 section 4.2 step by
step (4.2.2 Dictionaries, 4.2.3 Items, 4.2.3.2 Parameters, 4.2.3.3 Keys, 4.2.4-4.2.10 bare
items) and returns ``None`` where the RFC says "fail parsing": a parse failure means the
whole field is ignored (4.2: "the entire field value MUST be ignored"). Tokens come back as
:class:`Token` (a ``str``), so a String ``"n"`` is never mistaken for the Token ``n``.
"""

from __future__ import annotations

import base64
import binascii
import string
from decimal import Decimal

_LCALPHA = frozenset(string.ascii_lowercase)
_DIGIT = frozenset(string.digits)
_ALPHA = frozenset(string.ascii_letters)
_KEY_CHARS = _LCALPHA | _DIGIT | frozenset("_-.*")
_TCHAR = _ALPHA | _DIGIT | frozenset("!#$%&'*+-.^_`|~")
_TOKEN_CHARS = _TCHAR | frozenset(":/")
_B64 = frozenset(string.ascii_letters + string.digits + "+/=")


class Token(str):
    """An sf-token (RFC 9651 3.3.4), distinct from an sf-string with the same characters."""

    __slots__ = ()


class _Fail(Exception):
    """RFC 9651: "fail parsing" (internal; :func:`parse_dictionary` returns None)."""


BareItem = int | Decimal | str | Token | bytes | bool
Params = dict[str, BareItem]
Member = tuple[BareItem, Params] | tuple[list[tuple[BareItem, Params]], Params]


class _Input:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self) -> str:
        ch = self.peek()
        self.i += 1
        return ch

    def empty(self) -> bool:
        return self.i >= len(self.s)

    def skip(self, chars: str) -> None:
        while not self.empty() and self.s[self.i] in chars:
            self.i += 1


def parse_dictionary(value: str) -> dict[str, Member] | None:
    """An RFC 9651 Dictionary, or None when parsing fails. Keys keep the first position of a
    duplicate; its value is the last one (4.2.2: "overwrite its value")."""
    # HTTP removes leading and trailing whitespace (OWS) from a field line's value
    # (RFC 9110 5.5); RFC 9651 4.2 then discards leading SP and fails on anything left over.
    inp = _Input(value.strip(" \t"))
    try:
        out: dict[str, Member] = {}
        while not inp.empty():
            key = _key(inp)
            member: Member
            if inp.peek() == "=":
                inp.take()
                member = _item_or_inner_list(inp)
            else:
                member = (True, _parameters(inp))
            out[key] = member
            inp.skip(" \t")
            if inp.empty():
                return out
            if inp.take() != ",":
                raise _Fail
            inp.skip(" \t")
            if inp.empty():
                raise _Fail  # trailing comma
        return out
    except _Fail:
        return None


def _key(inp: _Input) -> str:
    first = inp.peek()
    if not first or (first not in _LCALPHA and first != "*"):
        raise _Fail
    out = []
    while not inp.empty() and inp.peek() in _KEY_CHARS:
        out.append(inp.take())
    return "".join(out)


def _item_or_inner_list(inp: _Input) -> Member:
    if inp.peek() == "(":
        inp.take()
        items: list[tuple[BareItem, Params]] = []
        while not inp.empty():
            inp.skip(" ")
            if inp.peek() == ")":
                inp.take()
                return items, _parameters(inp)
            items.append((_bare_item(inp), _parameters(inp)))
            if inp.peek() not in (" ", ")"):
                raise _Fail
        raise _Fail  # no closing parenthesis
    return _bare_item(inp), _parameters(inp)


def _parameters(inp: _Input) -> Params:
    params: Params = {}
    while inp.peek() == ";":
        inp.take()
        inp.skip(" ")
        key = _key(inp)
        value: BareItem = True
        if inp.peek() == "=":
            inp.take()
            value = _bare_item(inp)
        params[key] = value
    return params


def _bare_item(inp: _Input) -> BareItem:
    ch = inp.peek()
    if not ch:
        raise _Fail
    if ch == "-" or ch in _DIGIT:
        return _number(inp)
    if ch == '"':
        return _string(inp)
    if ch in _ALPHA or ch == "*":
        return _token(inp)
    if ch == ":":
        return _bytes(inp)
    if ch == "?":
        inp.take()
        b = inp.take()
        if b not in ("0", "1"):
            raise _Fail
        return b == "1"
    raise _Fail  # dates (@) and display strings (%) are not used by these fields


def _number(inp: _Input) -> int | Decimal:
    sign = -1 if inp.peek() == "-" else 1
    if sign < 0:
        inp.take()
    if not inp.peek() or inp.peek() not in _DIGIT:
        raise _Fail
    num = []
    decimal = False
    while not inp.empty():
        ch = inp.peek()
        if ch in _DIGIT:
            num.append(inp.take())
        elif ch == "." and not decimal:
            if len(num) > 12:
                raise _Fail
            num.append(inp.take())
            decimal = True
        else:
            break
        if (not decimal and len(num) > 15) or (decimal and len(num) > 16):
            raise _Fail
    text = "".join(num)
    if not decimal:
        return sign * int(text)
    if text.endswith(".") or len(text.split(".")[1]) > 3:
        raise _Fail
    return sign * Decimal(text)


def _string(inp: _Input) -> str:
    inp.take()
    out = []
    while not inp.empty():
        ch = inp.take()
        if ch == "\\":
            if inp.empty():
                raise _Fail
            nxt = inp.take()
            if nxt not in ('"', "\\"):
                raise _Fail
            out.append(nxt)
        elif ch == '"':
            return "".join(out)
        elif not 0x20 <= ord(ch) <= 0x7E:
            raise _Fail
        else:
            out.append(ch)
    raise _Fail  # no closing DQUOTE


def _token(inp: _Input) -> Token:
    out = [inp.take()]
    while not inp.empty() and inp.peek() in _TOKEN_CHARS:
        out.append(inp.take())
    return Token("".join(out))


def _bytes(inp: _Input) -> bytes:
    inp.take()
    start = inp.i
    end = inp.s.find(":", start)
    if end < 0:
        raise _Fail
    raw = inp.s[start:end]
    inp.i = end + 1
    if any(c not in _B64 for c in raw):
        raise _Fail
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise _Fail from None
