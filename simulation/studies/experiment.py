"""Experiments: which runs a batch is made of.

An experiment file (TOML) names the scenarios to compare and, optionally, a design that sweeps
levers and parameters; each combination is replicated. Every run gets a stable id and a seed
spawned from the master seed, so a run's result depends on what it is, never on which worker
ran it or when. A policy comparison::

    name = "policy_comparison"
    scenarios = ["../baseline.toml", "../training.toml"]
    replications = 20
    seed = 2024
    [run]
    scale = 0.25

A sensitivity analysis sweeps inputs (a lever set region-wide, a parameter, or a dotted path of
the scenario document) with a design: ``grid``, ``lhs`` (scipy.stats.qmc), ``sobol`` or
``morris`` (SALib)::

    [design]
    method = "morris"
    samples = 10            # lhs: points; sobol: base sample N (a power of 2); morris: trajectories
    inputs = ["recruitment_efficiency", "intimidation"]   # ranges from the registry
    # inputs = "parameters"   every parameter over its registry range
    # inputs = ["lever_effects.*"]   one group of parameters (simulation.model.parameters.GROUPS)
    # or [design.inputs.training] low = 0.1, high = 0.9   (grid: values = [...] or points = n)

Under parameter uncertainty an ``[uncertainty]`` table draws each replication's parameters from
a calibrated ensemble and from registry ranges instead (:mod:`simulation.studies.uncertainty`); the
draw plays the part of the design point::

    replications = 2                 # runs per draw
    [uncertainty]
    ensemble = "../calibration/baseline_ensemble"
    sample = ["lever_effects.*"]
    draws = 20

With a ``[design]`` as well, every design point runs over the same draws (a sweep of a lever
under parameter uncertainty): run ``point`` is ``design_point * draws + draw``, both recorded
with the run, and :mod:`simulation.inference.sweep` says how each policy's effect and its
probability of being better change along the design.

Seeds: run ``(point, replication)`` gets ``SeedSequence(seed).spawn(...)[point].spawn(...)
[replication]``. With ``common_random_numbers = true`` (the default) every scenario's
replication *r* uses that same seed, so scenarios share their burn-in and their chance events as
far as the model allows, and comparisons are paired (a standard variance-reduction technique:
Law, *Simulation Modeling and Analysis*, 5th ed., section 11.2). With it off, the scenario's name
is part of the seed's key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator,
                      model_validator)

from simulation.model import limits
from simulation.model.errors import UserError, explain
from simulation.model.files import digest as _digest
from simulation.model.files import read_toml
from simulation.studies.experiment_design import (Design, InputRange, design_matrix, input_ranges,
                                                  salib_problem)
from simulation.studies.experiment_runs import RunSpec, expand
from simulation.model.registry import LEVERS
from simulation.model.seeds import derive_seed
from simulation.studies.uncertainty import PREFIX, Uncertainty

MAX_FILE_BYTES = 1_000_000  # an experiment file is a few hundred bytes
# A scenario's name starts its runs' ids and part files (runs/NAME-r000.parquet), and an
# experiment's name is the folder results/NAME: neither may be "..", ".", hidden, an option or
# hold a control character. Checked with fullmatch (``$`` would match before a final newline).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_EXPERIMENT_NAME = _NAME


class ExperimentError(UserError, ValueError):
    """A mistake in an experiment file: the message names the file and the field."""


class RunSettings(BaseModel):
    """Overrides of every scenario's [run] table (the run's seed comes from the experiment)."""

    model_config = ConfigDict(extra="forbid")
    weeks: int | None = Field(default=None, ge=1)
    burn_in_weeks: int | None = Field(default=None, ge=0)
    scale: float | None = Field(default=None, gt=0)


class Experiment(BaseModel):
    """A batch of runs: scenarios x design points x replications."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    scenarios: list[str] = Field(min_length=1)
    replications: int = Field(default=1, ge=1)
    seed: int = 0
    # what a run keeps beyond its outcomes: "weekly" rows, "contacts" (every victim's contacts
    # with each list and their exploitation spells, for simulation.inference.mse), or both as a list
    record: str | list[str] = "summary"
    common_random_numbers: bool = True
    run: RunSettings = Field(default_factory=RunSettings)
    overrides: dict[str, Any] = Field(default_factory=dict)
    design: Design | None = None
    uncertainty: Uncertainty | None = None

    _source: str | None = PrivateAttr(default=None)
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _allow_large: bool = PrivateAttr(default=False)
    _run_bytes: float = PrivateAttr(default=0.0)  # the largest run's estimated peak memory

    @field_validator("name", mode="before")
    @classmethod
    def _folder_name(cls, value: Any) -> str:
        if not isinstance(value, str) or not _EXPERIMENT_NAME.fullmatch(value):
            raise ValueError(f"got {value!r}; allowed: up to 100 letters, digits, _ . - "
                             "starting with a letter, digit or _ (it names the folder "
                             "results/NAME)")
        return value

    @field_validator("record", mode="before")
    @classmethod
    def _known_records(cls, value: Any) -> str | list[str]:
        allowed = ('allowed: "summary", "weekly", "contacts", or a list of "weekly" and '
                   '"contacts"')
        if isinstance(value, str) and value in ("summary", "weekly", "contacts"):
            return value
        if (isinstance(value, list) and value
                and all(isinstance(v, str) and v in ("weekly", "contacts") for v in value)):
            return list(dict.fromkeys(value))
        raise ValueError(f"got {value!r}; {allowed}")

    @field_validator("seed", mode="before")
    @classmethod
    def _one_seed_rule(cls, value: Any) -> int:
        from simulation.model.seeds import validated_seed

        return validated_seed(value)

    @model_validator(mode="after")
    def _check_inputs(self) -> Experiment:
        if self.design is not None:
            self.input_ranges  # noqa: B018 - validates names and ranges early
        if self.uncertainty is not None:
            if self.design is not None:
                try:
                    drawn = set(self.uncertainty.sampled_ranges)
                except KeyError:
                    drawn = set()  # an unknown name: bind() says which
                both = sorted(n for n in self.input_ranges if n in drawn)
                if both:
                    raise ValueError(f"design.inputs: {', '.join(both)} also drawn under "
                                     "[uncertainty]; allowed: a swept input that the draws "
                                     "leave alone (a lever, or a parameter not sampled)")
            if self.replications < 2:
                raise ValueError("replications: under [uncertainty] each parameter draw needs "
                                 "at least 2 replications (runs with their own seeds) to tell "
                                 f"the model's randomness from the parameters' (got "
                                 f"{self.replications}); allowed: 2 or more")
        return self

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(cls, source: str | Path | dict | Experiment, base_dir: str | Path | None = None,
             *, allow_large: bool = False) -> Experiment:
        """Read an experiment from a TOML file, a dict, or pass an Experiment through.

        Scenario paths are relative to the experiment file (to ``base_dir`` or the working
        directory for a dict). An experiment of more than a million runs, or whose runs would
        not fit in this machine's memory, is refused unless ``allow_large``
        (:mod:`simulation.model.limits`)."""
        if isinstance(source, Experiment):
            return source
        where = "experiment"
        if isinstance(source, dict):
            doc = source
        else:
            path = Path(source)
            where = str(path)
            doc = read_experiment_file(path)
            base_dir = path.parent
        try:
            exp = cls.model_validate(doc)
        except ValidationError as exc:
            raise ExperimentError(f"{where}: {explain(exc, every=True)}") from None
        exp._source = None if isinstance(source, dict) else str(source)
        exp._base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        exp._allow_large = allow_large
        if exp.uncertainty is not None:
            exp.uncertainty.bind(exp._base_dir, where)  # the ensemble is read and checked here
        if not allow_large:
            limits.check_runs(exp, where)  # before the design is built: it may not fit either
        exp._check_overrides()
        return exp

    def _check_overrides(self) -> None:
        """Apply the overrides and the corners of the design to every scenario now, so a typo or
        an out-of-range input is one error at the start rather than a failure in every run."""
        overrides = next(self.runs()).overrides
        ranges = self.input_ranges.items()
        corners = [{n: min(r.get("values", [r.get("low")])) for n, r in ranges},
                   {n: max(r.get("values", [r.get("high")])) for n, r in ranges}]
        if self.uncertainty is not None:  # the draws' lowest and highest values
            draws = cast(pd.DataFrame, self.draws)  # there are draws under [uncertainty]
            corners = [corner | {k: v for k, v in draws.agg(how).items()
                                 if k.startswith(PREFIX)}
                       for corner, how in zip(corners, ("min", "max"))]
        for scenario in self.scenario_objects:
            try:
                for inputs in corners:
                    resolved = apply_inputs(inputs, overrides, scenario)
                    self._run_bytes = max(self._run_bytes, limits.run_bytes(resolved))
                    if not self._allow_large:
                        limits.check_run(resolved, where=self._source or "experiment")
            except limits.TooLargeError:
                raise
            except UserError as exc:
                raise ExperimentError(f"{self._source or 'experiment'}: overrides or design "
                                      f"inputs do not apply to scenario {scenario.name!r}: {exc}"
                                      ) from None

    @property
    def source(self) -> str | None:
        return self._source

    @cached_property
    def scenario_objects(self) -> tuple:
        from simulation.model.scenario import load_scenario

        where = self._source or "experiment"
        loaded: list = []
        names: dict[str, str] = {}
        for entry in self.scenarios:
            path = Path(entry)
            if not path.is_absolute():
                path = self._base_dir / path
            if not path.exists():
                raise ExperimentError(f"{where}: scenarios: no scenario file {entry!r} "
                                      f"(looked for {path})")
            scenario = load_scenario(path)
            if not _NAME.fullmatch(scenario.name):
                raise ExperimentError(f"{where}: scenarios: {entry}: scenario name "
                                      f"{scenario.name!r}; allowed: up to 100 letters, digits, "
                                      "_ . - starting with a letter, digit or _ (it names the "
                                      "runs' files)")
            if scenario.name in names:
                raise ExperimentError(f"{where}: scenarios: {names[scenario.name]} and {entry} "
                                      f"are both named {scenario.name!r}; names must differ")
            names[scenario.name] = entry
            loaded.append(scenario)
        return tuple(loaded)

    # -- the design ---------------------------------------------------------------------------

    @cached_property
    def input_ranges(self) -> dict[str, dict[str, Any]]:
        """Each swept input with its resolved range (registry defaults filled in)."""
        return input_ranges(self.design)

    @property
    def input_names(self) -> list[str]:
        return list(self.input_ranges)

    def salib_problem(self) -> dict:
        return salib_problem(self.input_ranges)

    @cached_property
    def design_matrix(self) -> np.ndarray:
        """One row per design point, one column per input (shape (1, 0) without a design)."""
        return design_matrix(self.design, self.input_ranges, self.seed)

    # -- runs ---------------------------------------------------------------------------------

    @cached_property
    def draws(self) -> pd.DataFrame | None:
        """Under [uncertainty], one row per parameter draw (see
        :mod:`simulation.studies.uncertainty`); otherwise None."""
        if self.uncertainty is None:
            return None
        return self.uncertainty.draw_table(self.seed)

    @property
    def n_points(self) -> int:
        """Design points, or parameter draws, or (both tables) every design point's draws."""
        if self.uncertainty is not None:
            return self.uncertainty.draws * (1 if self.design is None
                                              else len(self.design_matrix))
        return len(self.design_matrix)

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.n_points * self.replications

    def run_seed(self, scenario_name: str, point: int, replication: int) -> int:
        """The run's seed: a child of the master seed keyed by what the run is (never by when or
        where it runs). A 63-bit integer, so it fits a signed 64-bit column."""
        return derive_seed(self.seed, self.common_random_numbers, scenario_name, point,
                           replication)

    def run_id(self, scenario_name: str, point: int, replication: int) -> str:
        rep = f"r{replication:0{max(3, len(str(self.replications - 1)))}d}"
        if self.uncertainty is not None and self.design is None:
            return f"{scenario_name}-d{point:0{max(3, len(str(self.n_points - 1)))}d}-{rep}"
        if self.design is None:
            return f"{scenario_name}-{rep}"
        return f"{scenario_name}-p{point:0{max(4, len(str(self.n_points - 1)))}d}-{rep}"

    def runs(self) -> Iterator[RunSpec]:
        """Every run, lazily (:func:`simulation.studies.experiment_runs.expand`): replication-major,
        or under [uncertainty] draw-major."""
        return expand(self)

    # -- identity -----------------------------------------------------------------------------

    def fingerprint(self) -> dict[str, Any]:
        """What the results depend on: the experiment (less its description) and the content of
        every scenario, so editing a scenario file counts as a changed experiment."""
        spec = self.model_dump(exclude={"description", "scenarios", "design"})
        spec["scenarios"] = [{"name": s.name, "hash": s.hash} for s in self.scenario_objects]
        if self.design is not None:
            spec["design"] = self.design.model_dump(exclude={"inputs"})
            spec["design"]["inputs"] = self.input_ranges
        if self.uncertainty is not None:
            spec["uncertainty"] = self.uncertainty.fingerprint()
        return spec

    @property
    def hash(self) -> str:
        return _digest(self.fingerprint())


def load_experiment(source: str | Path | dict | Experiment) -> Experiment:
    """An :class:`Experiment` from a TOML file path, a dict or an Experiment."""
    return Experiment.load(source)


def run_spec(spec: RunSpec) -> dict[str, Any]:
    """Run the real model for one spec: the default run function of every batch.

    Levers and parameters named as inputs are set region-wide (integer levers rounded);
    dotted inputs and the experiment's overrides are set at their path."""
    from simulation.model.runner import run

    result = run(apply_inputs(spec.inputs, spec.overrides, spec.scenario), seed=spec.seed)
    out: dict[str, Any] = {"outcomes": dict(result.outcomes),
                           "jurisdictions": {j: dict(v) for j, v in result.jurisdictions.items()},
                           "by_form": {f: dict(v) for f, v in result.by_form.items()},
                           "by_group": {g: dict(v) for g, v in result.by_group.items()},
                           # per year and jurisdiction, as countries publish them (issue 23)
                           "statistics": result.statistics()}
    kept = recorded(spec.record)
    if "weekly" in kept:
        out["weekly"] = result.timeseries
    if "contacts" in kept:  # the model's lists and truth, where it records them
        out["contacts"] = getattr(result, "contacts", None)
        out["exploited"] = getattr(result, "exploited", None)
    return out


def recorded(record: str | list[str]) -> set[str]:
    """What an experiment's ``record`` keeps: a set of ``weekly`` and ``contacts``."""
    return {record} - {"summary"} if isinstance(record, str) else set(record)


def apply_inputs(inputs: dict[str, float], overrides: dict[str, Any], scenario):
    """``scenario`` with a run's inputs and overrides set (levers region-wide, integer levers
    rounded; dotted inputs and overrides at their path)."""
    from simulation.model.scenario import with_overrides

    overrides = dict(overrides)
    named = {}
    for name, value in inputs.items():
        if "." in name:
            overrides[name] = value
        else:
            lever = LEVERS.get(name)
            named[name] = int(round(value)) if lever is not None and lever.kind == "int" else value
    return with_overrides(scenario, overrides, **named)


def read_experiment_file(path: Path) -> dict:
    """An experiment file's document, or one :class:`ExperimentError` naming the file."""
    return read_toml(path, "an experiment file", ExperimentError, MAX_FILE_BYTES)


__all__ = ["Design", "Experiment", "ExperimentError", "InputRange", "RunSpec", "derive_seed",
           "load_experiment", "recorded", "run_spec"]
