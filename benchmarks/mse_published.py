"""The Monte Carlo error of SparseMSE's BCa bootstrap interval, against the published intervals.

    .venv/bin/python benchmarks/mse_published.py --seeds 20 --out benchmarks/mse_published.json

For each shipped table with a published BCa interval (Chan, Silverman & Vincent 2021, JASA
116:1297, sections 4.1 and 4.2, 1000 bootstrap replications), the stepwise method's BCa
interval (:func:`simulation.inference.mse.sparse.bca_interval`, 1000 resamples) is computed with
numpy seeds 0 to ``--seeds`` - 1; prints and writes the mean, standard deviation, smallest and
largest of each bound, the published bound, how many standard deviations it lies from the mean,
and the seconds per interval. ``tests/test_mse_published.py`` uses the standard deviations as
the tolerance of its one-seed comparison; docs/estimation_own_lists.md reports them.

``--names korea``: the same for the BIC bootstrap of every two-list model (Silverman, Chan &
Vincent 2024, Table 3) on the Korean lists, choosing among the best 1, 2 and all 6 models.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import simulation.model.datasets as datasets
from simulation.inference.mse.sparse import Table, bca_interval

PUBLISHED = {  # Chan, Silverman & Vincent (2021): BCa 95% intervals
    "us_western_site_five_lists": (1293, 3670),  # section 4.2
    "new_orleans_five_lists": (589, 1703),  # section 4.1
    "new_orleans_eight_lists": (717, 1657),  # section 4.1
}


KOREA = (np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]],
                  float), np.array([41, 5, 5, 54, 6, 0, 12], float))
# Silverman, Chan & Vincent (2024), Table 3: the BIC bootstrap's BCa intervals for the Korean
# lists (MultipleSystemsEstimation's `Korea`), choosing among the best 1, 2 and all 6 models
KOREA_PUBLISHED = {1: {"80%": (136, 198), "95%": (131, 248)},
                   2: {"80%": (135, 286), "95%": (130, 348)},
                   6: {"80%": (135, 288), "95%": (128, 349)}}


def korea(seeds: int) -> dict:
    """The BIC bootstrap's BCa intervals for the Korean lists over ``seeds`` seeds."""
    from simulation.inference.mse.sparse import all_models, best_of

    table = Table.of(*KOREA)
    fits, _ = all_models(table, "bic")
    models = [m for m, _, _ in fits]
    out = {}
    for ntop, published in KOREA_PUBLISHED.items():
        started = time.perf_counter()
        bounds = np.array([bca_interval(table, resamples=1000, seed=seed,
                                        alpha=(0.1, 0.9, 0.025, 0.975),
                                        estimator=best_of(models[:ntop]),
                                        estimate=fits[0][2].abundance)
                           for seed in range(seeds)])
        row = {"seeds": seeds,
               "seconds_per_interval": round((time.perf_counter() - started) / seeds, 2)}
        for k, (level, side) in enumerate((("80%", 0), ("80%", 1), ("95%", 0), ("95%", 1))):
            mean, sd = bounds[:, k].mean(), bounds[:, k].std(ddof=1)
            row[f"{level} {'low' if side == 0 else 'high'}"] = {
                "mean": round(mean, 1), "sd": round(sd, 1), "published": published[level][side],
                "sds_from_mean": round((published[level][side] - mean) / sd, 2)}
        out[f"korea_bic_top_{ntop}"] = row
        print(f"korea top {ntop}", json.dumps(row), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--names", default="us_western_site_five_lists,new_orleans_five_lists")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    out = {}
    for name in args.names.split(","):
        if name == "korea":
            out.update(korea(args.seeds))
            continue
        data = datasets.load(name)
        lists = list(data.columns[:-1])
        X, y = data[lists].to_numpy(float), data[data.columns[-1]].to_numpy(float)
        bounds, started = [], time.perf_counter()
        for seed in range(args.seeds):
            bounds.append(bca_interval(Table.of(X, y), resamples=1000, seed=seed))
        seconds = (time.perf_counter() - started) / args.seeds
        bounds = np.array(bounds)
        row = {"seeds": args.seeds, "seconds_per_interval": round(seconds, 2)}
        for k, side in enumerate(("low", "high")):
            mean, sd = bounds[:, k].mean(), bounds[:, k].std(ddof=1)
            row[side] = {"mean": round(mean, 1), "sd": round(sd, 1),
                         "min": round(bounds[:, k].min(), 1),
                         "max": round(bounds[:, k].max(), 1),
                         "published": PUBLISHED[name][k],
                         "sds_from_mean": round((PUBLISHED[name][k] - mean) / sd, 2)}
        out[name] = row
        print(name, json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
