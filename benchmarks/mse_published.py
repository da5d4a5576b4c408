"""The Monte Carlo error of SparseMSE's BCa bootstrap interval, against the published intervals.

    .venv/bin/python benchmarks/mse_published.py --seeds 20 --out benchmarks/mse_published.json

For each shipped table with a published BCa interval (Chan, Silverman & Vincent 2021, JASA
116:1297, sections 4.1 and 4.2, 1000 bootstrap replications), the stepwise method's BCa
interval (:func:`simulation.mse_sparse.bca_interval`, 1000 resamples) is computed with numpy
seeds 0 to ``--seeds`` - 1; prints and writes the mean, standard deviation, smallest and
largest of each bound, the published bound, how many standard deviations it lies from the mean,
and the seconds per interval. ``tests/test_mse_published.py`` uses the standard deviations as
the tolerance of its one-seed comparison; docs/estimation_own_lists.md reports them.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import simulation.datasets as datasets
from simulation.mse_sparse import Table, bca_interval

PUBLISHED = {  # Chan, Silverman & Vincent (2021): BCa 95% intervals
    "us_western_site_five_lists": (1293, 3670),  # section 4.2
    "new_orleans_five_lists": (589, 1703),  # section 4.1
    "new_orleans_eight_lists": (717, 1657),  # section 4.1
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--names", default="us_western_site_five_lists,new_orleans_five_lists")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    out = {}
    for name in args.names.split(","):
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
