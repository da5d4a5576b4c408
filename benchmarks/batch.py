"""Batch throughput: runs per minute of the policy comparison with 1 and 2 workers.

Reported, never asserted. Wall-clock time includes starting the worker processes, as a user
would see it. ``--replications`` sets the batch's length (the default, 10, runs 110 of its 220
runs: long enough that the two seconds a new worker spends importing Mesa, pandas and scipy do
not decide the figure, as they do not in a real study).

Besides runs per minute, each row gives the workers' busy share: the time the runs themselves
took (as each worker timed them) over workers x wall time. What is missing from 1 is worker
start-up, the parent's writing and waiting at the end for the last runs.

    python benchmarks/batch.py                 # 1 and 2 workers, 10 replications
    python benchmarks/batch.py --replications 20 --workers 1 2 4
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment

ROOT = Path(__file__).resolve().parent.parent
POLICY_COMPARISON = ROOT / "scenarios" / "experiments" / "policy_comparison.toml"


def measure(replications: int = 10, workers: tuple[int, ...] = (1, 2),
            experiment: str | Path = POLICY_COMPARISON, verbose: bool = True) -> dict:
    """Run the (shortened) experiment once per worker count; return the rates and scaling."""
    exp = Experiment.load(experiment)
    # throughput at the defaults: the parameter draws of [uncertainty] change what is run, not
    # how fast, and would multiply the runs by the number of draws
    exp = exp.model_copy(update={"replications": replications, "uncertainty": None})
    rows = {}
    with tempfile.TemporaryDirectory(prefix="tipsim-bench-") as tmp:
        for n in workers:
            out = Path(tmp) / f"w{n}"
            summary = run_experiment(exp, out, workers=n, progress=False)
            run_seconds = sum(float(pq.read_schema(f).metadata[b"seconds"])
                              for f in (out / "runs").glob("*.parquet"))
            rows[n] = {"runs": summary.ran, "failed": summary.failed,
                       "seconds": round(summary.seconds, 2),
                       "runs_per_minute": round(summary.runs_per_minute, 1),
                       "busy_share": round(run_seconds / (n * summary.seconds), 3)}
    base = rows[min(rows)]["runs_per_minute"]
    for n, row in rows.items():
        row["speedup"] = round(row["runs_per_minute"] / base, 2)
        row["efficiency"] = round(row["speedup"] / (n / min(rows)), 2)
    result = {"experiment": exp.name, "replications": replications, "runs": exp.n_runs,
              "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2),
              "workers": rows}
    if verbose:
        print(f"{exp.name}: {exp.n_runs} runs ({replications} replications), "
              f"{os.cpu_count()} CPUs, load average {result['load_average']} at the end "
              "(other work on the machine skews the scaling)")
        print(f"{'workers':>7}  {'seconds':>8}  {'runs/min':>8}  {'speedup':>7}  "
              f"{'efficiency':>10}  {'busy':>5}")
        for n, row in rows.items():
            print(f"{n:>7}  {row['seconds']:>8.1f}  {row['runs_per_minute']:>8.1f}  "
                  f"{row['speedup']:>7.2f}  {row['efficiency']:>10.2f}  "
                  f"{row['busy_share']:>5.2f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--experiment", default=str(POLICY_COMPARISON))
    args = parser.parse_args()
    measure(args.replications, tuple(args.workers), args.experiment)


if __name__ == "__main__":
    main()
