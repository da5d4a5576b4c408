"""Running a calibration: pyabc's ABC-SMC over the model, and the ensemble it leaves.

The inference is pyabc's (Klinger, Rickert and Hasenauer 2018, *Bioinformatics* 34(20)
3591; Del Moral, Doucet and Jasra 2012 for the adaptive tolerance): uniform priors over the
fitted parameters, a multivariate normal perturbation kernel, a tolerance that falls to the
median distance of the previous generation, and the populations kept in pyabc's SQLite history
(``OUT/history.db``), which is what an interrupted calibration resumes from.

What tipsim adds:

- the model as pyabc sees it (:class:`CalibrationModel`): parameters in, one simulated value
  per target out (held-out targets too, so the ensemble carries their posterior predictive
  values);
- the distance (:class:`StandardisedDistance`): the root mean square of ``(simulated -
  observed) / sd`` over the fitted targets, so a tolerance of 1 means "one standard deviation
  off, on average" (a target a run cannot compute counts 10 standard deviations off);
- an output folder that follows the store's rule (:mod:`simulation.studies.store_parts`): what
  calibrate writes is recorded in ``state.json`` by name and checksum, and it deletes or
  overwrites nothing else (a ``manifest.json`` or ``report.html`` of the user's in ``--out`` is
  refused, with or without ``--restart``);
- a sampler whose ensemble depends on the seed alone (:class:`OrderedSampler`): pyabc's
  ``MappingSampler``, with each generation's tasks seeded from ``(seed, generation, task)``
  and their results kept in task order, on local processes or a Dask cluster. pyabc's own
  dynamic samplers (``sampler="pyabc"``) take the first particles to finish, which is faster on
  a large cluster but not reproducible.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from simulation.inference.calibration.config import Calibration, load_calibration
from simulation.inference.calibration.ensemble import (ensemble_overrides, load_ensemble, natural,
                                                       write_ensemble)
from simulation.inference.calibration.folder import (ENSEMBLE, HISTORY, MANIFEST, OWN, REPORT,
                                                     STATE, CalibrationRunError, check_writable,
                                                     own_files, owned_state, read_state,
                                                     record_written, write_json)
from simulation.model.limits import cores
from simulation.model.seeds import task_seed

SAMPLERS = ("ordered", "pyabc")
MISSING = "pyabc is not installed; install the calibration extra: pip install 'tipsim[calibrate]'"


# -- the model and the distance, as pyabc calls them (picklable, top level) --------------------

@dataclass(frozen=True)
class CalibrationModel:
    """Parameters -> simulated target values. The run's seed is drawn from numpy's global
    generator, which :class:`OrderedSampler` seeds per task (pyabc draws proposals from it too)."""

    scenario: Any
    targets: Any  # TargetSet
    years: float
    scale: float
    priors: dict[str, tuple[float, float]]
    shapes: dict = field(default_factory=dict)  # name -> Distribution (not uniform)

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        from simulation.model.runner import run
        from simulation.model.scenario import with_overrides

        seed = int(np.random.randint(0, 2**62))
        values = natural(pars, self.priors, self.shapes)
        scenario = with_overrides(self.scenario,
                                  {f"parameters.{k}": v for k, v in values.items()})
        return self.targets.simulated(run(scenario, seed=seed), self.years, self.scale)


UNCOMPUTABLE = 10.0
"""How many standard deviations off a target counts when a run cannot compute it (a ratio with
no denominator): far enough to be rejected once the tolerance has fallen, finite so that the
first generations' tolerance (a median of distances) stays finite."""


@dataclass(frozen=True)
class StandardisedDistance:
    """Root mean square of ``(simulated - observed) / sd`` over the fitted targets; a target the
    run could not compute counts :data:`UNCOMPUTABLE` standard deviations off."""

    sd: dict[str, float]

    def __call__(self, x: dict[str, float], x_0: dict[str, float]) -> float:
        z = [(x[k] - x_0[k]) / s for k, s in self.sd.items()]
        z = [v if math.isfinite(v) else UNCOMPUTABLE for v in z]
        return math.sqrt(sum(v * v for v in z) / len(z))


# -- the sampler ---------------------------------------------------------------------------

class _Progress:
    """A tqdm bar per generation: accepted particles and the acceptance so far."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # a tqdm bar
        self.t: int | None = None

    def __call__(self, t: int, done: int, n: int, evaluations: int) -> None:
        if not self.enabled:
            return
        if self.bar is None or t != self.t:
            self.close()
            from tqdm import tqdm

            label = "prior sample" if t < 0 else f"generation {t}"
            self.bar, self.t = tqdm(total=n, desc=label, unit="particle", leave=True), t
        self.bar.update(done - self.bar.n)
        self.bar.set_postfix_str(f"{evaluations} runs, acceptance {done / evaluations:.1%}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def _mapper(workers: int, scheduler: str | None):
    """An ordered map over local worker processes (or this process for one worker) or a Dask
    cluster, with the Dask client and the local pool (``None`` where there is none)."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise CalibrationRunError("a Dask scheduler needs the cluster extra: pip install "
                                      "'tipsim[cluster]'") from None
        client = Client(scheduler)

        def dask_map(fn, items):
            for future in client.map(fn, list(items), pure=False):
                yield future.result()

        try:
            yield dask_map, client, None
        finally:
            client.close()
        return
    if workers <= 1:
        yield map, None, None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from simulation.studies.executors import shielded_resource_tracker

    shielded_resource_tracker()  # a SIGHUP to the group ends the calibration with one line
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def pool_map(fn, items: Iterable) -> Iterator:
        return pool.map(fn, items)

    try:
        yield pool_map, None, pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- calibrate ---------------------------------------------------------------------------------

def calibrate(calibration: str | Path | Calibration, out: str | Path, *, quick: bool = False,
              workers: int | None = None, scheduler: str | None = None,
              sampler: str = "ordered", restart: bool = False, progress: bool = False,
              log: Callable[[str], None] | None = None, allow_large: bool = False) -> Path:
    """Run (or resume) a calibration into ``out`` and write its ensemble and manifest.

    Args:
        calibration: a calibration file or a loaded :class:`Calibration`.
        out: folder for ``history.db`` (pyabc's record, what a rerun resumes from),
            ``ensemble.parquet`` and ``manifest.json``.
        quick: apply the file's [quick] table (ignored for a loaded Calibration).
        workers: local worker processes (default: every core this process may use,
            :func:`~simulation.model.limits.cores`); 1 runs in this process.
        scheduler: a Dask scheduler address: run the simulations on that cluster.
        sampler: "ordered" (the same seed gives the same ensemble) or "pyabc" (pyabc's dynamic
            samplers: faster on a big cluster, not reproducible).
        restart: discard what ``out`` holds and start over.
        progress: show a bar per generation.
        log: where one-line notes go (default: nowhere).
        allow_large: run even if a run is estimated not to fit in memory
            (:mod:`simulation.model.limits`).

    Returns the path of the ensemble.
    """
    try:
        import pyabc
    except ImportError:
        raise CalibrationRunError(MISSING) from None
    from simulation.inference.calibration.sampler import OrderedSampler
    from simulation.studies.store import model_code_hash

    cal = calibration if isinstance(calibration, Calibration) else load_calibration(
        calibration, quick=quick)
    if sampler not in SAMPLERS:
        raise CalibrationRunError(f"sampler: got {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    say = log or (lambda _: None)
    out = Path(out)
    identity = {"calibration_hash": cal.hash, "model_code_hash": model_code_hash(),
                "sampler": sampler}
    if out.exists() and not out.is_dir():
        raise CalibrationRunError(f"--out {out}: exists and is not a folder; allowed: a folder "
                                  "for the calibration's output (new, or one tipsim calibrate "
                                  "wrote)")
    previous, damaged = owned_state(out)
    if damaged and not restart:
        raise CalibrationRunError(f"{out} holds another calibration or a damaged one "
                                  f"({damaged}); use --restart to discard it, or another --out")
    ours = own_files(out, previous, damaged)  # a file of somebody else's there: refused
    if restart:
        for name in ours:
            (out / name).unlink(missing_ok=True)
        previous = None
    elif (out / HISTORY).exists():
        if previous is None or {k: previous.get(k) for k in identity} != identity:
            changed = [k for k in identity if previous is None or previous.get(k) != identity[k]]
            raise CalibrationRunError(
                f"{out} holds another calibration (different {', '.join(changed)}); use "
                "--restart to discard it, or another --out")
    if not allow_large:
        from simulation.model.limits import check_run

        check_run(cal.scenario, where=str(cal.source or "calibration"),
                  workers=min(workers or cores(), cores()))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CalibrationRunError(f"--out {out}: cannot create the folder ({exc.strerror})"
                                  ) from None

    model = CalibrationModel(cal.scenario, cal.targets, cal.years, cal.scenario.scale,
                             cal.priors, cal.shapes)
    _check_run(cal, say)
    np.random.seed(task_seed(cal.seed, -2, 0))  # pyabc's own draws in this process
    random.seed(task_seed(cal.seed, -2, 1))

    budget = cal.budget
    fitted = cal.targets.fitted
    observed = {t.name: t.observed for t in fitted}
    distance = StandardisedDistance({t.name: t.scale for t in fitted})
    prior = pyabc.Distribution(**{n: pyabc.RV("norm", 0, 1) for n in cal.priors})
    workers = workers or cores()
    bar = _Progress(progress)
    started = time.perf_counter()
    db = f"sqlite:///{(out / HISTORY).resolve()}"
    with _quiet_pyabc(progress), _mapper(workers, scheduler) as (map_, client, pool):
        if sampler == "ordered":
            abc_sampler = OrderedSampler(map_, cal.seed, bar)
        elif client is not None:
            abc_sampler = pyabc.sampler.DaskDistributedSampler(dask_client=client)
        elif pool is not None:
            # pyabc's multicore samplers fork() a process that runs threads (deprecated since
            # Python 3.12: it can deadlock); its dynamic sampler over the spawned pool does not
            abc_sampler = pyabc.sampler.ConcurrentFutureSampler(cfuture_executor=pool,
                                                                client_max_jobs=workers)
        else:
            abc_sampler = pyabc.sampler.SingleCoreSampler()
        abc = pyabc.ABCSMC(model, prior, distance, population_size=budget.population,
                           sampler=abc_sampler, eps=pyabc.QuantileEpsilon(alpha=0.5),
                           transitions=perturbation(cal.priors))
        if (out / HISTORY).exists():
            try:
                history = abc.load(db, 1)
                done = history.n_populations
            except Exception as exc:  # noqa: BLE001 - sqlite, sqlalchemy and pandas errors
                text = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
                raise CalibrationRunError(
                    f"{out / HISTORY}: cannot be read as pyabc's history ({text}); allowed: "
                    "the history tipsim calibrate wrote; rerun with --restart to start over"
                    ) from None
            say(f"resuming {cal.name} from {out / HISTORY}: {done} generation(s) done")
        else:
            # recorded before the history exists, so a kill leaves nothing unaccounted for
            write_json(out / STATE, identity | {"sessions": [], "written": {HISTORY: None}})
            abc.new(db, observed)
            done = 0
        remaining = (budget.generations - done) if budget.generations else np.inf
        # a calibration that ran to the end of this budget (any stopping rule) is not run again
        finished = (read_state(out) or {}).get("finished") == budget.model_dump()
        if remaining > 0 and not finished:
            try:
                abc.run(minimum_epsilon=budget.min_epsilon or 0.0,
                        max_nr_populations=remaining,
                        min_acceptance_rate=budget.min_acceptance_rate,
                        max_walltime=(timedelta(minutes=budget.max_minutes)
                                      if budget.max_minutes else None))
                completed = budget.model_dump()
            except BaseException:
                completed = None
                raise
            finally:
                bar.close()
                _record_session(out, time.perf_counter() - started, workers, scheduler,
                                completed)
        history = abc.history
    return write_ensemble(cal, history, out, sampler=sampler, workers=workers,
                          scheduler=scheduler, pyabc_version=pyabc.__version__)


def perturbation(priors: dict[str, tuple[float, float]]):
    """pyabc's multivariate normal kernel, one per parameter (pyabc.AggregatedTransition): each
    parameter's kernel density is estimated from the previous population on its own.

    With 15 or more parameters and a population of about a hundred, one joint kernel needs an
    18 x 18 covariance from too few particles; its thin directions made importance weights
    degenerate (an effective sample size of 2 to 4 in 40 particles). Independent kernels lose the
    posterior's correlations from the proposal (not from the ensemble, which is weighted
    correctly either way) and keep the weights far less uneven."""
    import pyabc

    return pyabc.AggregatedTransition({name: pyabc.MultivariateNormalTransition(scaling=2)
                                       for name in priors})


def _check_run(cal: Calibration, say: Callable) -> None:
    """One run at the scenario's own values before anything else: a target the model cannot
    compute (outcomes by form before the model reports them) is one error now, not a failure in
    every worker."""
    from simulation.model.runner import run

    start = time.perf_counter()
    values = cal.targets.simulated(run(cal.scenario, seed=cal.seed), cal.years,
                                   cal.scenario.scale)
    missing = [t.name for t in cal.targets.fitted if not math.isfinite(values[t.name])]
    say(f"check run at the scenario's values: {time.perf_counter() - start:.2f} s"
        + (f"; not computable at these values (no denominator): {', '.join(missing)}"
           if missing else ""))


def _record_session(out: Path, seconds: float, workers: int, scheduler: str | None,
                    finished: dict | None) -> None:
    state = read_state(out) or {"sessions": []}
    state["finished"] = finished
    state.setdefault("sessions", []).append(
        {"seconds": round(seconds, 2), "workers": workers, "scheduler": scheduler,
         "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    write_json(out / STATE, state)


@contextmanager
def _quiet_pyabc(progress: bool):
    """pyabc logs each generation's tolerance and acceptance at INFO: shown with the progress
    bars, hidden otherwise."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.INFO if progress else logging.WARNING)
    for name in ("ABC.Sampler", "ABC.History", "ABC.Distance", "ABC.Epsilon",
                 "ABC.Population", "ABC.Adaptation", "ABC.Transition"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


# the ensemble's and the output folder's names, re-exported: they lived here before
# calibration/ensemble.py and calibration/folder.py
__all__ = ["ENSEMBLE", "HISTORY", "MANIFEST", "OWN", "REPORT", "STATE", "CalibrationModel",
           "CalibrationRunError", "StandardisedDistance", "calibrate", "check_writable",
           "ensemble_overrides", "load_ensemble", "natural", "read_state", "record_written",
           "task_seed", "write_ensemble"]
