"""Executors: run per-shard work over a corpus's shards, locally or on Ray.

One executor serves ``scan`` and ``filter``. The work is a picklable :class:`ShardWork`:
:class:`ScanWork` runs :func:`~consentry.scan.pipeline.scan_shard`,
:class:`consentry.scan.filter.FilterWork` runs :func:`~consentry.scan.filter.filter_shard`.
Each worker calls :meth:`ShardWork.start` once (the matcher is built once per worker, so a
memory-mapped index is opened once per process and never pickled), then applies what it
returned to whole shards. The executors differ only in scheduling, and callers combine the
results in one place (:func:`~consentry.scan.pipeline.merge`, the filter's manifest), so the
same corpus gives byte-identical output on both.

- ``local``: ``workers == 1`` runs in this process. With N workers this process is one of
  them, beside a ``spawn`` pool of N - 1 processes (spawned: safe next to threads, such as a
  progress bar's): the children take the biggest shards first, two queued each, and this
  process, whose imports are done, takes the smallest left whenever the children have
  enough, so it neither waits for their start-up nor sits idle. Children die with their
  parent (:func:`consentry.scan.workers.die_with_parent`). A child that dies fails the run
  with a :class:`~consentry.errors.ScanError` instead of hanging.
- ``ray``: Ray Data, one block per shard, mapped by an actor pool of ``workers`` actors.
  Needs ``pip install 'consentry[ray]'``. Uses the running Ray cluster when ``ray.init`` was
  already called, else the cluster ``RAY_ADDRESS`` names, else starts a local one with
  ``workers`` CPUs (never the last cluster ``ray start`` left behind). The work is checked in the
  driver first (the work is started once there), so a bad index fails in one line before
  any cluster starts. Results travel back pickled. The filter's workers
  write into its output folder, so on a cluster of several machines that folder must be on
  a file system every node shares.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from consentry.errors import ConsentryError, ScanError
from consentry.scan.pipeline import MatcherFactory, ScanResult, ShardResult, merge, scan_shard
from consentry.scan.readers import ReadOptions, Shard
from consentry.scan.workers import die_with_parent

__all__ = [
    "ENGINES",
    "OnShard",
    "ScanWork",
    "ShardWork",
    "check_matcher",
    "execute",
    "run",
    "run_local",
    "run_ray",
]

ENGINES = ("local", "ray")
OnShard = Callable[[ShardResult], None]  # called once per finished shard (progress bars)
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class ShardWork(Protocol[R_co]):
    """Per-shard work an executor schedules. Must be picklable (a frozen dataclass, say)."""

    def start(self) -> Callable[[Shard], R_co]:
        """Called once in each worker: builds what the work needs (the matcher) and returns
        the function run on each shard."""
        ...

    def died(self, exc: BaseException) -> ScanError:
        """The error to raise when a worker process died (says what was kept)."""
        ...


def check_matcher(factory: MatcherFactory) -> None:
    """Build the matcher once in this process (an index is opened, its prefilter built and
    its order checked), so a bad index is one :class:`ScanError` line here instead of a
    failure inside every Ray actor after the cluster started."""
    _start(factory)


def _start(work: Callable[[], R]) -> R:
    """``work()`` (a matcher factory, a work's ``start``) in this process; what cannot be
    built is one :class:`ScanError` line naming why."""
    try:
        return work()
    except ConsentryError:
        raise
    except Exception as exc:
        raise ScanError(f"the matcher cannot be built: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ScanWork:
    """``scan``: each shard through :func:`~consentry.scan.pipeline.scan_shard`
    (``digest``: with the shard's sha256, which only the report uses)."""

    factory: MatcherFactory
    options: ReadOptions
    digest: bool = True

    def start(self) -> Callable[[Shard], ShardResult]:
        matcher, options, digest = self.factory(), self.options, self.digest
        return lambda shard: scan_shard(shard, options, matcher, digest=digest)

    def died(self, exc: BaseException) -> ScanError:
        return ScanError(
            f"a scan worker process died ({exc}); no match file was written", engine="local"
        )


def _check_workers(workers: int) -> None:
    if workers < 1:
        raise ScanError(f"workers is {workers}, expected 1 or more", workers=workers)


def _biggest_first(shards: Sequence[Shard]) -> list[Shard]:
    """So a large last shard does not leave a worker idle at the end."""

    def size(shard: Shard) -> int:
        try:
            return os.path.getsize(shard.path)
        except OSError:
            return 0

    return sorted(shards, key=size, reverse=True)


# --------------------------------------------------------------------------- local

_worker_run: Callable[[Shard], Any] | None = None


def _init_worker(work: ShardWork[Any]) -> None:
    global _worker_run
    die_with_parent()  # a killed scan or filter leaves no worker behind
    _worker_run = work.start()


def _run_in_worker(shard: Shard) -> Any:
    assert _worker_run is not None
    return _worker_run(shard)


def _iter_local(shards: Sequence[Shard], work: ShardWork[R], workers: int) -> Iterator[R]:
    if workers == 1 or len(shards) <= 1:
        run_one = work.start()
        for shard in shards:
            yield run_one(shard)
        return
    # this process is one of the workers, beside workers - 1 spawned ones: it has its imports
    # done, so it starts on the biggest shard while they start up, and does not sit idle
    children = min(workers, len(shards)) - 1
    # a process pool that fails loudly: a worker that dies (or whose matcher cannot be
    # built) breaks the pool and raises, where multiprocessing.Pool would respawn forever
    with ProcessPoolExecutor(
        children,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(work,),
    ) as pool:
        try:
            yield from _share_shards(pool, children, _biggest_first(shards), work)
        except BrokenProcessPool as exc:
            raise work.died(exc) from exc


def _share_shards(
    pool: ProcessPoolExecutor, children: int, order: list[Shard], work: ShardWork[R]
) -> Iterator[R]:
    """Shards biggest first to the pool, two queued per child so none waits, and one at a
    time to this process whenever the children have enough; results as they finish."""
    pending = deque(order)
    inflight: set[Future[R]] = set()

    def top_up() -> None:
        while pending and len(inflight) < 2 * children:
            inflight.add(pool.submit(_run_in_worker, pending.popleft()))

    try:
        top_up()
        run_here = _start(work.start)  # while the children start up
        while pending or inflight:
            finished = {f for f in inflight if f.done()}
            for future in finished:
                inflight.discard(future)
                yield future.result()
            if pending:
                yield run_here(pending.pop())  # the smallest left: the children have the big
            elif inflight and not finished:
                wait(inflight, return_when=FIRST_COMPLETED)
            top_up()
    finally:
        for future in inflight:
            future.cancel()


# --------------------------------------------------------------------------- ray


class _RayShardTask:
    """Ray Data callable class: the work started once per actor, one shard per row."""

    def __init__(self, work: ShardWork[Any]) -> None:
        self._run = work.start()

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        shard = Shard(str(row["path"]), str(row["kind"]), str(row["name"]))
        return {"result": pickle.dumps(self._run(shard))}


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ScanError(
            "the ray engine needs Ray Data: pip install 'consentry[ray]'", engine="ray"
        ) from exc
    return ray


def _iter_ray(shards: Sequence[Shard], work: ShardWork[R], workers: int) -> Iterator[R]:
    ray = _import_ray()
    if not shards:
        return
    _start(work.start)  # a bad index fails here, in one line, before a cluster starts
    started = not ray.is_initialized()
    if started:
        # The cluster RAY_ADDRESS names when it is set (the user's explicit choice), else a
        # new local one ("local"). Never Ray's own fallback for no address: the last cluster
        # `ray start` left in /tmp/ray/ray_current_cluster, which it retries when that
        # cluster has since died (a CI run hung there for an hour).
        # (Ray refuses num_cpus for a cluster that exists: it has its own.)
        cluster = os.environ.get("RAY_ADDRESS")
        if cluster:
            ray.init(address=cluster, log_to_driver=False)
        else:
            ray.init(
                address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False
            )
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        order = _biggest_first(shards)
        items = [{"path": s.path, "kind": s.kind, "name": s.name} for s in order]
        ds = ray.data.from_items(items, override_num_blocks=len(items)).map(
            _RayShardTask,  # Ray Data accepts callable classes (one instance per actor)
            fn_constructor_args=(work,),
            compute=ray.data.ActorPoolStrategy(size=min(workers, len(items))),
            num_cpus=1,
        )
        for row in ds.iter_rows():
            yield pickle.loads(row["result"])
    finally:
        if started:  # a cluster we started is ours to stop; a running one is left alone
            ray.shutdown()


# --------------------------------------------------------------------------- both


def execute(
    engine: str,
    shards: Sequence[Shard],
    work: ShardWork[R],
    *,
    workers: int = 1,
    on_result: Callable[[R], None] | None = None,
) -> list[R]:
    """Run ``work`` over every shard on ``engine`` (``local`` or ``ray``) with ``workers``
    workers; the results in the order they finished (``on_result`` sees each as it does)."""
    _check_workers(workers)
    if engine == "local":
        results = _iter_local(shards, work, workers)
    elif engine == "ray":
        results = _iter_ray(shards, work, workers)
    else:
        raise ScanError(f"engine {engine!r} is not one of {list(ENGINES)}", engine=engine)
    out = []
    for result in results:
        if on_result is not None:
            on_result(result)
        out.append(result)
    return out


def run(
    engine: str,
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 1,
    on_shard: OnShard | None = None,
    digest: bool = True,
) -> ScanResult:
    """Scan ``shards`` on ``engine`` and merge the results (``digest``: hash every shard,
    for a report's corpus manifest)."""
    work = ScanWork(factory, options, digest)
    return merge(execute(engine, shards, work, workers=workers, on_result=on_shard))


def run_local(
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 1,
    on_shard: OnShard | None = None,
) -> ScanResult:
    """Scan ``shards`` with ``workers`` local processes and merge the results."""
    return run("local", shards, options, factory, workers=workers, on_shard=on_shard)


def run_ray(
    shards: Sequence[Shard],
    options: ReadOptions,
    factory: MatcherFactory,
    *,
    workers: int = 2,
    on_shard: OnShard | None = None,
) -> ScanResult:
    """Scan ``shards`` with Ray Data (an actor pool of ``workers``) and merge the results."""
    return run("ray", shards, options, factory, workers=workers, on_shard=on_shard)
