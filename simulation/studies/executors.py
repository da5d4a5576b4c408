"""Executors: where the runs of a batch execute.

An executor takes a run function (a picklable top-level callable ``(RunSpec) -> dict``) and a
lazy stream of run specs, and yields one :class:`RunRecord` per run as each finishes, in any
order. At most ``max_in_flight`` runs are submitted and not yet handed back, so memory stays flat
however long the batch: specs are pulled from the stream only as results go out.

- :class:`LocalExecutor`: worker processes on this machine (``spawn`` start method, the same on
  Linux, macOS and Windows); with one worker the runs execute in this process.
- :class:`DaskExecutor`: an existing Dask cluster (``scheduler`` address) or a local one that it
  starts and stops. Dask is an optional extra: ``pip install tipsim[cluster]``.

A run that raises becomes a failed record (its error and traceback kept); a run whose worker
died becomes a failed record too, and the batch goes on. Results never depend on the executor:
a run's seed is in its spec.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from simulation.model.errors import UserError
from simulation.model.limits import cores, useful_workers

RunFunction = Callable[[Any], Any]


@dataclass
class RunRecord:
    """What came back from one run: outcomes (region), per-jurisdiction outcomes and, when the
    experiment records them, weekly rows; or the error that stopped it."""

    spec: Any
    ok: bool
    outcomes: dict[str, float] = field(default_factory=dict)
    jurisdictions: dict[str, dict[str, float]] = field(default_factory=dict)
    by_form: dict[str, dict[str, float]] = field(default_factory=dict)
    by_group: dict[str, dict[str, float]] = field(default_factory=dict)
    weekly: Any = None  # pandas.DataFrame or None
    contacts: Any = None  # pandas.DataFrame or None: victims' contacts with each list
    exploited: Any = None  # pandas.DataFrame or None: exploitation spells (the truth for MSE)
    statistics: Any = None  # pandas.DataFrame or None: the statistics as countries publish them
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    worker: str = ""


def execute(run_fn: RunFunction, spec: Any) -> RunRecord:
    """Run one spec, catching its error: the worker-side wrapper every executor submits.

    ``run_fn`` returns either ``{"outcomes": {...}, "jurisdictions": {...}, "by_form": {...},
    "by_group": {...}, "weekly": df, "contacts": df, "exploited": df, "statistics": df}`` (any
    but the outcomes may be missing) or a flat mapping of outcome name to number (an outside
    model that has nothing else)."""
    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        out = run_fn(spec)
        if "outcomes" not in out:
            out = {"outcomes": out}
        return RunRecord(spec=spec, ok=True,
                         outcomes={k: _number(v) for k, v in out["outcomes"].items()},
                         jurisdictions=out.get("jurisdictions") or {},
                         by_form=out.get("by_form") or {}, by_group=out.get("by_group") or {},
                         weekly=out.get("weekly"), contacts=out.get("contacts"),
                         exploited=out.get("exploited"), statistics=out.get("statistics"),
                         seconds=time.perf_counter() - start,
                         worker=worker)
    except Exception as exc:  # noqa: BLE001 - a run's failure is data, not a crash of the batch
        return _failed(spec, exc, traceback.format_exc(), time.perf_counter() - start, worker)


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _failed(spec: Any, exc: BaseException, tb: str = "", seconds: float = 0.0,
            worker: str = "") -> RunRecord:
    return RunRecord(spec=spec, ok=False, error=f"{type(exc).__name__}: {exc}", traceback=tb,
                     seconds=seconds, worker=worker)


def shielded_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (if it is not running) with SIGHUP ignored.

    The tracker ignores SIGINT and SIGTERM but not SIGHUP, so a SIGHUP to the process group (a
    closed terminal) killed it while the batch went on to end cleanly; multiprocessing then
    started a new tracker, which did not know the pool's semaphores and printed a ``KeyError``
    traceback for each as the pool closed. An ignored signal stays ignored across the exec
    that starts the tracker, so it outlives the hang-up and the batch ends with one line."""
    from multiprocessing import resource_tracker

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, previous)


def _init_worker() -> None:
    """Set up a local worker process.

    Ctrl-C is the parent's to handle: it stops the batch and ends the workers. And a worker
    whose parent is gone (killed with SIGKILL, say) exits rather than wait forever for work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the parent's too: it ends the workers
    parent = multiprocessing.parent_process()
    if parent is not None:
        def watch() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="tipsim-parent-watch").start()


class LocalExecutor:
    """Runs on this machine: ``workers`` processes, or this process when ``workers == 1``."""

    name = "local"

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None):
        self.workers = max(1, workers or cores())
        self.max_in_flight = max_in_flight or 2 * self.workers

    def run(self, run_fn: RunFunction, specs: Iterable[Any]) -> Iterator[RunRecord]:
        if self.workers == 1:
            for spec in specs:
                yield execute(run_fn, spec)
            return
        yield from self._run_pool(run_fn, iter(specs))

    def _pool(self) -> ProcessPoolExecutor:
        # "spawn": every worker is a fresh interpreter that imports the code as it is now (no
        # stale modules from a long-lived server, no inherited locks), the same on every OS.
        shielded_resource_tracker()
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker)

    def _run_pool(self, run_fn: RunFunction, specs: Iterator[Any]) -> Iterator[RunRecord]:
        pool = self._pool()
        in_flight: dict[Any, Any] = {}
        carried: list[Any] = []  # taken from the stream but refused by a pool that just broke
        try:
            while True:
                broken = False
                while not broken and len(in_flight) < self.max_in_flight:
                    spec = carried.pop() if carried else next(specs, None)
                    if spec is None:
                        break
                    try:
                        in_flight[pool.submit(execute, run_fn, spec)] = spec
                    except BrokenProcessPool:
                        carried.append(spec)
                        broken = True
                if not in_flight and not broken:
                    return
                if not broken:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        spec = in_flight.pop(fut)
                        try:
                            yield fut.result()
                        except BrokenProcessPool as exc:
                            broken = True
                            yield _failed(spec, exc, LOST_WORKER)
                        except Exception as exc:  # noqa: BLE001 - e.g. the spec failed to pickle
                            yield _failed(spec, exc, traceback.format_exc())
                if broken:
                    # Every run still in flight on the dead pool is lost with it.
                    for spec in in_flight.values():
                        yield _failed(spec, BrokenProcessPool("a worker process died"),
                                      LOST_WORKER)
                    in_flight.clear()
                    _stop(pool)
                    pool = self._pool()
        finally:
            _stop(pool)


LOST_WORKER = ("a worker process died while this run was in flight (killed, out of memory or "
               "crashed); every run in flight on that pool is recorded failed and retried on "
               "resume")


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down now: pending runs cancelled, running ones ended (their results, if
    any, would be thrown away anyway, and the store never holds half a run)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


class DaskExecutor:
    """Runs on a Dask cluster: the one at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``), or a
    local cluster of ``workers`` single-threaded processes started for the batch.

    The cluster's workers need the same tipsim installed (runs travel as a reference to the run
    function plus a resolved scenario; no files are read on the workers). Results come back to
    this process, which alone writes the store, so the workers need no shared disk."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 max_in_flight: int | None = None):
        self.workers = workers
        self.scheduler = scheduler
        self.max_in_flight = max_in_flight

    def run(self, run_fn: RunFunction, specs: Iterable[Any]) -> Iterator[RunRecord]:
        distributed = _import_distributed()
        import logging
        import uuid

        cluster = None
        if self.scheduler:
            try:
                client = distributed.Client(self.scheduler, timeout="20s")
            except OSError as exc:
                raise UserError(f"--scheduler {self.scheduler}: cannot reach a Dask scheduler "
                                f"there ({exc})") from None
        else:
            usable = cores()  # more single-threaded workers than cores: no faster
            cluster = distributed.LocalCluster(
                n_workers=min(self.workers or usable, usable), threads_per_worker=1,
                processes=True, dashboard_address=None, silence_logs=logging.WARNING)
            client = distributed.Client(cluster)
        try:
            slots = sum(client.nthreads().values()) or 1
            limit = self.max_in_flight or 2 * slots
            batch = uuid.uuid4().hex[:8]
            specs = iter(specs)
            pending = distributed.as_completed()
            owner: dict[str, Any] = {}

            def submit() -> bool:
                spec = next(specs, None)
                if spec is None:
                    return False
                fut = client.submit(execute, run_fn, spec, pure=False,
                                    key=f"tipsim-{batch}-{spec.run_id}")
                owner[fut.key] = spec
                pending.add(fut)
                return True

            for _ in range(limit):
                if not submit():
                    break
            for fut in pending:
                spec = owner.pop(fut.key)
                try:
                    record = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the worker died
                    record = _failed(spec, exc, "the Dask task failed outside the run "
                                                "(worker lost or killed)")
                fut.release()
                yield record
                submit()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise UserError("--executor dask needs Dask: pip install 'tipsim[cluster]'") from None
    return distributed


def make_executor(kind: str = "local", workers: int | None = None,
                  scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    """The executor named on the command line."""
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    if kind == "local":
        if scheduler:
            raise UserError("--scheduler only applies with --executor dask")
        return LocalExecutor(workers)
    if kind == "dask":
        _import_distributed()
        return DaskExecutor(workers, scheduler)
    raise UserError(f"--executor {kind!r}: choose 'local' or 'dask'")


@dataclass
class BatchSummary:
    """How a batch went: ``completed`` and ``failed`` count the whole store, ``ran`` this call."""

    path: str
    total: int
    completed: int
    failed: int
    ran: int
    skipped: int
    seconds: float
    interrupted: bool = False
    redone: list[str] = field(default_factory=list)  # damaged parts whose runs were redone
    previous_writer: dict | None = None  # a batch killed while writing, whose lock was taken

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran / self.seconds if self.seconds > 0 else float("nan")


def run_experiment(experiment, out: str | os.PathLike, *, workers: int | None = None,
                   executor: str | LocalExecutor | DaskExecutor = "local",
                   scheduler: str | None = None, restart: bool = False,
                   retry_failed: bool = True, progress: bool = True,
                   run_fn: RunFunction | None = None,
                   allow_code_change: bool = False, allow_large: bool = False) -> BatchSummary:
    """Run every run of ``experiment`` not yet in the store at ``out``, writing each as it ends.

    ``experiment`` is an :class:`~simulation.studies.experiment.Experiment`, a path to its TOML file
    or a dict. Rerunning the same call after an interruption runs only the missing runs (and, with
    ``retry_failed``, the failed ones). ``run_fn`` replaces the model (a picklable top-level
    ``(RunSpec) -> dict``); by default the real model runs. A store whose finished runs came
    from other model code is refused unless ``restart`` or ``allow_code_change``; one of more
    than a million runs, or whose runs would not fit in memory, unless ``allow_large``. Local
    workers are capped at what is useful: the cores, the runs to do, the runs that fit in
    memory at once.

    >>> summary = run_experiment("scenarios/experiments/policy_comparison.toml",
    ...                          "results/policy_comparison", workers=2)  # doctest: +SKIP
    """
    from simulation.studies.experiment import Experiment, run_spec
    from simulation.studies.store import DEFAULT_MODEL, ResultStore

    exp = Experiment.load(experiment, allow_large=allow_large)
    run_fn = run_fn or run_spec
    model = (DEFAULT_MODEL if run_fn is run_spec
             else f"{run_fn.__module__}:{run_fn.__qualname__}")
    if isinstance(executor, str):
        executor = make_executor(executor, workers, scheduler)
    with ResultStore.open(out, exp, model=model, restart=restart,
                          allow_code_change=allow_code_change) as store:
        return _run_into(store, exp, run_fn, executor, scheduler, retry_failed, progress)


def _run_into(store, exp, run_fn, executor, scheduler, retry_failed, progress) -> BatchSummary:
    """The batch proper, with the store's lock held."""
    # the design's and the draws' values the store was made with, whatever this machine
    # and install derive (the same bits where they are the same)
    from simulation.studies.store_provenance import adopt_design_values

    differ = adopt_design_values(exp, store.manifest, str(store.path))
    done = store.completed_ids()
    skip = done if retry_failed else done | store.failed_ids()
    todo = sum(1 for spec in exp.runs() if spec.run_id not in skip)
    if isinstance(executor, LocalExecutor):
        executor.workers = useful_workers(executor.workers, todo, exp._run_bytes)
        executor.max_in_flight = min(executor.max_in_flight, 2 * executor.workers)
    pending = (spec for spec in exp.runs() if spec.run_id not in skip)
    notes: dict[str, Any] = {}
    if store.redone:
        notes["redone_damaged"] = [str(d) for d in store.redone]
    if store.previous_writer:
        notes["took_over_lock_of"] = store.previous_writer
    if differ:
        notes["design_values_derived_here_differ"] = differ
    try:
        store.start_session(executor=executor.name, workers=getattr(executor, "workers", None),
                            scheduler=scheduler, to_run=todo, **notes)
    except OSError as exc:
        raise StoreWriteError(f"{store.path}: cannot record the session in manifest.json "
                              f"({exc.strerror or exc}); {len(done)} of {exp.n_runs} runs are "
                              "saved; free some space and run the same command") from None
    bar = _progress(exp, len(done), todo, progress)
    ran = failed = 0
    start = time.perf_counter()
    interrupted = False
    try:
        for record in executor.run(run_fn, pending):
            try:
                store.write(record)
            except OSError as exc:
                raise StoreWriteError(
                    f"{store.path}: cannot save run {record.spec.run_id} "
                    f"({exc.strerror or exc}); {len(store.completed_ids())} of {exp.n_runs} "
                    "runs are saved; free some space (or fix the folder) and run the same "
                    "command to resume") from None
            ran += 1
            failed += not record.ok
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
        try:
            store.finish_session(ran=ran, failed=failed, seconds=round(seconds, 3),
                                 interrupted=interrupted)
        except OSError:
            pass  # a full disk: the session stays open in the manifest; the runs are saved
    return BatchSummary(path=str(store.path), total=exp.n_runs,
                        completed=len(store.completed_ids()), failed=len(store.failed_ids()),
                        ran=ran, skipped=exp.n_runs - todo, seconds=seconds,
                        redone=[str(d) for d in store.redone],
                        previous_writer=store.previous_writer)


class StoreWriteError(UserError):
    """A run's result could not be written (a full disk, say); the runs before it are saved."""


def _progress(exp, done: int, todo: int, enabled: bool):
    if not enabled or not todo:
        return None
    from tqdm import tqdm

    return tqdm(total=done + todo, initial=done, desc=exp.name, unit="run", dynamic_ncols=True,
                postfix={"failed": 0})
