"""An experiment's runs: each run's specification (:class:`RunSpec`: scenario, design point or
parameter draw, replication, seed), in the order a batch takes them (:func:`expand`). The run
function that runs one (:func:`simulation.studies.experiment.run_spec`) stays in
:mod:`simulation.studies.experiment`: a store's manifest names it there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from simulation.studies.uncertainty import MEMBER_COLUMN

if TYPE_CHECKING:
    import pandas as pd

    from simulation.studies.experiment import Experiment


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run. Picklable; the scenario travels resolved, so a
    worker never reads files (and a file edited mid-batch cannot leak into it)."""

    run_id: str
    scenario_name: str
    point: int
    replication: int
    seed: int
    inputs: dict[str, float]
    overrides: dict[str, Any]
    record: str | list[str]  # "summary", "weekly", "contacts" or a list of the last two
    scenario: Any = field(repr=False)  # simulation.model.scenario.Scenario
    # recorded with the run but not applied to it (the ensemble member of a parameter draw)
    recorded: dict[str, float] = field(default_factory=dict)


def expand(experiment: Experiment) -> Iterator[RunSpec]:
    """Every run, lazily. Replication-major, so an interrupted batch still holds a balanced
    comparison (all scenarios at replications 0..k). Under [uncertainty], draw-major: an
    interrupted batch holds whole draws (every replication of draws 0..k), which is what
    separating randomness from parameters needs."""
    overrides = dict(experiment.overrides)
    overrides |= {f"run.{k}": v for k, v in experiment.run.model_dump(exclude_none=True).items()}
    for point, rep, inputs, recorded in cells(experiment):
        for scenario in experiment.scenario_objects:
            yield RunSpec(
                run_id=experiment.run_id(scenario.name, point, rep),
                scenario_name=scenario.name, point=point, replication=rep,
                seed=experiment.run_seed(scenario.name, point, rep), inputs=inputs,
                overrides=overrides, record=experiment.record, scenario=scenario,
                recorded=recorded)


def cells(experiment: Experiment
          ) -> Iterator[tuple[int, int, dict[str, float], dict[str, float]]]:
    """``(point, replication, inputs, recorded)`` in the order :func:`expand` takes them."""
    if experiment.uncertainty is not None:
        # with a [design] too: every design point over the same draws (design-major), its
        # point number design_point * draws + draw; both recorded with the run
        names, k = experiment.input_names, experiment.uncertainty.draws
        for dp, row in enumerate(experiment.design_matrix):
            swept = dict(zip(names, (float(x) for x in row)))
            draws = cast("pd.DataFrame", experiment.draws)  # there are draws under [uncertainty]
            for d, draw in enumerate(draws.to_dict(orient="records")):
                member = draw.pop(MEMBER_COLUMN, None)
                recorded: dict[str, float] = ({} if member is None
                                              else {MEMBER_COLUMN: int(member)})
                if experiment.design is not None:
                    recorded |= {"design_point": dp, "draw": d}
                inputs = swept | {k_: float(v) for k_, v in draw.items()}
                for rep in range(experiment.replications):
                    yield dp * k + d, rep, inputs, recorded
        return
    names = experiment.input_names
    for rep in range(experiment.replications):
        for point, row in enumerate(experiment.design_matrix):
            yield point, rep, dict(zip(names, (float(x) for x in row))), {}


__all__ = ["RunSpec", "cells", "expand"]
