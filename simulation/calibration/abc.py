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
- an output folder that follows the store's rule (:mod:`simulation.store_parts`): what
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

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.calibration.config import Calibration, load_calibration
from simulation.errors import UserError
from simulation.file_schemas import ENSEMBLE_MANIFEST, ENSEMBLE_TABLE
from simulation.files import atomic_write
from simulation.seeds import task_seed

SAMPLERS = ("ordered", "pyabc")
HISTORY = "history.db"
ENSEMBLE = ENSEMBLE_TABLE
MANIFEST = ENSEMBLE_MANIFEST
STATE = "state.json"
REPORT = "report.html"
OWN = (HISTORY, ENSEMBLE, MANIFEST, STATE, REPORT)  # what calibrate writes in its folder
MISSING = "pyabc is not installed; install the calibration extra: pip install 'tipsim[calibrate]'"


class CalibrationRunError(UserError):
    """A calibration that cannot start or resume as asked."""


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
        from simulation.runner import run
        from simulation.scenario import with_overrides

        seed = int(np.random.randint(0, 2**62))
        values = natural(pars, self.priors, self.shapes)
        scenario = with_overrides(self.scenario,
                                  {f"parameters.{k}": v for k, v in values.items()})
        return self.targets.simulated(run(scenario, seed=seed), self.years, self.scale)


def natural(z: dict[str, float], priors: dict[str, tuple[float, float]],
            shapes: dict | None = None) -> dict[str, float]:
    """Parameter values from the coordinates pyabc samples.

    pyabc works on z ~ N(0, 1) for each fitted parameter, and the model uses
    ``low + Phi(z) (high - low)``: Phi(z) is uniform on (0, 1), so the prior on the parameter is
    still uniform over its range. Two reasons: in natural units the perturbation kernel's
    covariance mixes variances of 1e-8 (weekly hazards) and 1e2 (delays in weeks), which scipy's
    multivariate normal treats as singular; and with 15 or more dimensions, importance weights
    prior / kernel-density vary by orders of magnitude when a Gaussian kernel meets a flat prior
    (one particle carried 99% of the weight in a 40-particle test), far less when both are
    Gaussian. A shaped prior (``shapes``) maps Phi(z) through its inverse CDF instead, so z
    stays N(0, 1) whatever the prior."""
    shapes = shapes or {}
    return {k: (float(shapes[k].ppf(_phi(float(z[k])))) if k in shapes
                else lo + float(_phi(float(z[k]))) * (hi - lo))
            for k, (lo, hi) in priors.items()}


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


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

    from simulation.executors import shielded_resource_tracker

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
        workers: local worker processes (default: all cores); 1 runs in this process.
        scheduler: a Dask scheduler address: run the simulations on that cluster.
        sampler: "ordered" (the same seed gives the same ensemble) or "pyabc" (pyabc's dynamic
            samplers: faster on a big cluster, not reproducible).
        restart: discard what ``out`` holds and start over.
        progress: show a bar per generation.
        log: where one-line notes go (default: nowhere).
        allow_large: run even if a run is estimated not to fit in memory
            (:mod:`simulation.limits`).

    Returns the path of the ensemble.
    """
    try:
        import pyabc
    except ImportError:
        raise CalibrationRunError(MISSING) from None
    from simulation.calibration.sampler import OrderedSampler
    from simulation.store import model_code_hash

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
    previous, damaged = _owned_state(out)
    if damaged and not restart:
        raise CalibrationRunError(f"{out} holds another calibration or a damaged one "
                                  f"({damaged}); use --restart to discard it, or another --out")
    ours = _ours(out, previous, damaged)  # a file of somebody else's there: refused
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
        from simulation.limits import check_run

        check_run(cal.scenario, where=str(cal.source or "calibration"),
                  workers=min(workers or os.cpu_count() or 1, os.cpu_count() or 1))
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
    workers = workers or os.cpu_count() or 1
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
            _write_json(out / STATE, identity | {"sessions": [], "written": {HISTORY: None}})
            abc.new(db, observed)
            done = 0
        remaining = (budget.generations - done) if budget.generations else np.inf
        # a calibration that ran to the end of this budget (any stopping rule) is not run again
        finished = (_read_state(out) or {}).get("finished") == budget.model_dump()
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
    from simulation.runner import run

    start = time.perf_counter()
    values = cal.targets.simulated(run(cal.scenario, seed=cal.seed), cal.years,
                                   cal.scenario.scale)
    missing = [t.name for t in cal.targets.fitted if not math.isfinite(values[t.name])]
    say(f"check run at the scenario's values: {time.perf_counter() - start:.2f} s"
        + (f"; not computable at these values (no denominator): {', '.join(missing)}"
           if missing else ""))


def _record_session(out: Path, seconds: float, workers: int, scheduler: str | None,
                    finished: dict | None) -> None:
    state = _read_state(out) or {"sessions": []}
    state["finished"] = finished
    state.setdefault("sessions", []).append(
        {"seconds": round(seconds, 2), "workers": workers, "scheduler": scheduler,
         "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    _write_json(out / STATE, state)


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


# -- the ensemble ------------------------------------------------------------------------------

def write_ensemble(cal: Calibration, history, out: Path, **how: Any) -> Path:
    """The last generation as ``ensemble.parquet`` (one row per parameter set: ``member``,
    ``weight``, the fitted parameters, and ``sim.TARGET`` for every target, fitted and held out)
    and ``manifest.json``."""
    from simulation._version import __version__
    from simulation.store import model_code_hash

    if history.max_t < 0:
        raise CalibrationRunError(
            f"{cal.source}: no generation finished: the first needed more than population / "
            f"min_acceptance_rate = {cal.budget.population / cal.budget.min_acceptance_rate:.0f}"
            " runs; lower budget.min_acceptance_rate")
    population = history.get_population()
    rows = []
    for i, particle in enumerate(population.particles):
        row = {"member": i, "weight": float(particle.weight)}
        row |= natural(particle.parameter, cal.priors, cal.shapes)
        row |= {f"sim.{k}": float(v) for k, v in particle.sum_stat.items()}
        rows.append(row)
    ensemble = pd.DataFrame(rows)
    ensemble["weight"] /= ensemble["weight"].sum()
    target = out / ENSEMBLE
    check_writable(out, ENSEMBLE)
    check_writable(out, MANIFEST)
    atomic_write(target, lambda tmp: ensemble.to_parquet(tmp, index=False))
    record_written(out, ENSEMBLE)

    generations = history.get_all_populations()
    generations = generations[generations["t"] >= 0]
    state = _read_state(out) or {"sessions": []}
    seconds = sum(s["seconds"] for s in state.get("sessions", []))
    runs = int(generations["samples"].sum())
    manifest = {
        "calibration": cal.name, "calibration_file": cal.source, "description": cal.description,
        "calibration_hash": cal.hash, "targets_file": cal.targets.source,
        "targets_hash": cal.targets.hash, "scenario": cal.scenario.name,
        "scenario_hash": cal.scenario.hash, "model_code_hash": model_code_hash(),
        "tipsim_version": __version__,
        "method": {"name": "ABC-SMC", "library": f"pyabc {how.pop('pyabc_version')}",
                   "epsilon": "quantile 0.5 of the previous generation's distances",
                   "distance": "root mean square of (simulated - observed) / sd over the "
                               "fitted targets",
                   "transition": "one normal kernel per parameter (pyabc "
                                 "AggregatedTransition of MultivariateNormalTransition) on z, "
                                 "where each parameter is low + Phi(z) (high - low) and "
                                 "z ~ N(0, 1) (a uniform prior)",
                   **how},
        "seed": cal.seed, "quick": cal.quick,
        "run": {"weeks": cal.scenario.weeks, "burn_in_weeks": cal.scenario.burn_in_weeks,
                "scale": cal.scenario.scale},
        "budget": cal.budget.model_dump(),
        "priors": {n: (cal.shapes[n].spec() if n in cal.shapes else
                       {"distribution": "uniform", "low": lo, "high": hi})
                   for n, (lo, hi) in cal.priors.items()},
        "fixed_parameters": cal.fixed,
        "targets": {t.name: {"description": t.description, "observed": t.observed,
                             "sd": t.scale, "interval": list(t.interval), "source": t.source,
                             "held_out": t.held_out,
                             **({"basis": t.basis, "basis_reason": t.basis_reason}
                                if t.basis else {})}
                    for t in cal.targets.targets},
        "screening": cal.screening.model_dump(),
        "generations": [{"t": int(r.t), "epsilon": float(r.epsilon), "runs": int(r.samples),
                         "accepted": int(r.particles),
                         "acceptance": round(r.particles / r.samples, 4) if r.samples else None}
                        for r in generations.itertuples()],
        "ensemble_size": len(ensemble),
        "effective_sample_size": float(1 / (ensemble["weight"] ** 2).sum()),
        "runs": runs, "wall_seconds": round(seconds, 2),
        "runs_per_minute": round(runs / seconds * 60, 1) if seconds else None,
        "sessions": state.get("sessions", []),
    }
    _write_json(out / MANIFEST, manifest)
    record_written(out, MANIFEST)
    return target


def load_ensemble(out: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ensemble table and its manifest from a calibration's output folder."""
    out = Path(out)
    if not (out / ENSEMBLE).is_file():
        raise CalibrationRunError(f"{out}: no {ENSEMBLE}; run tipsim calibrate first")
    from simulation.file_schemas import MAX_ENSEMBLE_BYTES, MAX_STATE_BYTES, EnsembleManifest
    from simulation.files import read_json, read_limited

    try:
        data = read_limited(out / ENSEMBLE, MAX_ENSEMBLE_BYTES, "a calibrated ensemble")
        manifest = read_json(out / MANIFEST, MAX_STATE_BYTES, "a calibration's manifest",
                             EnsembleManifest)
        import io

        return pd.read_parquet(io.BytesIO(data)), manifest
    except UserError as exc:
        raise CalibrationRunError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise CalibrationRunError(f"{out}: cannot read the ensemble ({str(exc)[:160]}); "
                                  "rerun tipsim calibrate") from None


def ensemble_overrides(out: str | Path) -> list[tuple[float, dict[str, float]]]:
    """Each member of a calibrated ensemble as ``(weight, overrides)``, ready for
    :func:`simulation.with_overrides`::

        for weight, overrides in ensemble_overrides("results/calibration/baseline"):
            result = simulation.run(simulation.with_overrides(scenario, overrides), seed=1)
    """
    ensemble, manifest = load_ensemble(out)
    names = list(manifest.get("priors", {}))
    return [(float(row["weight"]), {f"parameters.{n}": float(row[n]) for n in names})
            for _, row in ensemble.iterrows()]


def _read_state(out: Path) -> dict | None:
    """The folder's ``state.json``, validated (None when there is none);
    :class:`CalibrationRunError` when it is damaged."""
    state, damaged = _owned_state(out)
    if damaged:
        raise CalibrationRunError(f"{out}: {damaged}; rerun with --restart to start over")
    return state


def _owned_state(out: Path) -> tuple[dict | None, str]:
    """``(state, "")`` for a folder with a valid ``state.json`` (``state`` None when there is
    none), or ``(None, why)`` when it is damaged or edited by hand."""
    from simulation.file_schemas import MAX_STATE_BYTES, CalibrationState
    from simulation.files import read_json

    try:
        return read_json(out / STATE, MAX_STATE_BYTES, "a calibration's state.json",
                         CalibrationState), ""
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except UserError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"{out / STATE}: cannot be read ({exc.strerror})"


def _file_checksum(path: Path) -> str | None:
    from simulation.store_parts import checksum, part_bytes

    data, _ = part_bytes(path)
    return None if data is None else checksum(data)


def _ours(out: Path, state: dict | None, damaged: str) -> list[str]:
    """The files in ``out`` that calibrate wrote (what ``--restart`` deletes), or
    :class:`CalibrationRunError` naming a file at one of its names that it did not write:
    with a valid state, the files it records (by checksum, the history by name); with a damaged
    one, its names in a folder that holds nothing else."""
    if not out.is_dir():
        return []
    present = [name for name in OWN if (out / name).exists() or (out / name).is_symlink()]
    if state is not None and "written" not in state:  # written before files were recorded
        foreign = []
    elif state is not None:
        written = state.get("written") or {}
        foreign = [n for n in present if n != STATE and not (
            n in written and not (out / n).is_symlink()
            and (written[n] is None or written[n] == _file_checksum(out / n)))]
    elif damaged:
        others = sorted(p.name for p in out.iterdir() if p.name not in OWN)
        foreign = others and present
    else:
        foreign = present
    if foreign:
        raise CalibrationRunError(
            f"{out}: {', '.join(foreign)}: not written by tipsim calibrate (or changed since); "
            "tipsim deletes and overwrites only its own files; allowed: a new folder or one "
            "that tipsim calibrate wrote (move these files, or choose another --out)")
    return present


def record_written(out: Path, name: str) -> None:
    """Record in ``state.json`` that calibrate wrote ``out/name``, with its checksum (a file
    changed since is then not deleted or overwritten by a later run)."""
    state = _read_state(out)
    if state is None:
        return
    state.setdefault("written", {})[name] = _file_checksum(out / name)
    _write_json(out / STATE, state)


def check_writable(out: Path, name: str) -> None:
    """Refuse to write ``out/name`` over a file calibrate did not write."""
    if (out / name).exists() or (out / name).is_symlink():
        state, damaged = _owned_state(out)
        if state is not None and "written" not in state:
            return  # a folder written before files were recorded: its names are its own
        written = (state or {}).get("written") or {}
        if damaged or name not in written or written[name] != _file_checksum(out / name):
            raise CalibrationRunError(
                f"{out / name}: not written by tipsim calibrate (or changed since); tipsim "
                "overwrites only its own files; allowed: move it, or choose another --out")


def _write_json(path: Path, obj: dict) -> None:
    text = json.dumps(obj, indent=2, default=str)
    atomic_write(path, lambda tmp: tmp.write_text(text + "\n"))


__all__ = ["CalibrationModel", "StandardisedDistance", "calibrate", "ensemble_overrides",
           "load_ensemble", "record_written", "task_seed", "write_ensemble"]
