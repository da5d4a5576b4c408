"""Choose the parameters worth calibrating from a Morris screening (docs/calibration.md).

    tipsim batch scenarios/experiments/morris_parameters.toml          # ~4 min on 2 cores
    .venv/bin/python tools/screen_parameters.py results/morris_parameters \\
        --targets scenarios/calibration/baseline_targets.toml --top 16

Each fitted target (a ratio or share, as the target file defines it) is computed for every run
of the screening and averaged over its replications; SALib's Morris analysis gives each
parameter's mu* (mean absolute elementary effect, Campolongo et al. 2007) on each target. mu* is
divided by the largest mu* on that target, so targets in different units count alike, and a
parameter's score is its largest share over the targets. A design point where a target has no
value in any replication (no prosecutions at all) takes the target's median. Lever-effect sizes
are left out: baseline data cannot identify them (simulation/model/parameters.py), so they stay
uncertain for policy comparisons rather than being fitted. Short, small screening runs are
noisy, and noise adds to every mu*: read the ranking, not the size. Prints the ranking and a
``fit = [...]`` line for the calibration file.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from types import SimpleNamespace

import pandas as pd
from SALib.analyze import morris

from simulation.inference.calibration import load_targets
from simulation.model.parameters import PARAMETERS
from simulation.studies.store import load_results


def target_values(results, targets) -> pd.DataFrame:
    """One row per design point, one column per fitted target (mean over replications)."""
    runs = results.runs
    rows = []
    for _, run in runs.iterrows():
        result = SimpleNamespace(outcomes=run.to_dict(), jurisdictions={})
        rows.append({"point": run["point"]} | {
            t.name: t.simulated(result, years=1.0, scale=1.0) for t in targets})
    values = pd.DataFrame(rows).groupby("point").mean().sort_index()
    return values.fillna(values.median())


def rank(results, targets) -> pd.DataFrame:
    design = results.manifest["design"]
    names = design["inputs"]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[design["ranges"][n]["low"], design["ranges"][n]["high"]]
                          for n in names]}
    x = results.runs.groupby("point")[names].first().sort_index().to_numpy(float)
    values = target_values(results, targets)
    rows = []
    for target in values.columns:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idx = morris.analyze(problem, x, values[target].to_numpy(float),
                                 num_levels=design.get("settings", {}).get("levels", 4), seed=0)
        rows += [{"input": n, "target": target, "mu_star": float(idx["mu_star"][i])}
                 for i, n in enumerate(names)]
    d = pd.DataFrame(rows)
    d = d[d["input"].map(lambda n: n in PARAMETERS and PARAMETERS[n].group != "lever_effects")]
    d["share"] = d["mu_star"] / d.groupby("target")["mu_star"].transform("max")
    best = d.sort_values("share", ascending=False).groupby("input").head(1)
    return best.set_index("input")[["share", "target"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results of the Morris screening (tipsim batch)")
    parser.add_argument("--targets", default="scenarios/calibration/baseline_targets.toml")
    parser.add_argument("--top", type=int, default=16)
    args = parser.parse_args(argv)
    targets = load_targets(args.targets).fitted
    ranking = rank(load_results(args.results), targets)
    print(f"targets screened: {', '.join(t.name for t in targets)}\n")
    print(ranking.head(args.top + 10).to_string(float_format=lambda x: f"{x:.2f}"))
    print("\nfit = [" + ", ".join(f'"{n}"' for n in ranking.index[:args.top]) + "]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
