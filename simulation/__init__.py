"""tipsim: an agent-based policy-impact simulator of human-trafficking enforcement.

Common tasks are one line::

    import simulation
    result = simulation.run("scenarios/baseline.toml", seed=1)
    result.outcomes["victims_identified"]
"""

from simulation._version import __version__  # noqa: E402,F401

from simulation.model import BASELINE, SCENARIOS, TraffickingModel  # noqa: E402
from simulation.outcomes import RunResult  # noqa: E402
from simulation.runner import evaluate, result_of, run  # noqa: E402
from simulation.scenario import (Scenario, ScenarioError, load_scenario,  # noqa: E402
                                 with_overrides, with_policy)

# Batch and analysis tools load on first use (PEP 562), so a batch worker process, which only
# runs the model, starts without importing scipy.stats, SALib and the store (about 1.5 s).
_ON_FIRST_USE = {"compare": "simulation.analysis", "sensitivity": "simulation.analysis",
                 "run_experiment": "simulation.executors", "Experiment": "simulation.experiment",
                 "load_results": "simulation.store"}


def __getattr__(name: str):
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = ["BASELINE", "Experiment", "RunResult", "SCENARIOS", "Scenario", "ScenarioError",
           "TraffickingModel", "__version__", "compare", "evaluate", "load_results",
           "load_scenario", "result_of", "run", "run_experiment", "sensitivity",
           "with_overrides", "with_policy"]
