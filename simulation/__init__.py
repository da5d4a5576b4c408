"""tipsim: an agent-based policy-impact simulator of human-trafficking enforcement.

Common tasks are one line::

    import simulation
    result = simulation.run("scenarios/baseline.toml", seed=1)
    result.outcomes["victims_identified"]
"""

from simulation._version import __version__  # noqa: E402,F401

# Everything else loads on first use (PEP 562): ``tipsim --help`` and a batch worker process
# import only what they need (the model pulls in Mesa, pandas and scipy: about 3 s on a cold
# start), and ``simulation.run`` or ``from simulation import SCENARIOS`` work as before.
_ON_FIRST_USE = {"BASELINE": "simulation.model.trafficking_model",
                 "SCENARIOS": "simulation.model.trafficking_model",
                 "TraffickingModel": "simulation.model.trafficking_model",
                 "RunResult": "simulation.model.outcomes",
                 "evaluate": "simulation.model.runner", "result_of": "simulation.model.runner",
                 "run": "simulation.model.runner", "Scenario": "simulation.model.scenario",
                 "ScenarioError": "simulation.model.scenario",
                 "load_scenario": "simulation.model.scenario",
                 "with_overrides": "simulation.model.scenario",
                 "with_policy": "simulation.model.scenario",
                 "compare": "simulation.inference.analysis",
                 "sensitivity": "simulation.inference.analysis",
                 "run_experiment": "simulation.studies.executors",
                 "Experiment": "simulation.studies.experiment",
                 "load_results": "simulation.studies.store"}


def __dir__() -> list[str]:
    """Every name, loaded or not (for ``dir(simulation)``, tab completion and Sphinx)."""
    return sorted(set(globals()) | set(_ON_FIRST_USE))


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
