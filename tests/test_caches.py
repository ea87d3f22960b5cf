"""Caches are bounded in bytes, not only in entries: many huge unique keys never grow them
past their bound (70 requests of long unique URLs grew the server from 127 MB to 4.4 GB)."""

from __future__ import annotations

import contextlib
import gc
import tracemalloc
from collections.abc import Callable

from consentry.caches import ENTRY_OVERHEAD, BoundedCache
from consentry.registry.identifiers import _PARSED, parse_identifier
from consentry.signals.robots import rule_regex
from consentry.store.repositories import decimal_share
from consentry.store.times import parse_time


def retained_bytes(work: Callable[[], None]) -> int:
    """Bytes still allocated after ``work`` ran and its garbage was collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_bounded_cache_holds_its_byte_bound_under_huge_unique_keys() -> None:
    cache: BoundedCache[str, str] = BoundedCache(
        "t", max_entries=1_000_000, max_bytes=64 * 1024, max_key_bytes=4096
    )
    for n in range(5000):
        key = f"{n:06d}" + "k" * 3000  # under max_key_bytes: cached, then evicted by bytes
        cache.put(key, key.upper())
        assert cache.nbytes <= cache.max_bytes
    assert 0 < len(cache) < 20
    assert cache.get(key) == key.upper()  # the newest is kept
    assert cache.get("000000" + "k" * 3000) is None  # the oldest went
    huge = "h" * 10_000  # over max_key_bytes: never stored
    cache.put(huge, "v")
    assert cache.get(huge) is None


def test_bounded_cache_counts_what_it_holds() -> None:
    cache: BoundedCache[str, int] = BoundedCache(
        "t", max_entries=3, max_bytes=10**6, max_key_bytes=100
    )
    for n in range(10):
        cache.put(str(n), n, size=10)
    assert len(cache) == 3 and cache.nbytes == 3 * (10 + ENTRY_OVERHEAD)
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


def test_identifier_cache_stays_under_its_bound_for_long_unique_urls() -> None:
    def lookups() -> None:
        for n in range(3000):
            parse_identifier(f"https://example.org/{n}/" + "a" * 1900)

    retained = retained_bytes(lookups)
    assert _PARSED.nbytes <= _PARSED.max_bytes
    # 3,000 URLs of ~1.9 KB were kept whole (key, canonical value and field: ~12 MB) before
    assert retained < 2 * 1024 * 1024, retained


def test_identifier_cache_bytes_bounded_for_many_short_unique_keys() -> None:
    for n in range(20_000):
        parse_identifier(f"https://example.org/{n}/" + "b" * 200)
        assert _PARSED.nbytes <= _PARSED.max_bytes


def test_string_memos_do_not_keep_long_keys() -> None:
    def calls() -> None:
        for n in range(300):
            decimal_share(f"{n}." + "1" * 5000)
            with contextlib.suppress(ValueError):
                parse_time(f"2026-01-01T00:00:{n % 60:02d}" + "9" * 5000)

    assert retained_bytes(calls) < 1024 * 1024


def test_robots_pattern_memo_skips_long_patterns() -> None:
    # Python's own ``re`` cache still keeps its last 512 compiled patterns (bounded by
    # entries); our memo no longer keeps 16,384 of any length on top of it.
    long = "/x/" + "p" * 2000
    before = rule_regex.__wrapped__  # type: ignore[attr-defined]
    assert rule_regex(long).pattern == before(long).pattern


def test_fingerprint_power_tables_stop_growing_at_their_bound() -> None:
    from consentry.fingerprints import kernel

    kernel._pows(1000)
    b, _ = kernel._pows(kernel.MAX_CACHED_POWS + 10)
    assert len(b) >= kernel.MAX_CACHED_POWS + 10
    assert len(kernel._pow_cache["b"]) <= kernel.MAX_CACHED_POWS
    assert sum(a.nbytes for a in kernel._pow_cache.values()) <= 2 * 8 * kernel.MAX_CACHED_POWS
