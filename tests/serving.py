"""The real server for tests: uvicorn in a thread on a free loopback port (what ``consentry
serve`` runs), started and stopped in one place."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from consentry.api.server import config
from consentry.bootstrap import Registry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    thread: threading.Thread  # the server's thread (ended once the block is left)


@contextmanager
def serving(registry: Registry, *, join_timeout: float = 15.0) -> Iterator[Served]:
    """Serve ``registry`` until the block ends; fails if the server does not start in 30 s."""
    port = free_port()
    server = uvicorn.Server(config(registry, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "server stopped while starting"
            assert time.monotonic() < deadline, "server did not start in 30 s"
            time.sleep(0.05)
        yield Served(f"http://127.0.0.1:{port}", thread)
    finally:
        server.should_exit = True
        thread.join(timeout=join_timeout)
