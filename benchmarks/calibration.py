"""Calibration speed: wall time, runs per minute and acceptance of a shipped calibration.

Reported, never asserted in tests. Prints one line per variant and writes
``benchmarks/calibration_results.json``.

    python benchmarks/calibration.py                 # --quick variant of the baseline (< 5 min)
    python benchmarks/calibration.py --full          # and the full shipped calibration (<= 30 min)
    python benchmarks/calibration.py --file scenarios/calibration/netherlands.toml --full

What is measured, for each variant:

- plain runs per minute: the calibration's run settings (length, scale) at the scenario's own
  values, one process, median of five runs: the ceiling of one core;
- the calibration itself (ordered sampler, all cores): wall time, total model runs and runs per
  minute (pyabc's calibration sample from the prior included in the wall time, not in the
  runs), generations, final tolerance and acceptance, ensemble size and effective sample size.

The machine may be shared with other jobs: the load average before and after is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

import simulation  # noqa: E402
from simulation.inference.calibration import (calibrate, load_calibration, load_ensemble)  # noqa: E402

BASELINE = ROOT / "scenarios" / "calibration" / "baseline.toml"


def plain_runs_per_minute(path: Path, quick: bool) -> float:
    cal = load_calibration(path, quick=quick)
    times = []
    for seed in range(5):
        start = time.perf_counter()
        simulation.run(cal.scenario, seed=seed)
        times.append(time.perf_counter() - start)
    return 60 / statistics.median(times)


def measure(path: Path, quick: bool, workers: int | None, out: Path) -> dict:
    load = os.getloadavg()
    start = time.perf_counter()
    calibrate(path, out, quick=quick, workers=workers, restart=True)
    wall = time.perf_counter() - start
    ensemble, m = load_ensemble(out)
    last = m["generations"][-1]
    cal = load_calibration(path, quick=quick)
    return {
        "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "variant": "quick" if quick else "full",
        "parameters": len(cal.priors), "targets_fitted": len(cal.targets.fitted),
        "targets_held_out": len(cal.targets.held_out),
        "run": m["run"], "population": m["budget"]["population"],
        "wall_seconds": round(wall, 1), "runs": m["runs"],
        "runs_per_minute": round(m["runs"] / wall * 60, 1),
        "plain_runs_per_minute_one_core": round(plain_runs_per_minute(path, quick), 1),
        "generations": len(m["generations"]), "final_epsilon": round(last["epsilon"], 3),
        "final_acceptance": last["acceptance"],
        "acceptance_by_generation": [g["acceptance"] for g in m["generations"]],
        "ensemble_size": len(ensemble),
        "effective_sample_size": round(m["effective_sample_size"], 1),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=BASELINE)
    parser.add_argument("--full", action="store_true", help="also the full calibration")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark_calibration")
    args = parser.parse_args(argv)
    rows = []
    for quick in (True, False) if args.full else (True,):
        row = measure(args.file.resolve(), quick, args.workers,
                      args.out / ("quick" if quick else "full"))
        rows.append(row)
        print(f"{row['file']} {row['variant']}: {row['wall_seconds']:.0f} s, {row['runs']} runs "
              f"({row['runs_per_minute']:.0f}/min; one core alone "
              f"{row['plain_runs_per_minute_one_core']:.0f}/min), {row['generations']} "
              f"generations, final tolerance {row['final_epsilon']}, acceptance "
              f"{row['final_acceptance']:.1%}, ensemble {row['ensemble_size']} "
              f"(ESS {row['effective_sample_size']:.0f})")
    target = HERE / "calibration_results.json"
    previous = json.loads(target.read_text()) if target.exists() else {}
    previous.update({f"{r['file']}:{r['variant']}": r | {"measured": time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime())} for r in rows})
    target.write_text(json.dumps(previous, indent=2) + "\n")
    print(f"-> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
