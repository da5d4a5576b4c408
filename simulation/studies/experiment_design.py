"""An experiment's design: the ``[design]`` table (:class:`Design`), each swept input's range
(:func:`input_ranges`) and the design points (:func:`design_matrix`: a grid, a Latin hypercube
from scipy, or SALib's Sobol or Morris samples). :mod:`simulation.studies.experiment` describes the
file.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.model.parameters import GROUPS, resolve_parameter_names
from simulation.model.registry import CHOICES, LEVERS, PARAMETERS, Lever


class InputRange(BaseModel):
    """One swept input: a range (``low``/``high``), or for a grid explicit ``values``."""

    model_config = ConfigDict(extra="forbid")
    low: float | None = None
    high: float | None = None
    values: list[float] | None = None
    points: int | None = Field(default=None, ge=1)


class Design(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["grid", "lhs", "sobol", "morris"]
    # "parameters" = every parameter in the registry, over its registry range; in a list,
    # "GROUP.*" is every parameter of a group and "GROUP.name" one parameter
    inputs: Literal["parameters"] | list[str] | dict[str, InputRange | list[float]] = Field(
        min_length=1)
    samples: int | None = Field(default=None, ge=1)
    # morris grid levels: SALib builds arrays that grow with the levels (4 to 10 are usual)
    levels: int = Field(default=4, ge=2, le=100)
    second_order: bool = False  # sobol: also estimate second-order indices (costs N*D more runs)
    points: int = Field(default=3, ge=1)  # grid: points per input given only as a range

    @model_validator(mode="after")
    def _check(self) -> Design:
        if self.method != "grid" and self.samples is None:
            raise ValueError(f"method {self.method!r} needs 'samples'")
        if (self.method == "sobol" and self.samples is not None
                and self.samples & (self.samples - 1)):
            raise ValueError(f"sobol 'samples' must be a power of 2 (got {self.samples})")
        return self


def input_ranges(design: Design | None) -> dict[str, dict[str, Any]]:
    """Each swept input of ``design`` with its resolved range (registry defaults filled in);
    ValueError naming the input when one cannot be swept."""
    if design is None:
        return {}
    d = design
    names: list[str] | dict[str, InputRange | list[float]]
    if d.inputs == "parameters":
        names = list(PARAMETERS)
    elif isinstance(d.inputs, list):
        try:
            names = resolve_parameter_names(d.inputs)
        except KeyError as exc:
            raise ValueError(f"design.inputs: {exc.args[0]}") from None
    else:
        names = d.inputs
    raw = ({n: InputRange() for n in names} if isinstance(names, list) else
           {resolve_parameter_names([n])[0] if not n.endswith(".*") else n:
            InputRange(values=v) if isinstance(v, list) else v
            for n, v in names.items()})
    out: dict[str, dict[str, Any]] = {}
    for name, rng in raw.items():
        where = f"design.inputs.{name}"
        known = PARAMETERS.get(name) or LEVERS.get(name)
        if name.endswith(".*"):
            raise ValueError(f"{where}: a group of parameters goes in a list of inputs "
                             f"(inputs = [{name!r}]), where each takes its registry range")
        if known is None and name.partition(".")[0] in GROUPS:
            raise ValueError(f"{where}: no parameter {name.partition('.')[2]!r} in group "
                             f"{name.partition('.')[0]!r} (see `tipsim levers`)")
        if known is None and "." not in name:
            raise ValueError(f"{where}: unknown lever or parameter {name!r} (a lever, a "
                             "parameter, or a dotted path such as "
                             "'jurisdictions.destination_a.training')")
        if isinstance(known, Lever) and known.kind == "forms":
            raise ValueError(f"{where}: {name!r} is a list of forms and cannot be swept")
        if isinstance(known, Lever) and known.kind == "choice":
            raise ValueError(f"{where}: {name!r} is a choice ({', '.join(CHOICES[name])}) "
                             "and cannot be swept; compare one scenario per choice")
        if rng.values is not None:
            if d.method != "grid":
                raise ValueError(f"{where}: 'values' only suits method 'grid'; give "
                                 "low and high")
            out[name] = {"values": [float(v) for v in rng.values]}
            continue
        low = rng.low if rng.low is not None else getattr(known, "low", None)
        high = rng.high if rng.high is not None else getattr(known, "high", None)
        if low is None or high is None:
            raise ValueError(f"{where}: needs low and high")
        if not low < high:
            raise ValueError(f"{where}: low ({low}) must be below high ({high})")
        out[name] = {"low": float(low), "high": float(high)}
        if d.method == "grid":
            out[name]["points"] = rng.points or d.points
    return out


def salib_problem(ranges: dict[str, dict[str, Any]]) -> dict:
    """SALib's problem for the swept inputs' ranges."""
    names = list(ranges)
    return {"num_vars": len(names), "names": names,
            "bounds": [[ranges[n]["low"], ranges[n]["high"]] for n in names]}


def design_matrix(design: Design | None, ranges: dict[str, dict[str, Any]], seed: int
                  ) -> np.ndarray:
    """One row per design point, one column per input (shape (1, 0) without a design)."""
    d = design
    if d is None:
        return np.zeros((1, 0))
    if d.method == "grid":
        axes = [r["values"] if "values" in r else
                np.linspace(r["low"], r["high"], r["points"]).tolist()
                for r in ranges.values()]
        return np.array(list(itertools.product(*axes)), dtype=float)
    problem = salib_problem(ranges)
    if d.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"],
                                  rng=np.random.default_rng(seed)).random(d.samples)
        lows, highs = np.array(problem["bounds"]).T
        return qmc.scale(unit, lows, highs)
    if d.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.samples, calc_second_order=d.second_order,
                            seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)


__all__ = ["Design", "InputRange", "design_matrix", "input_ranges", "salib_problem"]
