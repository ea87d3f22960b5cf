"""Smoke test: the real server (uvicorn) on a free loopback port, called over HTTP."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx
import pytest

from consentry.api.server import app_from_environment
from tests.api.conftest import EMMA_ISBN, World
from tests.serving import serving


def test_real_server_answers_over_loopback(world: World) -> None:
    with (
        serving(world.registry) as served,
        httpx.Client(base_url=served.base, timeout=10) as http,
    ):
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
    assert not served.thread.is_alive()


def test_a_server_worker_leaves_its_start_up_heap_out_of_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8 (bulk lookup, every run): full garbage collections walked every object made at
    start-up; a worker's app factory freezes them once the app is built."""
    monkeypatch.setenv("CONSENTRY_HOME", str(tmp_path))
    monkeypatch.delenv("CONSENTRY_DATABASE_URL", raising=False)
    gc.unfreeze()
    try:
        app = app_from_environment()
        assert gc.get_freeze_count() > 0
        assert app.state.registry.settings.home == tmp_path
    finally:
        gc.unfreeze()
        app.state.registry.close()
