"""No blocking work on the event loop: while the real server (uvicorn on loopback) rewrites a
large EPUB, decisions are answered. The assertion is about order, not time: several decisions
are answered before the EPUB request's status line arrives, which the server sends when the
rewrite is done (before, the EPUB was rewritten on the event loop and every decision waited
for it: it was answered after the EPUB's status line)."""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import World
from tests.serving import serving
from tests.signals.test_write_roundtrip import make_epub

MiB = 1024 * 1024


@pytest.fixture
def base_url(world: World) -> Iterator[str]:
    with serving(world.registry, join_timeout=60) as served:
        yield served.base


@pytest.fixture(scope="module")
def epub() -> bytes:
    return slow_epub()


def slow_epub(size: int = 64 * MiB) -> bytes:
    """An EPUB whose one big entry deflates ~4x (random text of four letters): rewriting it
    inflates ~64 MB and deflates it again at the default level (the test builds it at level
    1, which is quick): seconds of work on any machine, within every limit."""
    table = bytes(b"ACGT"[i % 4] for i in range(256))
    buf = io.BytesIO(make_epub("3.0"))
    with zipfile.ZipFile(buf, "a", compresslevel=1) as z:
        info = zipfile.ZipInfo("OEBPS/data.txt")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            for _ in range(size // MiB):
                f.write(os.urandom(MiB).translate(table))
    data = buf.getvalue()
    assert len(data) < 32 * MiB  # under the body cap
    return data


def test_a_slow_signal_write_does_not_delay_decisions(
    base_url: str, world: World, epub: bytes
) -> None:
    sent = threading.Event()
    slow_done = threading.Event()
    slow_status: list[int] = []

    def body() -> Iterator[bytes]:
        for i in range(0, len(epub), MiB):
            yield epub[i : i + MiB]
        sent.set()  # the whole body is on its way: the server rewrites it next

    def slow() -> None:
        with (
            httpx.Client(base_url=base_url, timeout=300) as http,
            http.stream(
                "POST",
                f"/v1/works/{world.work}/signals/epub",
                content=body(),
                headers={**world.headers("developer"), "content-type": "application/epub+zip"},
            ) as r,
        ):
            # the status line arrives when the server has rewritten the EPUB
            slow_done.set()
            slow_status.append(r.status_code)
            r.read()

    with httpx.Client(base_url=base_url, timeout=300) as http:
        params = {"work": world.work, "purpose": "search"}
        warm = http.get("/v1/decisions", params=params, headers=world.headers("developer"))
        assert warm.status_code == 200, warm.text
        thread = threading.Thread(target=slow)
        thread.start()
        assert sent.wait(timeout=300)
        time.sleep(3.0)  # the server reads the last bytes and starts (not an assertion)
        answered_while_slow = 0
        for _ in range(5):
            r = http.get("/v1/decisions", params=params, headers=world.headers("developer"))
            assert r.status_code == 200, r.text
            if not slow_done.is_set():
                answered_while_slow += 1
        thread.join(timeout=300)
    assert slow_status == [200]
    assert answered_while_slow == 5, "decisions waited for the EPUB rewrite"
