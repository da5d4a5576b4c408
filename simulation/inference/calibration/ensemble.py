"""A calibration's ensemble: the weighted parameter sets of the last generation, written as
``ensemble.parquet`` with its ``manifest.json``, read back, and turned into scenario
overrides; and the map from pyabc's coordinates to parameter values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.inference.calibration.config import Calibration
from simulation.inference.calibration.folder import (ENSEMBLE, MANIFEST, CalibrationRunError,
                                                     check_writable, read_state, record_written,
                                                     write_json)
from simulation.model.errors import UserError
from simulation.model.files import atomic_write


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
    return {k: (float(shapes[k].ppf(phi(float(z[k])))) if k in shapes
                else lo + float(phi(float(z[k]))) * (hi - lo))
            for k, (lo, hi) in priors.items()}


def phi(x: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def write_ensemble(cal: Calibration, history, out: Path, **how: Any) -> Path:
    """The last generation as ``ensemble.parquet`` (one row per parameter set: ``member``,
    ``weight``, the fitted parameters, and ``sim.TARGET`` for every target, fitted and held out)
    and ``manifest.json``."""
    from simulation._version import __version__
    from simulation.studies.store import model_code_hash

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
    state = read_state(out) or {"sessions": []}
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
    write_json(out / MANIFEST, manifest)
    record_written(out, MANIFEST)
    return target


def load_ensemble(out: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ensemble table and its manifest from a calibration's output folder."""
    out = Path(out)
    if not (out / ENSEMBLE).is_file():
        raise CalibrationRunError(f"{out}: no {ENSEMBLE}; run tipsim calibrate first")
    from simulation.studies.file_schemas import (MAX_ENSEMBLE_BYTES, MAX_STATE_BYTES,
                                                 EnsembleManifest)
    from simulation.model.files import read_json, read_limited

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


__all__ = ["ensemble_overrides", "load_ensemble", "natural", "phi", "write_ensemble"]
