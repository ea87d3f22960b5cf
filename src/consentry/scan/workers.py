"""Worker processes that die with their parent, and the temporary files of killed runs.

A ``scan`` or ``filter`` with ``--workers N`` runs shards in spawned worker processes. When
the parent is killed (``kill -9``, ``SIGTERM``, the OOM killer) nothing tells the workers:
they would block on their task queue, or finish their shard and keep writing into the output
folder while a re-run goes. :func:`die_with_parent`, called first thing in every worker's
initializer, prevents that twice over:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (through ``ctypes``): the kernel kills the
  worker the moment its parent dies;
- everywhere, a daemon watchdog thread checks ``os.getppid()`` every
  :data:`WATCH_INTERVAL` seconds and ends the worker when the parent changed (it was
  re-parented, so the parent is gone).

A worker killed while writing leaves a temporary file behind. Temporary files written by
consentry carry the writing process's id (``.NAME.tmpPID`` or ``.NAME.PID.XXXX.tmp``);
:func:`remove_stale_temp` removes those whose process no longer runs, and the next run calls
it before it writes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["WATCH_INTERVAL", "die_with_parent", "pid_alive", "remove_stale_temp"]

WATCH_INTERVAL = 0.5  # seconds between the watchdog's parent checks
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# ".NAME.tmp1234" (filter) and ".NAME.1234.abc_xyz.tmp" (match files)
_TEMP_NAME = re.compile(r"^\..+?(?:\.tmp(?P<a>\d+)|\.(?P<b>\d+)\.[^.]+\.tmp)$")


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this (worker) process end when ``parent_pid`` (default: the process that
    spawned it) ends. Call it first in a worker initializer."""
    if parent_pid is None:
        parent = multiprocessing.parent_process()
        parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog still runs
            pass
    if os.getppid() != parent_pid:  # the parent died before the death signal was set
        os._exit(1)
    threading.Thread(
        target=_watch, args=(parent_pid,), name="consentry-parent-watchdog", daemon=True
    ).start()


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        if os.getppid() != parent_pid:
            os._exit(1)  # the parent is gone: stop now, do not write another byte


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a zombie has exited and only waits to be reaped
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] != "Z"


def remove_stale_temp(
    folders: Iterable[Path], *, recursive: bool = True, of: str | None = None
) -> list[Path]:
    """Remove consentry temporary files under ``folders`` whose writing process is gone
    (only those of the file named ``of`` when given); return what was removed. Files of
    running processes (a concurrent writer) are kept."""
    removed: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(".*") if recursive else folder.glob(".*"):
            m = _TEMP_NAME.match(path.name)
            if m is None or not path.is_file():
                continue
            if of is not None and not path.name.startswith(f".{of}."):
                continue
            pid = int(m.group("a") or m.group("b"))
            if pid != os.getpid() and not pid_alive(pid):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
