"""The calibration file: what to fit, to what, with which priors and budget.

::

    name = "baseline"
    scenario = "../baseline.toml"          # relative to this file
    targets = "baseline_targets.toml"
    seed = 13
    fit = ["self_referral_rate", "justice.*"]   # parameters or groups; priors: registry range

    [priors.self_referral_rate]            # optional: a narrower (or wider) uniform prior,
    low = 0.001                            # inside the parameter's hard bounds
    high = 0.01
    # or a shaped prior (simulation/model/distributions.py), e.g.
    # distribution = "pert"; mode = 0.004   (also triangular, beta, lognormal)

    [run]                                  # run length and scale of every simulation
    weeks = 156
    burn_in_weeks = 104
    scale = 0.2

    [budget]
    population = 120                       # particles per generation = ensemble size
    generations = 8                        # at most this many generations
    min_epsilon = 1.0                      # or stop once the tolerance is this small
    max_minutes = 30                       # or after this wall time
    min_acceptance_rate = 0.02             # or when acceptance falls below this

    [quick]                                # what --quick changes (any [run] or [budget] key)
    population = 20
    generations = 2

    [screening]                            # how the fitted parameters were chosen (recorded)
    experiment = "../experiments/morris_parameters.toml"
    note = "..."

Every parameter not in ``fit`` keeps its scenario value; the manifest records them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulation.inference.calibration.targets import (MAX_FILE_BYTES, TargetError, TargetSet,
                                                      load_targets)
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.files import digest as _digest
from simulation.model.files import read_validated_toml
from simulation.model.errors import UserError
from simulation.model.parameters import GROUPS, PARAMETERS, resolve_parameter_names
from simulation.model.scenario_schema import did_you_mean


class CalibrationError(UserError, ValueError):
    """A mistake in a calibration file: the message names the file and the field."""


class Prior(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float | None = None
    high: float | None = None
    distribution: str | None = None  # simulation.model.distributions.KINDS; default uniform
    mode: float | None = None
    alpha: float | None = None
    beta: float | None = None
    median: float | None = None
    sigma: float | None = None


class RunLength(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weeks: int | None = Field(default=None, ge=1)
    burn_in_weeks: int | None = Field(default=None, ge=0)
    scale: float | None = Field(default=None, gt=0, le=8)


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    population: int = Field(ge=1, le=100_000)
    generations: int | None = Field(default=None, ge=1, le=1000)
    min_epsilon: float | None = Field(default=None, ge=0)
    max_minutes: float | None = Field(default=None, gt=0)
    min_acceptance_rate: float = Field(default=0.0, ge=0, lt=1)


class Quick(BaseModel):
    """Overrides of [run] and [budget] for --quick (tests and demos)."""

    model_config = ConfigDict(extra="forbid")
    population: int | None = Field(default=None, ge=1)
    generations: int | None = Field(default=None, ge=1)
    min_epsilon: float | None = Field(default=None, ge=0)
    max_minutes: float | None = Field(default=None, gt=0)
    weeks: int | None = Field(default=None, ge=1)
    burn_in_weeks: int | None = Field(default=None, ge=0)
    scale: float | None = Field(default=None, gt=0, le=8)


class Screening(BaseModel):
    model_config = ConfigDict(extra="forbid")
    experiment: str = ""
    outcomes: list[str] = Field(default_factory=list)
    note: str = ""


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
    description: str = ""
    scenario: str
    targets: str
    seed: int = 0
    fit: list[str] = Field(min_length=1)
    priors: dict[str, Prior] = Field(default_factory=dict)
    run: RunLength = Field(default_factory=RunLength)
    budget: Budget
    quick: Quick = Field(default_factory=Quick)
    screening: Screening = Field(default_factory=Screening)

    @field_validator("seed", mode="before")
    @classmethod
    def _one_seed_rule(cls, value: Any) -> int:
        from simulation.model.seeds import validated_seed

        return validated_seed(value)


@dataclass(frozen=True)
class Calibration:
    """A resolved calibration: scenario and targets loaded, priors checked."""

    name: str
    description: str
    source: str
    scenario: Any  # simulation.model.scenario.Scenario, with the run length and scale applied
    targets: TargetSet
    priors: dict[str, tuple[float, float]]  # fitted parameter -> prior support (low, high)
    fixed: dict[str, float]  # every other parameter at its scenario value
    seed: int
    budget: Budget
    screening: Screening
    quick: bool = False
    document: dict = field(default_factory=dict, repr=False)
    shapes: dict = field(default_factory=dict)
    """Fitted parameters whose prior is not uniform on its support: name ->
    :class:`simulation.model.distributions.Distribution`."""

    @property
    def weeks(self) -> int:
        return self.scenario.weeks

    @property
    def years(self) -> float:
        return self.scenario.weeks / WEEKS_PER_YEAR

    def fingerprint(self) -> dict[str, Any]:
        """What the ensemble depends on (not the description or the screening note)."""
        out = {"scenario_hash": self.scenario.hash, "targets_hash": self.targets.hash,
               "priors": self.priors, "seed": self.seed,
               "population": self.budget.population}
        if self.shapes:  # uniform priors only: the hash calibrations always had
            out["shapes"] = {n: d.spec() for n, d in self.shapes.items()}
        return out

    @property
    def hash(self) -> str:
        return _digest(self.fingerprint())


def load_calibration(path: str | Path, *, quick: bool = False) -> Calibration:
    """Read a calibration file, its scenario and its targets; one :class:`CalibrationError`
    (or :class:`~simulation.inference.calibration.targets.TargetError`) names the file and the field
    of the first mistake. ``quick`` applies the file's [quick] table."""
    from simulation.model.scenario import load_scenario, with_overrides

    path = Path(path)
    doc, spec = read_validated_toml(path, "a calibration file", CalibrationError, _File,
                                    MAX_FILE_BYTES)
    where = str(path)

    scenario_path = path.parent / spec.scenario
    if not scenario_path.is_file():
        raise CalibrationError(f"{where}: scenario: no scenario file {spec.scenario!r} (looked "
                               f"for {scenario_path})")
    targets_path = path.parent / spec.targets
    if not targets_path.is_file():
        raise CalibrationError(f"{where}: targets: no target file {spec.targets!r} (looked for "
                               f"{targets_path})")
    targets = load_targets(targets_path)

    run = spec.run.model_dump(exclude_none=True)
    budget = spec.budget
    if quick:
        q = spec.quick.model_dump(exclude_none=True)
        run |= {k: q.pop(k) for k in ("weeks", "burn_in_weeks", "scale") if k in q}
        budget = Budget.model_validate(budget.model_dump() | q)
    if budget.generations is None and budget.min_epsilon is None and budget.max_minutes is None:
        raise CalibrationError(f"{where}: budget: give generations, min_epsilon or max_minutes "
                               "(otherwise the calibration never stops)")
    if budget.min_epsilon is not None and budget.min_epsilon == 0 and budget.generations is None:
        raise CalibrationError(f"{where}: budget.min_epsilon: 0 is never reached by a noisy "
                               "model; give generations or a positive min_epsilon")
    scenario = with_overrides(load_scenario(scenario_path),
                              {f"run.{k}": v for k, v in run.items()})
    try:
        targets.check_places(scenario.jurisdiction_names)
    except TargetError as exc:
        raise TargetError(str(exc)) from None

    priors = _priors(spec, where)
    shapes = _shapes(spec, priors, where)
    fixed = {n: scenario.parameters.get(n, p.default) for n, p in PARAMETERS.items()
             if n not in priors}
    return Calibration(name=spec.name, description=spec.description, source=where,
                       scenario=scenario, targets=targets, priors=priors, fixed=fixed,
                       seed=spec.seed, budget=budget, screening=spec.screening, quick=quick,
                       document=doc, shapes=shapes)


def _shapes(spec: _File, priors: dict[str, tuple[float, float]], where: str) -> dict:
    """The priors given a distribution other than uniform, checked on their support."""
    from simulation.model.distributions import DistributionError, parse

    out = {}
    for name, given in spec.priors.items():
        if given.distribution in (None, "uniform"):
            continue
        table = {k: v for k, v in given.model_dump().items() if v is not None}
        low, high = priors[name]
        try:
            out[name] = parse(table, f"{where}: priors.{name}", low=low, high=high,
                              bounds=PARAMETERS[name].bounds)
        except DistributionError as exc:
            raise CalibrationError(str(exc)) from None
    return out


def _priors(spec: _File, where: str) -> dict[str, tuple[float, float]]:
    try:
        names = resolve_parameter_names(spec.fit)
    except KeyError as exc:
        raise CalibrationError(f"{where}: fit: {exc.args[0]}") from None
    for name in names:
        if name not in PARAMETERS:
            head, _, tail = name.partition(".")
            hint = (f"no parameter {tail!r} in group {head!r}" if head in GROUPS else
                    f"unknown parameter {name!r}{did_you_mean(name, list(PARAMETERS))}")
            raise CalibrationError(f"{where}: fit: {hint} (`tipsim levers` lists the "
                                   "parameters; a group is written 'GROUP.*')")
    for name in spec.priors:
        if name not in names:
            raise CalibrationError(f"{where}: priors.{name}: not a fitted parameter; allowed: "
                                   "a parameter listed in fit")
    priors = {}
    for name in names:
        p = PARAMETERS[name]
        given = spec.priors.get(name, Prior())
        low = p.low if given.low is None else given.low
        high = p.high if given.high is None else given.high
        field_ = f"priors.{name}"
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise CalibrationError(f"{where}: {field_}: empty prior [{low}, {high}]; allowed: "
                                   "low < high")
        lo_bound, hi_bound = p.bounds
        if low < lo_bound or high > hi_bound:
            raise CalibrationError(f"{where}: {field_}: prior [{low}, {high}] leaves the hard "
                                   f"bounds of {name} [{lo_bound}, {hi_bound}]")
        priors[name] = (float(low), float(high))
    return priors


