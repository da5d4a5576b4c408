"""Calibration: fitting the model's uncertain parameters to published figures by ABC-SMC.

A *target file* (:mod:`simulation.inference.calibration.targets`) lists what the model should
reproduce: outcomes, ratios and shares of outcomes for the region, a jurisdiction, a form of
exploitation or a victim group, each with an observed value, its uncertainty and its source. A
*calibration file* (:mod:`simulation.inference.calibration.config`) names the scenario, the target
file, the parameters to fit with their priors, the budget and the seed. :func:`calibrate` runs
pyabc's ABC-SMC (:mod:`simulation.inference.calibration.abc`) and writes an ensemble of weighted
parameter sets with a manifest; :func:`simulation.reports.calibration_report.build_report` draws the
calibration report (the reports layer, docs/architecture.md)::

    from simulation.inference.calibration import calibrate
    from simulation.reports.calibration_report import build_report
    out = calibrate("scenarios/calibration/baseline.toml", "results/calibration", quick=True)
    build_report(out)

The command line is ``tipsim calibrate CALIBRATION.toml --out DIR [--quick]``. docs/
calibration.md describes the workflow, the files and what the same seed guarantees.
"""

from __future__ import annotations

from simulation.inference.calibration.config import Calibration, CalibrationError, load_calibration
from simulation.inference.calibration.targets import Target, TargetError, load_targets


def __getattr__(name: str):
    # pyabc (an optional extra) and plotly load only when a calibration runs or is drawn
    if name == "calibrate":
        from simulation.inference.calibration import abc

        return abc.calibrate
    if name in ("ensemble_overrides", "load_ensemble"):
        from simulation.inference.calibration import ensemble

        return getattr(ensemble, name)
    raise AttributeError(f"module 'simulation.inference.calibration' has no attribute {name!r}")


__all__ = ["Calibration", "CalibrationError", "Target", "TargetError", "calibrate",
           "ensemble_overrides", "load_calibration", "load_ensemble", "load_targets"]
