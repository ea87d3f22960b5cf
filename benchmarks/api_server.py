"""Start the real API server (uvicorn) on a free loopback port in a subprocess, for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(home: Path, database_url: str | None = None, workers: int = 1) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, CONSENTRY_HOME=str(home))
    if database_url:
        env["CONSENTRY_DATABASE_URL"] = database_url
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "consentry.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def admin_token(home: Path, database_url: str | None, role: str = "admin") -> str:
    env = dict(os.environ, CONSENTRY_HOME=str(home))
    if database_url:
        env["CONSENTRY_DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-m", "consentry.cli", "keys", "create", "--role", role]
        + (["--party", "pa00001"] if role != "admin" else []),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[0]
