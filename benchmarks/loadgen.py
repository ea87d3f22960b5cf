"""A small HTTP/1.1 load generator for the decision benchmarks: closed and open loop.

It runs on the same 2 cores as the server, so it is written to cost little CPU: uvloop,
``asyncio.Protocol`` connections (no streams, no futures per request), keep-alive, requests
prepared as bytes before the clock starts, and a response parser that only finds the status,
``Content-Length`` and the end of the body.

Closed loop (:func:`closed_loop`): N connections, each sends its next request as soon as the
previous one is answered, for a fixed duration. This finds the saturation throughput; its
latencies are service times under that load.

Open loop (:func:`open_loop`): requests are due at fixed times (``rate`` per second, evenly
spaced) for a fixed duration, whatever the server does. Each latency is measured from the
request's *scheduled* time, not from when it was written: when the generator falls behind or
every connection is busy, the wait is part of the latency (no coordinated omission, the way
wrk2 measures). A due request goes to an idle keep-alive connection (oldest idle first, so the
load spreads over the connections, and so over the server's worker processes); when none is
idle, a new connection is opened (up to ``max_connections``; the connect time counts), past
that the request waits in a queue, still timed from its schedule.

Both return a :class:`LoadResult` with every latency, so the caller reports percentiles.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

try:  # uvloop is what uvicorn[standard] runs on; plain asyncio works too, just slower
    import uvloop

    new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    LOOP = "uvloop"
except ImportError:  # pragma: no cover
    new_loop = asyncio.new_event_loop
    LOOP = "asyncio"

clock = time.perf_counter
STAGGER_S = 0.02  # between opening one connection and the next


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    statuses: dict[int, int] = field(default_factory=dict)  # status -> count (all answers)
    connection_errors: int = 0  # connections lost or refused
    unfinished: int = 0  # requests not answered when the run ended (open loop)
    duration_s: float = 0.0  # measured window, from first scheduled send to last answer
    connections: int = 0  # connections opened in all
    loadgen_cpu_s: float = 0.0  # this process's CPU time over the measured window
    late_sends: int = 0  # open loop: requests written more than 1 ms after their schedule

    @property
    def errors(self) -> int:
        bad = sum(n for s, n in self.statuses.items() if s != 200)
        return bad + self.connection_errors + self.unfinished


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max in milliseconds (nearest rank), mean too."""
    if not values:
        return {}
    s = sorted(values)
    n = len(s)

    def at(q: float) -> float:
        return round(s[min(n - 1, max(0, int(q * n + 0.5) - 1))] * 1000, 3)

    return {
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "p99_9_ms": at(0.999),
        "max_ms": round(s[-1] * 1000, 3),
        "mean_ms": round(sum(s) / n * 1000, 3),
    }


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    __slots__ = ("buf", "need", "on_answer", "on_lost", "status", "t_sched", "transport")

    def __init__(
        self, on_answer: Callable[[_Conn, int, float], None], on_lost: Callable[[_Conn], None]
    ) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.t_sched = 0.0
        self.on_answer = on_answer
        self.on_lost = on_lost
        self.need = -1  # total bytes of the current response once its head is read
        self.status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, request: bytes, t_sched: float) -> None:
        self.t_sched = t_sched
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        if self.need < 0:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            head = buf[:end].lower()
            self.status = int(head[9:12])
            i = head.find(b"\r\ncontent-length:")
            if i < 0:
                raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
            j = head.find(b"\r\n", i + 2)
            length = int(head[i + 17 : j if j > 0 else len(head)])
            self.need = end + 4 + length
        if len(buf) < self.need:
            self.buf = buf
            return
        self.buf = buf[self.need :]  # nothing, with one request in flight
        self.need = -1
        self.on_answer(self, self.status, self.t_sched)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.on_lost(self)


def _cpu_s() -> float:
    return time.process_time()


async def _connect(
    host: str,
    port: int,
    on_answer: Callable[[_Conn, int, float], None],
    on_lost: Callable[[_Conn], None],
) -> _Conn:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: _Conn(on_answer, on_lost), host, port)
    return proto


async def _closed(
    host: str,
    port: int,
    requests: Sequence[bytes],
    connections: int,
    warmup_s: float,
    duration_s: float,
) -> LoadResult:
    res = LoadResult()
    n_req = len(requests)
    state = {"i": 0, "measure": False, "stop": False}
    lat = res.latencies
    statuses = res.statuses
    idle: list[_Conn] = []

    def fire(conn: _Conn) -> None:
        i = state["i"]
        state["i"] = i + 1
        conn.send(requests[i % n_req], clock())

    def on_answer(conn: _Conn, status: int, t_sched: float) -> None:
        if state["measure"]:
            lat.append(clock() - t_sched)
            statuses[status] = statuses.get(status, 0) + 1
        if state["stop"]:
            idle.append(conn)
        else:
            fire(conn)

    def on_lost(conn: _Conn) -> None:
        if not state["stop"]:
            res.connection_errors += 1

    # Connections arrive one at a time, each busy at once, as clients do: opened in a burst,
    # all of them went to whichever server process woke first (uvicorn's workers accept on
    # one shared socket), and the other stayed idle.
    conns: list[_Conn] = []
    t_start = clock()
    for _ in range(connections):
        conn = await _connect(host, port, on_answer, on_lost)
        conns.append(conn)
        fire(conn)
        await asyncio.sleep(STAGGER_S)
    res.connections = len(conns)
    await asyncio.sleep(max(0.0, warmup_s - (clock() - t_start)))
    state["measure"] = True
    t0, c0 = clock(), _cpu_s()
    await asyncio.sleep(duration_s)
    state["stop"] = True
    res.duration_s = clock() - t0
    res.loadgen_cpu_s = _cpu_s() - c0
    deadline = clock() + 10
    while len(idle) < len(conns) and clock() < deadline:
        await asyncio.sleep(0.01)
    for c in conns:
        if c.transport is not None:
            c.transport.close()
    return res


async def _open(
    host: str,
    port: int,
    requests: Sequence[bytes],
    rate: float,
    warmup_s: float,
    duration_s: float,
    initial_connections: int,
    max_connections: int,
) -> LoadResult:
    res = LoadResult()
    n_req = len(requests)
    idle: deque[_Conn] = deque()
    waiting: deque[float] = deque()  # scheduled times of requests with no connection yet
    growing: set[asyncio.Future[None]] = set()  # connections being opened
    state = {"i": 0, "open": 0, "measure_from": float("inf"), "outstanding": 0}
    lat = res.latencies
    statuses = res.statuses

    def send(conn: _Conn, t_sched: float) -> None:
        i = state["i"]
        state["i"] = i + 1
        conn.send(requests[i % n_req], t_sched)

    def on_answer(conn: _Conn, status: int, t_sched: float) -> None:
        state["outstanding"] -= 1
        if t_sched >= state["measure_from"]:
            lat.append(clock() - t_sched)
            statuses[status] = statuses.get(status, 0) + 1
        if waiting:
            send(conn, waiting.popleft())
        else:
            idle.append(conn)

    def on_lost(conn: _Conn) -> None:
        state["open"] -= 1
        try:
            idle.remove(conn)
        except ValueError:  # it was busy: its request is lost
            state["outstanding"] -= 1
            res.connection_errors += 1

    async def grow(t_sched: float) -> None:
        try:
            conn = await _connect(host, port, on_answer, on_lost)
        except OSError:
            state["open"] -= 1
            state["outstanding"] -= 1
            res.connection_errors += 1
            return
        res.connections += 1
        send(conn, t_sched)

    def dispatch(t_sched: float) -> None:
        state["outstanding"] += 1
        if idle:
            send(idle.popleft(), t_sched)
        elif state["open"] < max_connections:
            state["open"] += 1
            task = asyncio.ensure_future(grow(t_sched))
            growing.add(task)
            task.add_done_callback(growing.discard)
        else:
            waiting.append(t_sched)

    for _ in range(initial_connections):  # spread over the server's processes as above
        idle.append(await _connect(host, port, on_answer, on_lost))
        await asyncio.sleep(STAGGER_S)
    state["open"] = res.connections = initial_connections
    interval = 1.0 / rate
    start = clock() + 0.01
    state["measure_from"] = start + warmup_s
    total = int((warmup_s + duration_s) * rate)
    c0 = 0.0
    i = 0
    while i < total:
        now = clock()
        while i < total:
            t = start + i * interval
            if t > now:
                break
            if now - t > 0.001 and t >= state["measure_from"]:
                res.late_sends += 1
            dispatch(t)
            i += 1
            if i == int(warmup_s * rate):
                c0 = _cpu_s()
        if i < total:
            await asyncio.sleep(start + i * interval - clock())
    deadline = clock() + 10
    while state["outstanding"] > 0 and clock() < deadline:
        await asyncio.sleep(0.001)
    res.duration_s = clock() - state["measure_from"]
    res.loadgen_cpu_s = _cpu_s() - c0
    res.unfinished = max(0, state["outstanding"])
    for c in list(idle):
        if c.transport is not None:
            c.transport.close()
    return res


def closed_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    duration_s: float,
    warmup_s: float = 2.0,
) -> LoadResult:
    """``connections`` clients back to back for ``warmup_s`` (not recorded) + ``duration_s``."""
    loop = new_loop()
    try:
        return loop.run_until_complete(
            _closed(host, port, requests, connections, warmup_s, duration_s)
        )
    finally:
        loop.close()


def open_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    rate: float,
    duration_s: float,
    warmup_s: float = 2.0,
    initial_connections: int = 32,
    max_connections: int = 512,
) -> LoadResult:
    """``rate`` requests per second on schedule for ``warmup_s`` + ``duration_s``; only requests
    scheduled after the warm-up are recorded, each from its scheduled time."""
    loop = new_loop()
    try:
        return loop.run_until_complete(
            _open(
                host,
                port,
                requests,
                rate,
                warmup_s,
                duration_s,
                initial_connections,
                max_connections,
            )
        )
    finally:
        loop.close()


# ------------------------------------------------------------------------------ CPU usage
def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def process_tree_cpu_s(root: int) -> float:
    """utime + stime of ``root`` and all its descendants (from /proc), in seconds."""
    total = 0
    todo = [root]
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / _ticks()


def children_cpu_s(root: int) -> dict[int, float]:
    """utime + stime of each child process of ``root`` and its descendants, by child pid
    (uvicorn's worker processes, to see how the load was shared between them)."""
    try:
        with open(f"/proc/{root}/task/{root}/children") as f:
            kids = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return {}
    return {k: process_tree_cpu_s(k) for k in kids}


def named_processes_cpu_s(name: str) -> float:
    """utime + stime of every process whose command name is ``name`` (e.g. ``postgres``)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != name:
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / _ticks()


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    total = sum(cpu[:8])
    return (total - idle) / _ticks(), total / _ticks()
