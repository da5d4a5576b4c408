"""Baseline runs at one scale, in a process of their own; prints one line of JSON.

    python benchmarks/scaling_worker.py 8 [--seed 1] [--runs 1]

With ``--runs K`` the same run is repeated K times (each model freed before the next) and the
times are their means: ``benchmarks/run.py`` gives every scale the same simulated volume (8 runs
at scale 1, 1 at scale 8), so that each is timed over a similar stretch of wall time.

``peak_rss_mib`` is the process's peak resident memory (``VmHWM``, else ``getrusage``);
``import_rss_mib`` is its resident memory just before the model is built (Python, numpy, pandas
and Mesa loaded), so their difference is what the run itself needed. ``person_weeks`` is the
throughput's measure of a run's work (``benchmarks/run.py``): the sum over its weeks of victims
in exploitation and active traffickers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def _rss_mib() -> float:
    """Peak resident memory of this process so far.

    Linux's ``ru_maxrss`` survives ``exec`` and so starts at the parent's resident size when
    the parent is big (as the benchmark is); ``VmHWM`` belongs to this program alone.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def _current_rss_mib() -> float:
    """Resident memory now (Linux); the peak so far where /proc is missing."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _rss_mib()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", type=float)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    import simulation
    from simulation.model.trafficking_model import BASELINE, COLUMN, TraffickingModel

    work = [COLUMN["victims_in_exploitation"], COLUMN["traffickers_active"]]

    scenario = simulation.with_overrides(BASELINE, {"run.scale": args.scale})
    import_rss = _current_rss_mib()
    rows = []
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        model = TraffickingModel(scenario, rng=args.seed, history=False)  # as simulation.run
        build_wall, build_cpu = time.perf_counter() - wall, time.process_time() - cpu
        model.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        victims = len(model.victims)
        person_weeks = float(model.series[: model.steps][:, work, :].sum())
        traffickers = sum(model.trafficker_counts.values())  # ever created
        model.dismantle()  # as simulation.run does
        rows.append((wall, cpu, build_wall, build_cpu))
    wall, cpu, build_wall, build_cpu = (sum(col) / len(rows) for col in zip(*rows))
    print(json.dumps({"scale": args.scale, "seed": args.seed, "runs": args.runs,
                      "wall_s": wall, "cpu_s": cpu, "runs_cpu_s": [r[1] for r in rows],
                      "build_wall_s": build_wall, "build_cpu_s": build_cpu,
                      "peak_rss_mib": _rss_mib(), "import_rss_mib": import_rss,
                      "victims": victims, "traffickers": traffickers,
                      "person_weeks": person_weeks}))


if __name__ == "__main__":
    main()
