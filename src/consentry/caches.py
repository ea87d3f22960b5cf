"""Memo caches bounded in bytes as well as entries, for keys that come from outside.

``functools.lru_cache`` bounds only the number of entries: 65,536 identifiers of 2 KiB each
(a few bulk lookups of long unique URLs) held gigabytes. :class:`BoundedCache` is a
least-recently-used map that also bounds the bytes its entries hold and never stores an
entry whose key alone is over ``max_key_bytes`` (the long keys are the rare ones, and the
expensive ones to keep). :func:`memo_str` does the same for a function of one string.

Sizes are what ``sys.getsizeof`` says of the key and the value plus :data:`ENTRY_OVERHEAD`
for the map's own node, or what the caller states. Thread-safe: the API reads caches from
worker threads. Pure: no I/O.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

ENTRY_OVERHEAD = 120  # an OrderedDict node, its links and the (value, size) tuple


class BoundedCache(Generic[K, V]):
    """A least-recently-used map bounded by ``max_entries`` and ``max_bytes``."""

    def __init__(self, name: str, *, max_entries: int, max_bytes: int, max_key_bytes: int) -> None:
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_key_bytes = max_key_bytes
        self.nbytes = 0  # what the entries held now count
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V, size: int | None = None) -> None:
        """Keep ``value`` under ``key`` unless the key is too large to cache; evicts the
        least recently used entries until both bounds hold."""
        key_bytes = _sizeof(key)
        if key_bytes > self.max_key_bytes:
            return
        cost = (key_bytes + _sizeof(value) if size is None else size) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._data[key] = (value, cost)
            self.nbytes += cost
            while self.nbytes > self.max_bytes or len(self._data) > self.max_entries:
                _, (_, dropped) = self._data.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.nbytes = 0


def _sizeof(obj: object) -> int:
    if isinstance(obj, tuple):
        return sys.getsizeof(obj) + sum(sys.getsizeof(x) for x in obj)
    return sys.getsizeof(obj)


R = TypeVar("R")
StrFunc = Callable[[str], R]


def memo_str(max_entries: int, max_key_chars: int) -> Callable[[StrFunc[R]], StrFunc[R]]:
    """``lru_cache(max_entries)`` for a function of one string whose results are small, but
    only for strings of at most ``max_key_chars``: a longer one is computed each time, so the
    cache holds at most ``max_entries`` keys of bounded size (its byte bound)."""

    def wrap(func: StrFunc[R]) -> StrFunc[R]:
        cached = lru_cache(maxsize=max_entries)(func)

        @wraps(func)
        def call(text: str) -> R:
            return cached(text) if len(text) <= max_key_chars else func(text)

        return call

    return wrap
