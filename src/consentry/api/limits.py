"""A cap on request body size: a larger body is refused with a 413 problem before it is held
in memory whole (uvicorn itself sets no limit). The largest legitimate body is a bulk lookup
of 10,000 identifiers, far under the default cap.

The body is read here (the routes read it whole anyway) so that a body without
``Content-Length`` (chunked) is counted too; the app then gets it in one message.
"""

from __future__ import annotations

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
