"""The model as a function: ``run`` returns a full result, ``evaluate`` just the outcomes.

Both are plain functions of named inputs, so any outside driver (a notebook, SALib, EMA
Workbench, an optimiser) can call tipsim without its batch machinery::

    import simulation
    result = simulation.run("scenarios/baseline.toml", seed=1)
    simulation.evaluate("scenarios/baseline.toml", seed=1, training=0.8)["victims_identified"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulation._version import __version__
from simulation.model.trafficking_model import BASELINE, TraffickingModel, cycle_collection_paused
from simulation.model.outcomes import (RunResult, arrests_frame, contacts_frame, referrals_frame,
                                       spells_frame, summarise, summarise_forms,
                                       summarise_groups, timeseries_frame)
from simulation.model.scenario import Scenario, load_scenario, with_overrides
from simulation.model.seeds import check_seed


def run(scenario: Scenario | str | Path | dict | None = None, seed: int | None = None, *,
        weeks: int | None = None) -> RunResult:
    """Simulate one scenario with one seed.

    Args:
        scenario: a Scenario, a scenario file path or a document; defaults to the baseline.
        seed: random seed, a whole number from 0 to 2^63 - 1 (:mod:`simulation.model.seeds`);
            defaults to the scenario's ``run.seed``.
        weeks: policy-period weeks, overriding the scenario.

    Same scenario and seed give identical results in any process.
    """
    spec = load_scenario(BASELINE if scenario is None else scenario)
    seed = spec.seed if seed is None else check_seed(seed)
    with cycle_collection_paused():
        # no victim histories: no result reads them (agents.victim.Victims)
        model = TraffickingModel(spec, rng=seed, weeks=weeks, history=False).run()
        result = result_of(model)
        model.dismantle()  # free it now, not in the cycle collector's next full pass
    return result


def result_of(model: TraffickingModel) -> RunResult:
    """The result of a model, also one stepped by hand: outcomes over the policy weeks it has
    run so far, and the weekly series up to now.

    >>> model = TraffickingModel("scenarios/baseline.toml", rng=1)  # doctest: +SKIP
    >>> for _ in range(200): model.step()                            # doctest: +SKIP
    >>> result_of(model).outcomes["victims_identified"]              # doctest: +SKIP
    """
    series = model.series[: model.steps]
    region, per_j = summarise(series, model.burn_in)
    names = [j.name for j in model.jurisdictions]
    spec = model.spec
    return RunResult(
        outcomes=region,
        jurisdictions=dict(zip(names, per_j)),
        timeseries=timeseries_frame(series, model.burn_in, names),
        by_form=summarise_forms(model.form_series[: model.steps], model.burn_in),
        by_group=summarise_groups(model.group_series[: model.steps], model.burn_in),
        contacts=contacts_frame(model.contacts, model.burn_in, names),
        exploited=spells_frame(model.spells, model.week + 1, names),
        referrals=referrals_frame(model.referrals, model.burn_in, names),
        arrests=arrests_frame(model.arrest_log, names),
        provenance={
            "tipsim_version": __version__,
            "scenario_name": spec.name,
            "scenario_hash": spec.hash,
            "seed": model.seed,
            "weeks": max(0, model.steps - model.burn_in),
            "burn_in_weeks": model.burn_in,
            "scale": spec.scale,
        },
    )


def evaluate(scenario: Scenario | str | Path | dict | None = None, seed: int = 0,
             overrides: dict[str, Any] | None = None, **levers: Any) -> dict[str, float]:
    """Outcome name -> value for one run.

    ``levers`` set region-wide levers and parameters by name (``training=0.8`` sets training
    in every jurisdiction); ``overrides`` takes dotted paths
    (``{"jurisdictions.destination_a.training": 0.8}``).
    """
    check_seed(seed)  # before the scenario is read: the mistake is named, not a model's failure
    spec = load_scenario(BASELINE if scenario is None else scenario)
    if overrides or levers:
        spec = with_overrides(spec, overrides, **levers)
    return run(spec, seed=seed).outcomes
