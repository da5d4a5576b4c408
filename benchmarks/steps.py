"""Where a run's time goes, step by step of the weekly schedule, without a profiler.

cProfile adds a fixed cost to every Python call, so it inflates cheap, call-heavy code (a loop
over networks that costs 0.35 microseconds a network looked several times dearer under it,
docs/performance.md) and hides what numpy's calls on small arrays cost. This script times each
step of ``TraffickingModel.SCHEDULE`` with a wall clock around the step and nothing inside it.

    .venv/bin/python benchmarks/steps.py [--scale 1] [--seeds 1 2 3]

Prints each step's share of the run (the median over the seeds) and its time a week. Reported,
never asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import simulation
from simulation.model.trafficking_model import BASELINE, TraffickingModel


def timed_run(scale: float, seed: int) -> tuple[float, dict[str, float], int]:
    """One baseline run with every schedule step timed: (run seconds, step -> seconds,
    weeks)."""
    spent: dict[str, float] = defaultdict(float)

    def timing(label, process):
        def step(model) -> None:
            start = time.perf_counter()
            process(model)
            spent[label] += time.perf_counter() - start
        return step

    class Timed(TraffickingModel):
        SCHEDULE = [(when, label, timing(label, process))
                    for when, label, process in TraffickingModel.SCHEDULE]

    model = Timed(simulation.with_overrides(BASELINE, {"run.scale": scale}), rng=seed,
                  history=False)
    start = time.perf_counter()
    model.run()
    return time.perf_counter() - start, dict(spent), model.total_weeks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    timed_run(args.scale, 0)  # warm-up: imports and first calls
    runs = [timed_run(args.scale, seed) for seed in args.seeds]
    total = statistics.median(r[0] for r in runs)
    weeks = runs[0][2]
    labels = sorted(runs[0][1], key=lambda k: -runs[0][1][k])
    print(f"baseline at scale {args.scale:g}, seeds {args.seeds}: {total:.3f} s a run (median), "
          f"{weeks} weeks")
    shown = 0.0
    for label in labels:
        seconds = statistics.median(r[1].get(label, 0.0) for r in runs)
        shown += seconds
        print(f"  {label:58s} {100 * seconds / total:5.1f}%  {1e6 * seconds / weeks:7.0f} us "
              f"a week")
    print(f"  {'outside the steps (recording the week, Mesa)':58s} "
          f"{100 * (total - shown) / total:5.1f}%")


if __name__ == "__main__":
    main()
