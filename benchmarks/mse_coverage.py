"""Coverage and bias of each MSE method on synthetic lists with a known total.

    .venv/bin/python benchmarks/mse_coverage.py --shape three --repetitions 100
    .venv/bin/python benchmarks/mse_coverage.py --shape uk --repetitions 40

``three``: 500 people, three lists seeing 30%, 25% and 20% of them. ``uk``: lists shaped like the
UK 2013 strategic assessment in five lists (its AIC estimate, 11,313 people, and each list's
share of it: :func:`simulation.inference.mse.synthetic.shaped_like`). Three worlds each: independent
lists; a referral partnership (the second list passes 30% of those it sees to the third);
unequal visibility (half the population seen with a quarter of the probability). Methods:
log-linear models chosen by AIC with the model-averaged, profile-likelihood and bootstrap
(199 resamples) intervals, and Bayesian model averaging over decomposable graphs (dga); with
``--methods stepwise,stepwise_bca,allmodels`` SparseMSE's methods instead (the stepwise choice
with its Wald and BCa (199 resamples) intervals, every two-list model by AIC).
Prints, and writes to ``--out`` (JSON), per world and method: coverage of the 95% interval,
mean relative error of the estimate, and the number of repetitions. docs/estimation_own_lists.md
reports the numbers.
"""

from __future__ import annotations

import argparse
import json
import time

import simulation.model.datasets as datasets
import simulation.inference.mse as mse
from simulation.inference.mse.synthetic import shaped_like, synthetic_lists

METHODS = {"averaged": {"interval": "averaged"}, "profile": {"interval": "profile"},
           "bootstrap": {"interval": "bootstrap", "resamples": 199},
           "dga": {"method": "dga"}}
# SparseMSE's methods (simulation.inference.mse.sparse), measured separately with --methods
SPARSE = {"stepwise": {"method": "stepwise"},
          "stepwise_bca": {"method": "stepwise", "interval": "bca", "resamples": 199},
          "allmodels": {"method": "allmodels"}}


def shape(name: str):
    if name == "three":
        return 500, [0.3, 0.25, 0.2]
    total, probabilities, _ = shaped_like(datasets.load("uk_2013_five_lists"))
    return total, probabilities


def worlds():
    return {"independent": {}, "referral": {"referral": (1, 2, 0.3)},
            "unequal visibility": {"hidden": (0.5, 0.25)}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("three", "uk"), default="three")
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--out", default=None)
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, of {', '.join([*METHODS, *SPARSE])}")
    args = parser.parse_args(argv)
    chosen = {m: {**METHODS, **SPARSE}[m] for m in args.methods.split(",")}
    total, probabilities = shape(args.shape)
    rows = []
    for world, options in worlds().items():
        tallies = {m: [0, 0.0, 0] for m in chosen}
        start = time.perf_counter()
        for rep in range(args.repetitions):
            table = synthetic_lists(total, probabilities, seed=rep, **options)
            for method, kwargs in chosen.items():
                try:
                    est = mse.estimate(table, **kwargs)
                except mse.EstimationError:
                    continue
                tallies[method][0] += est.low <= total <= est.high
                tallies[method][1] += (est.total - total) / total
                tallies[method][2] += 1
        for method, (covered, error, done) in tallies.items():
            rows.append({"shape": args.shape, "total": total, "world": world, "method": method,
                         "repetitions": done, "coverage": covered / max(done, 1),
                         "mean_relative_error": error / max(done, 1)})
            print(json.dumps(rows[-1]), flush=True)
        print(f"# {world}: {time.perf_counter() - start:.0f} s", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
