"""Coverage of the interval of randomness and parameters on known answers.

    .venv/bin/python benchmarks/interval_coverage.py --method shipped --repetitions 1000
    .venv/bin/python benchmarks/interval_coverage.py --method all --repetitions 4000 \
        --out benchmarks/interval_coverage.json

An effect that is a draw-level value (the parameters') plus run noise (the seeds'): K draws of
2 runs each, the draw-level values from a normal, a uniform or a skewed (exponential minus its
mean) distribution, with standard deviation ``between`` and run noise of standard deviation
``within``: equal (1, 1), parameters dominating (1, 0.3) and randomness dominating (0.3, 1).
The interval should cover a NEW draw's draw-level value 95% of the time. Prints, and writes to
``--out`` (JSON), per method and case: coverage, its Monte Carlo standard error, the mean width
in units of ``between`` and the number of repetitions. docs/uncertainty.md reports the numbers;
tests/test_conclusions_coverage.py checks a smaller version of the shipped method's on every
test run.

Methods (``--method``; ``all`` runs each):

- ``shipped``: :func:`simulation.inference.conclusions.predictive_intervals`, what
  :func:`simulation.inference.conclusions.decompose` gives every effect (the draws' means shrunk
  towards the mean, blurred, averaged over the one-way model's posterior of the two variances).
- ``normal_floored``: a normal new draw, mean plus a normal of the between-draw variance, both
  variances from their generalised pivotal quantities (Weerahandi 1993), the between-draw one
  floored at zero: exact in shape only for normal draws.
- ``normal_gelman``: the same with the Box-Tiao posterior truncated to a positive between-draw
  variance and reweighted to a uniform prior on its standard deviation (Gelman 2006, *Bayesian
  Analysis* 1(3)).
- ``conformal_gelman``: a conformal interval for a new draw's mean (the draws' leave-one-out
  absolute deviations, the j-th smallest at probability j/(K+1); Lei et al. 2018, *JASA* 113),
  exact in any shape, scaled down by the share of a new mean's spread that is not the seeds'
  noise, that share averaged over the ``normal_gelman`` posterior.
- ``conformal_studentized``: the same leave-one-out deviations divided by the draws' standard
  error of a new mean (the shape, distribution-free), times the standard deviation of a new
  draw's value drawn from the ``normal_gelman`` posterior (the scale and its uncertainty).
- ``conformal_new_mean``: the conformal interval itself, judged on a different target: a new
  draw's mean over 2 runs of its own (its value plus the seeds' noise) rather than its value.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time

import numpy as np

from simulation.inference.conclusions import predictive_intervals

RUNS = 2
SHAPES = ("normal", "uniform", "skewed")
DRAWS = (20, 60)
VARIANCES = ((1.0, 1.0), (1.0, 0.3), (0.3, 1.0))
CASES = list(itertools.product(SHAPES, DRAWS, VARIANCES))


def draw_values(rng: np.random.Generator, shape: str, size) -> np.ndarray:
    """Draw-level values with mean 0 and variance 1."""
    if shape == "normal":
        return rng.standard_normal(size)
    if shape == "uniform":
        return (rng.random(size) - 0.5) * math.sqrt(12)
    return rng.exponential(1.0, size) - 1.0


def _weighted_quantile(x, weight, q):
    order = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(weight, order, axis=1), axis=1)
    return xs[np.arange(len(x)), np.argmax(cum >= q * cum[:, -1:], axis=1)]


def _posterior(rng, k, n, within, msb, df_w, shape, floored):
    """Draws of (within-draw variance, draws' mean-square expectation, between-draw variance)
    and their weights."""
    within_s = within[:, None] * df_w / rng.chisquare(df_w, shape)
    tau_s = msb[:, None] * (k - 1) / rng.chisquare(k - 1, shape)
    if floored:
        return within_s, tau_s, np.maximum(0.0, (tau_s - within_s) / n), np.ones(shape)
    accept = tau_s > within_s
    between_s = np.where(accept, (tau_s - within_s) / n, 0.0)
    weight = np.where(accept, tau_s / np.sqrt(np.where(accept, between_s, 1.0)), 0.0)
    weight[weight.sum(axis=1) == 0] = 1.0
    return within_s, tau_s, between_s, weight


def alternative(method, means, mean, within, msb, df_w, samples=4000):
    """The interval of one of the alternative methods (equal runs per draw, ``RUNS``)."""
    r, k = means.shape
    n = float(RUNS)
    rng = np.random.default_rng(1)
    shape = (r, samples)
    within_s, tau_s, between_s, weight = _posterior(rng, k, n, within, msb, df_w, shape,
                                                    method == "normal_floored")
    if method.startswith("normal"):
        x = (np.sqrt(tau_s / (n * k)) * rng.standard_normal(shape)
             + np.sqrt(between_s) * rng.standard_normal(shape))
        return (mean + _weighted_quantile(x, weight, 0.025),
                mean + _weighted_quantile(x, weight, 0.975))
    new_sd = np.sqrt(between_s * (1 + 1 / k) + within_s / (n * k))
    g = new_sd / np.sqrt(tau_s / n * (1 + 1 / k))
    if method == "conformal_studentized":
        g = new_sd / np.sqrt(msb / n * (1 + 1 / k))[:, None]
    deviation = np.sort(np.abs(means - mean[:, None]), axis=1) * (k / (k - 1))
    if method == "conformal_new_mean":  # the (K+1)(0.95)-th smallest, the largest if beyond
        half = deviation[:, min(k, math.ceil(0.95 * (k + 1))) - 1]
        return mean - half, mean + half
    ladder = np.concatenate([np.zeros((r, 1)), deviation, deviation[:, -1:]], axis=1)
    position = rng.random(shape) * (k + 1)
    step = np.floor(position).astype(int)
    frac = position - step
    reach = (np.take_along_axis(ladder, step, axis=1) * (1 - frac)
             + np.take_along_axis(ladder, step + 1, axis=1) * frac)
    half = _weighted_quantile(reach * g, weight, 0.95)
    return mean - half, mean + half


METHODS = ("shipped", "normal_floored", "normal_gelman", "conformal_gelman",
           "conformal_studentized", "conformal_new_mean")


def coverage(shape: str, k: int, between: float, within_sd: float, repetitions: int,
             seed: int, chunk: int = 250, samples: int = 4000, method: str = "shipped"
             ) -> tuple[float, float]:
    """Share of repetitions whose interval covers a new draw's value, and the mean width
    (in units of ``between``)."""
    rng = np.random.default_rng(seed)
    theta = draw_values(rng, shape, (repetitions, k + 1)) * between
    y = theta[:, :k, None] + within_sd * rng.standard_normal((repetitions, k, RUNS))
    means = y.mean(axis=2)
    mean = means.mean(axis=1)
    n = k * RUNS
    within = ((y - means[:, :, None]) ** 2).sum(axis=(1, 2)) / (n - k)
    msb = RUNS * ((means - mean[:, None]) ** 2).sum(axis=1) / (k - 1)
    new = theta[:, k]
    if method == "conformal_new_mean":  # a new draw measured as these were: 2 runs of its own
        new = new + within_sd * rng.standard_normal((repetitions, RUNS)).mean(axis=1)
    hits, widths = [], []
    for start in range(0, repetitions, chunk):
        part = slice(start, start + chunk)
        if method == "shipped":
            low, high, _, _ = predictive_intervals(means[part], mean[part],
                                                   np.full(k, float(RUNS)), within[part],
                                                   msb[part], n - k, 0.95, samples=samples)
        else:
            low, high = alternative(method, means[part], mean[part], within[part], msb[part],
                                    n - k, samples)
        hits.append((low <= new[part]) & (new[part] <= high))
        widths.append(high - low)
    return float(np.concatenate(hits).mean()), float(np.concatenate(widths).mean() / between)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--method", choices=METHODS + ("all",), default="shipped")
    parser.add_argument("--out", help="JSON file for the table")
    args = parser.parse_args()
    rows = []
    for method in METHODS if args.method == "all" else (args.method,):
        started = time.perf_counter()
        covers = []
        for i, (shape, k, (between, within_sd)) in enumerate(CASES):
            cover, width = coverage(shape, k, between, within_sd, args.repetitions,
                                    args.seed + i, method=method)
            se = math.sqrt(cover * (1 - cover) / args.repetitions)
            covers.append(cover)
            rows.append({"method": method, "shape": shape, "draws": k, "runs_per_draw": RUNS,
                         "between_sd": between, "within_sd": within_sd, "coverage": cover,
                         "monte_carlo_se": se, "mean_width_in_between_sd": width,
                         "repetitions": args.repetitions})
            print(f"{method:17s} {shape:8s} {k:3d} draws  between {between:.1f} within "
                  f"{within_sd:.1f}: {100 * cover:5.1f}% (se {100 * se:.2f})  width "
                  f"{width:.2f}", flush=True)
        print(f"{method}: range {100 * min(covers):.1f}% to {100 * max(covers):.1f}%, "
              f"{sum(0.94 <= c <= 0.96 for c in covers)} of {len(covers)} cases in 94-96%; "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"repetitions": args.repetitions, "seed": args.seed, "cases": rows}, f,
                      indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
