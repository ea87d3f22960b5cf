"""Smoke test: the real server (uvicorn) on a free loopback port, called over HTTP."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from consentry.api.server import config
from tests.api.conftest import EMMA_ISBN, World


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_server_answers_over_loopback(world: World) -> None:
    port = free_port()
    server = uvicorn.Server(config(world.registry, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "server stopped while starting"
            assert time.monotonic() < deadline, "server did not start in 30 s"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as http:
            pem = http.get("/.well-known/consentry-public-key.pem")
            assert pem.status_code == 200
            assert pem.text == world.registry.public_key_pem
            assert http.get("/v1/works").status_code == 401
            r = http.post(
                "/v1/lookup",
                json={"ids": [EMMA_ISBN, "isbn:9780000000003"]},
                headers=world.headers("developer"),
            )
            assert r.status_code == 200
            results = r.json()["results"]
            assert results[0]["works"][0]["work_id"] == world.work
            assert "expected 2" in results[1]["error"]
            assert http.get("/openapi.json").json()["info"]["title"] == "consentry"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert not thread.is_alive()
