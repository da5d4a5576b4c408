"""How well do paired runs pair? For every shipped policy, the standard deviation of the paired
difference (policy minus baseline, same seed) over that of an unpaired one, per key outcome.

    .venv/bin/python tools/pairing.py [--seeds 16] [--scale 0.25] [--workers 2] [--json OUT]

With common random numbers a policy that changes one process leaves every other process's draws
alone, so the same seed gives runs that differ only through the policy and the ratio is well
below 1; with one stream shared by every process the ratio is near 1 (pairing removes no noise).
The unpaired standard deviation is ``sqrt(var(policy) + var(baseline))``, that of the difference
of two independent runs. The runs needed for a given interval width scale with the square of
the ratio, so ``ratio ** 2`` is the share of runs a paired comparison needs against an unpaired
one (issue 22 measures training and shelters on victim-weeks, victims identified, new victims
and convictions, at scale 0.25 on seeds 1-16).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("victim_weeks_exploited", "victims_identified", "new_victims", "convictions")
HEADLINE = ("training", "shelters_reintegration")


def _one(job: tuple[str, int, float]) -> tuple[str, int, dict]:
    import simulation
    from simulation.model.scenario import with_overrides

    path, seed, scale = job
    result = simulation.run(with_overrides(path, {"run.scale": scale}), seed=seed)
    return Path(path).stem, seed, result.outcomes


def ratios(runs: dict[str, dict[int, dict]], outcomes=OUTCOMES) -> dict[str, dict[str, float]]:
    """``{policy: {outcome: paired sd / unpaired sd}}`` against ``runs["baseline"]``."""
    import numpy as np

    base = runs["baseline"]
    seeds = sorted(base)
    out: dict[str, dict[str, float]] = {}
    for policy, by_seed in runs.items():
        if policy == "baseline":
            continue
        out[policy] = {}
        for outcome in outcomes:
            a = np.array([by_seed[s][outcome] for s in seeds], float)
            b = np.array([base[s][outcome] for s in seeds], float)
            unpaired = np.sqrt(a.var(ddof=1) + b.var(ddof=1))
            out[policy][outcome] = float((a - b).std(ddof=1) / unpaired) if unpaired else 0.0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the runs' ratios here")
    args = parser.parse_args()
    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    jobs = [(str(p), s, args.scale) for p in paths for s in range(1, args.seeds + 1)]
    with ProcessPoolExecutor(args.workers) as pool:
        found = list(pool.map(_one, jobs, chunksize=4))
    runs: dict[str, dict[int, dict]] = {}
    for name, seed, outcomes in found:
        runs.setdefault(name, {})[seed] = outcomes
    table = ratios(runs)
    width = max(map(len, table))
    print(f"paired sd / unpaired sd, scale {args.scale}, seeds 1-{args.seeds}")
    print(f"{'policy':<{width}}  " + "  ".join(f"{o[:22]:>22}" for o in OUTCOMES) + "  median")
    for policy, row in sorted(table.items()):
        print(f"{policy:<{width}}  " + "  ".join(f"{row[o]:>22.2f}" for o in OUTCOMES)
              + f"  {statistics.median(row.values()):6.2f}")
    headline = [v for p in HEADLINE if p in table for v in table[p].values()]
    every = [v for row in table.values() for v in row.values()]
    print(f"median over training and shelters (issue 22's measure): "
          f"{statistics.median(headline):.2f}; over every policy: {statistics.median(every):.2f}"
          f" (runs needed for the same interval width: {statistics.median(every) ** 2:.0%} of "
          "unpaired)")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "seeds": args.seeds,
                                         "ratios": table}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
