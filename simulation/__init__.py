"""tipsim: an agent-based policy-impact simulator of human-trafficking enforcement.

Common tasks are one line::

    import simulation
    result = simulation.run("scenarios/baseline.toml", seed=1)
    result.outcomes["victims_identified"]
"""

__version__ = "0.1.0"

from simulation.analysis import compare, sensitivity  # noqa: E402
from simulation.executors import run_experiment  # noqa: E402
from simulation.experiment import Experiment  # noqa: E402
from simulation.model import TraffickingModel  # noqa: E402
from simulation.outcomes import RunResult  # noqa: E402
from simulation.runner import evaluate, run  # noqa: E402
from simulation.scenario import Scenario, ScenarioError, load_scenario, with_overrides  # noqa: E402
from simulation.store import load_results  # noqa: E402

__all__ = ["Experiment", "RunResult", "Scenario", "ScenarioError", "TraffickingModel",
           "__version__", "compare", "evaluate", "load_results", "load_scenario", "run",
           "run_experiment", "sensitivity", "with_overrides"]
