"""Start the real API server (uvicorn) on a free loopback port in a subprocess, for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
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
    with server_process(home, database_url, workers) as (base, _):
        yield base


@contextmanager
def server_process(
    home: Path, database_url: str | None = None, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``consentry serve`` on a free loopback port; yields its base URL and process (the
    parent of the worker processes when ``workers`` > 1) once every worker has logged
    "Application startup complete" and the API answers. The server's log is drained by a
    thread (a full pipe would stall the server) and shown if it fails to start."""
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
    log: list[str] = []
    assert proc.stderr is not None
    stderr = proc.stderr
    threading.Thread(
        target=lambda: log.extend(line.decode(errors="replace") for line in stderr), daemon=True
    ).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + "".join(log[-50:]))
            started = sum("Application startup complete" in line for line in log)
            if started >= workers:
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        yield base, proc
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
