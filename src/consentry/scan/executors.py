"""Executors: run per-shard work over a corpus's shards, locally or on Ray.

One executor serves ``scan`` and ``filter``. The work is a picklable :class:`ShardWork`:
:class:`ScanWork` runs :func:`~consentry.scan.pipeline.scan_shard`,
:class:`consentry.scan.filter.FilterWork` runs :func:`~consentry.scan.filter.filter_shard`.
Each worker calls :meth:`ShardWork.start` once (the matcher is built once per worker, so a
memory-mapped index is opened once per process and never pickled), then applies what it
returned to whole shards. The executors differ only in scheduling, and callers combine the
results in one place (:func:`~consentry.scan.pipeline.merge`, the filter's manifest), so the
same corpus gives byte-identical output on both.

- ``local``: ``workers == 1`` runs in this process. With N workers, N ``spawn``-ed processes
  (spawned: safe next to threads, such as a progress bar's) take the shards biggest first,
  and this process only hands them out and collects the results. It does not scan beside
  them: its result-reading thread needs the GIL to drain a worker's pipe, and a scan in this
  process held it, so workers stalled on full pipes (measured on 2 cores: use dipped to
  1.2-1.5 cores every few tenths of a second, where N workers alone hold 2.0). The CLI
  starts the workers first thing (:func:`prestart`), so their imports overlap its own
  start-up. Each worker starts the work (builds the matcher) once, on its first shard.
  Children die with their parent (:func:`consentry.scan.workers.die_with_parent`). A child
  that dies fails the run with a :class:`~consentry.errors.ScanError` instead of hanging;
  a matcher that cannot be built in a worker fails it naming why.
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

import gc
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
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
    "prestart",
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

_worker_work: ShardWork[Any] | None = None  # the work this worker process started
_worker_run: Callable[[Shard], Any] | None = None
_prestarted: ProcessPoolExecutor | None = None  # workers started ahead of the command's work
_prestarted_size = 0


def _init_worker() -> None:
    """A worker's first act: die with the parent, then import what every scan and filter
    needs (numpy, rapidfuzz, the index and the readers) while the parent is still busy
    starting up, and move those objects out of the garbage collector's way."""
    import gc

    die_with_parent()  # a killed scan or filter leaves no worker behind
    import consentry.fingerprints.index
    import consentry.scan.match
    import consentry.scan.pipeline  # noqa: F401

    gc.freeze()


def _run_in_worker(work: ShardWork[Any], shard: Shard) -> Any:
    """One shard in a worker: the work is started on its first shard (its matcher built once
    per process), and again only if a later shard brings a different work."""
    global _worker_work, _worker_run
    if _worker_run is None or _worker_work != work:
        _worker_run = _start(work.start)
        _worker_work = work
    return _worker_run(shard)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # a process pool that fails loudly: a worker that dies breaks the pool and raises, where
    # multiprocessing.Pool would respawn forever
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
    )


def prestart(workers: int) -> None:
    """Start ``workers`` worker processes now, for a local run with that many workers that
    this process is about to make (the CLI calls it before it parses its arguments: the
    workers' start-up, about 0.4 s of imports, then overlaps its own). The next
    :func:`execute` with as many workers uses them; any other leaves them to be shut down at
    exit. ``workers < 2`` does nothing."""
    global _prestarted, _prestarted_size
    if workers < 2 or _prestarted is not None:
        return
    pool = _new_pool(workers)
    for _ in range(workers):  # a pool spawns a process per task it cannot place: spawn all
        pool.submit(os.getpid)
    _prestarted, _prestarted_size = pool, workers


def _take_pool(workers: int) -> ProcessPoolExecutor:
    global _prestarted
    pool = _prestarted
    if pool is not None and _prestarted_size == workers:
        _prestarted = None
        return pool
    return _new_pool(workers)


def _iter_local(shards: Sequence[Shard], work: ShardWork[R], workers: int) -> Iterator[R]:
    if workers == 1 or len(shards) <= 1:
        gc.freeze()  # the start-up's objects (imports, the CLI) out of every collection's walk
        run_one = _start(work.start)
        for shard in shards:
            yield run_one(shard)
        return
    # this process only collects results: plain data with no reference cycles, so no
    # collection runs while they arrive (each walked every result read so far: 0.1 s of the
    # benchmark's 65,708 matches, on a core the workers scan on)
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _take_pool(workers) as pool:
            futures: set[Future[R]] = set()
            try:
                futures = {pool.submit(_run_in_worker, work, s) for s in _biggest_first(shards)}
                for future in as_completed(futures):
                    yield future.result()
            except BrokenProcessPool as exc:
                raise work.died(exc) from exc
            finally:
                for future in futures:
                    future.cancel()
    finally:
        if collecting:
            gc.enable()


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
