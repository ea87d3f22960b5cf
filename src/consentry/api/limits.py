"""Request body checks before any route runs.

A cap on body size: a larger body is refused with a 413 problem before it is held in memory
whole (uvicorn itself sets no limit). The largest legitimate body is a bulk lookup of 10,000
identifiers, far under the default cap.

A JSON body that is not UTF-8 (RFC 8259 requires it; it was a bare 400 "error parsing the
body") is refused with a 422 problem naming the byte, and one that spells a lone surrogate
(``"\\ud800"``: half of a UTF-16 pair, which JSON's grammar allows) with one naming the
escape. Python's parser keeps a lone surrogate in the string, and no text store or UTF-8
encoder accepts it: it failed later, as a 500, when the value was written to the database or
echoed in an answer.

The body is read here (the routes read it whole anyway) so that a body without
``Content-Length`` (chunked) is counted too; the app then gets it in one message.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.api.errors import problem

DEFAULT_MAX_BODY = 32 * 1024 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(scope, receive, send, int(value))
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away: let the app see it
                first: Message = message
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, size)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        bad = json_text_problem(first.get("body", b"")) if _is_json(scope) else None
        if bad is not None:
            await problem(
                422,
                "invalid value",
                f"body: {bad[0]}",
                instance=scope.get("path"),
                field="body",
                value=bad[1],
                expected=bad[2],
            )(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int) -> None:
        response = problem(
            413,
            "request too large",
            f"the request body has more than {self.max_bytes} bytes ({size} received)",
            instance=scope.get("path"),
            field="body",
            value=size,
            expected=f"at most {self.max_bytes} bytes",
            limit=self.max_bytes,
        )
        await response(scope, receive, send)


# a run of backslashes, then u and a surrogate code unit (D800-DFFF): an escape when the run
# is odd (an even run is escaped backslashes followed by the letter u)
_SURROGATE_ESCAPE = re.compile(rb"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogate(body: bytes) -> tuple[int, str] | None:
    """The first lone surrogate escape in a JSON text, as (byte offset, escape), or None.

    A high surrogate (D800-DBFF) escape must be followed at once by a low one (DC00-DFFF);
    a low one must follow a high one."""
    if b"\\u" not in body:
        return None
    high: tuple[int, str] | None = None
    high_end = -1
    for m in _SURROGATE_ESCAPE.finditer(body):
        if len(m.group(1)) % 2 == 0:
            continue
        at = m.start(2) - 2  # the escaping backslash
        escape = "\\u" + m.group(2).decode("ascii").lower()
        if int(m.group(2), 16) < 0xDC00:
            if high is not None:
                return high
            high, high_end = (at, escape), m.end()
        elif high is not None and at == high_end:
            high = None
        else:
            return high or (at, escape)
    return high


def _is_json(scope: Scope) -> bool:
    """A JSON body by its content type: the only bodies parsed as JSON (FastAPI's strict
    content type; others, such as an EPUB upload, are bytes)."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (
                media.startswith(b"application/") and media.endswith(b"+json")
            )
    return False


def json_text_problem(body: bytes) -> tuple[str, str, str] | None:
    """Why a JSON body cannot be text, as (problem, value, expected), or None: bytes that are
    not UTF-8 (RFC 8259 requires it) or a lone surrogate escape."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        byte = f"0x{body[e.start]:02x}"
        return f"byte {byte} at {e.start} is not UTF-8", byte, "JSON text in UTF-8"
    lone = lone_surrogate(body)
    if lone is not None:
        at, escape = lone
        return (
            f"{escape} at byte {at} is a lone surrogate (half of a UTF-16 pair), which no text "
            "may contain",
            escape,
            "JSON text whose \\u escapes of D800-DFFF come in high-low pairs",
        )
    return None
