"""Executors: run :func:`~consentry.scan.pipeline.scan_shard` over shards, locally or on Ray.

Both differ only in scheduling. Each builds the matcher once per worker from a picklable
:class:`~consentry.scan.pipeline.MatcherFactory`, runs whole shards, and hands every
:class:`~consentry.scan.pipeline.ShardResult` to the one :func:`~consentry.scan.pipeline.merge`,
so the same corpus gives byte-identical match files on both.

- ``local``: ``workers == 1`` runs in this process; more workers use a ``spawn``
  multiprocessing pool (safe next to threads, such as a progress bar's). Workers die with
  their parent (:func:`consentry.scan.workers.die_with_parent`).
- ``ray``: Ray Data, one block per shard, mapped by an actor pool of ``workers`` actors.
  Needs ``pip install 'consentry[ray]'``. Uses the running Ray cluster when ``ray.init`` was
  already called, else starts a local one with ``workers`` CPUs. The matcher is built once
  in the driver first, so a bad index fails in one line before any cluster starts.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from consentry.errors import ConsentryError, ScanError
from consentry.scan.pipeline import (
    Matcher,
    MatcherFactory,
    ScanResult,
    ShardResult,
    merge,
    scan_shard,
)
from consentry.scan.readers import ReadOptions, Shard
from consentry.scan.workers import die_with_parent

__all__ = ["ENGINES", "OnShard", "check_matcher", "run", "run_local", "run_ray"]

ENGINES = ("local", "ray")
OnShard = Callable[[ShardResult], None]  # called once per finished shard (progress bars)


def _check_workers(workers: int) -> None:
    if workers < 1:
        raise ScanError(f"workers is {workers}, expected 1 or more", workers=workers)


# --------------------------------------------------------------------------- local

_worker_matcher: Matcher | None = None
_worker_options: ReadOptions | None = None


def _init_worker(factory: MatcherFactory, options: ReadOptions) -> None:
    global _worker_matcher, _worker_options
    die_with_parent()  # a killed scan leaves no worker behind
    _worker_matcher = factory()
    _worker_options = options


def _run_in_worker(shard: Shard) -> ShardResult:
    assert _worker_matcher is not None and _worker_options is not None
    return scan_shard(shard, _worker_options, _worker_matcher)


def _iter_local(
    shards: Sequence[Shard], options: ReadOptions, factory: MatcherFactory, workers: int
) -> Iterator[ShardResult]:
    if workers == 1 or len(shards) <= 1:
        matcher = factory()
        for shard in shards:
            yield scan_shard(shard, options, matcher)
        return
    ctx = multiprocessing.get_context("spawn")
    # biggest shards first, so a large last shard does not leave a worker idle at the end
    order = sorted(shards, key=_shard_size, reverse=True)
    # a process pool that fails loudly: a worker that dies (or whose matcher cannot be
    # built) breaks the pool and raises, where multiprocessing.Pool would respawn forever
    with ProcessPoolExecutor(
        min(workers, len(shards)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(factory, options),
    ) as pool:
        futures = [pool.submit(_run_in_worker, shard) for shard in order]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            raise ScanError(
                f"a scan worker process died ({exc}); no match file was written",
                engine="local",
            ) from exc
        finally:
            for future in futures:
                future.cancel()


def _shard_size(shard: Shard) -> int:
    import os

    try:
        return os.path.getsize(shard.path)
    except OSError:
        return 0


def run_local(
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 1,
    on_shard: OnShard | None = None,
) -> ScanResult:
    """Scan ``shards`` with ``workers`` local processes and merge the results."""
    _check_workers(workers)
    results = []
    for result in _iter_local(shards, options, factory, workers):
        if on_shard is not None:
            on_shard(result)
        results.append(result)
    return merge(results)


# --------------------------------------------------------------------------- ray


class _RayShardTask:
    """Ray Data callable class: one matcher per actor, one shard per row."""

    def __init__(self, factory: MatcherFactory, options: ReadOptions) -> None:
        self._matcher = factory()
        self._options = options

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        shard = Shard(str(row["path"]), str(row["kind"]), str(row["name"]))
        return {"result": scan_shard(shard, self._options, self._matcher).to_json()}


def run_ray(
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 2,
    on_shard: OnShard | None = None,
) -> ScanResult:
    """Scan ``shards`` with Ray Data (an actor pool of ``workers``) and merge the results."""
    _check_workers(workers)
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ScanError(
            "the ray engine needs Ray Data: pip install 'consentry[ray]'", engine="ray"
        ) from exc
    if not shards:
        return merge([])
    check_matcher(factory)  # a bad index fails here, in one line, before a cluster starts
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        return _run_on_ray(ray, shards, options, factory, workers, on_shard)
    finally:
        if started:  # a cluster we started is ours to stop; a running one is left alone
            ray.shutdown()


def check_matcher(factory: MatcherFactory) -> None:
    """Build the matcher once in this process (an index is opened, its prefilter built and
    its order checked), so a bad index is one :class:`ScanError` line here instead of a
    failure inside every Ray actor after the cluster started."""
    try:
        factory()
    except ConsentryError:
        raise
    except Exception as exc:
        raise ScanError(f"the matcher cannot be built: {exc}", engine="ray") from exc


def _run_on_ray(
    ray: Any,
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    workers: int,
    on_shard: OnShard | None,
) -> ScanResult:
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    items = [{"path": s.path, "kind": s.kind, "name": s.name} for s in shards]
    ds = ray.data.from_items(items, override_num_blocks=len(items)).map(
        _RayShardTask,  # Ray Data accepts callable classes (one instance per actor)
        fn_constructor_args=(factory, options),
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(items))),
        num_cpus=1,
    )
    results = []
    for row in ds.iter_rows():
        result = ShardResult.from_json(row["result"])
        if on_shard is not None:
            on_shard(result)
        results.append(result)
    return merge(results)


def run(
    engine: str,
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 1,
    on_shard: OnShard | None = None,
) -> ScanResult:
    """Dispatch to an executor by name (``local`` or ``ray``)."""
    if engine == "local":
        return run_local(shards, options, factory, workers=workers, on_shard=on_shard)
    if engine == "ray":
        return run_ray(shards, options, factory, workers=workers, on_shard=on_shard)
    raise ScanError(f"engine {engine!r} is not one of {list(ENGINES)}", engine=engine)
