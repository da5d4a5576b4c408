"""The Bayesian non-parametric latent-class model of Manrique-Vallier (2016, Biometrics
72:1246), the method of the R package ``LCMCR`` (Human Rights Data Analysis Group's practice).

Unequal visibility, the failure that makes every log-linear estimate undercount, is modelled
directly: each person belongs to one of up to K latent classes, and within a class the lists
see people independently, each list j with its own probability lambda_jk. The classes' shares
follow a truncated stick-breaking (Dirichlet process) prior, so the data choose how many
classes they need.

**Prior, as ``LCMCR``'s ``lcmCR`` defaults (Manrique-Vallier 2016, section 2):**

- ``K = 10`` classes at most (``LCMCR``'s example uses 10; its default is 5);
- shares: stick-breaking, V_k ~ Beta(1, alpha) for k < K, V_K = 1;
- alpha ~ Gamma(shape 0.25, rate 0.25);
- lambda_jk ~ Beta(1, 1) (uniform);
- the total N: p(N) proportional to 1/N.

**Sampler** (Gibbs, as the paper's section 3): the people seen on each pattern are shared
among the classes by a multinomial draw (people on the same pattern are exchangeable, so this
is the paper's draw of each person's class, summed); the number unseen given the rest is
negative binomial, n0 ~ NB(n, 1 - p0) with p0 the chance of being on no list, and its class
shares multinomial; then each lambda_jk is Beta, each V_k Beta(1 + n_k, alpha + people in later
classes), and alpha Gamma(0.25 + K - 1, 0.25 - sum log(1 - V_k)). The estimate is the posterior
median of N and the interval its 2.5% and 97.5% quantiles, from ``draws`` states kept every
``thin`` iterations after ``burn_in``; :func:`lcmcr_estimate` pools two chains and says when they
disagree. On the sparse trafficking tables they often do: on the five Netherlands lists, chains
of 5,000 + 10,000 iterations gave medians of 16,964 and 21,186 (seeds 0 and 1), chains of
20,000 + 40,000 gave 17,536 and 48,164; on the five UK lists 6,492, 10,892, 21,038 and 12,292
(measured with :func:`sample` on the shipped tables' observed patterns).

No published ``LCMCR`` estimate on the shipped trafficking lists was available to compare with
(Silverman 2020 tabulates some; its tables could not be read here): the tests check the sampler
on synthetic lists with a known total, including a population of two classes of visibility.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.inference.mse.bayes import CredibleTotal

K_CLASSES = 10
A_ALPHA = B_ALPHA = 0.25


@dataclass(frozen=True)
class LatentClassPosterior(CredibleTotal):
    """Draws of the total N (``totals``), with ``observed`` and the summary quantiles."""

    observed: int
    totals: np.ndarray
    classes: np.ndarray  # the number of classes holding 1% of N or more, per draw

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.totals, q))


def sample(X: np.ndarray, y: np.ndarray, *, K: int = K_CLASSES, burn_in: int = 5000,
           draws: int = 1000, thin: int = 10, seed: int = 0) -> LatentClassPosterior:
    """The Gibbs sampler for 0/1 patterns ``X`` (one row per observable pattern) with counts
    ``y``."""
    rng = np.random.default_rng(seed)
    seen = y > 0
    X = np.asarray(X, dtype=float)[seen]
    y = np.asarray(y, dtype=np.int64)[seen]
    J = X.shape[1]
    n = int(y.sum())
    lam = rng.beta(1.0, 1.0, size=(J, K))
    alpha = 1.0
    v = rng.beta(1.0, alpha, size=K)
    v[-1] = 1.0
    totals = np.empty(draws)
    classes = np.empty(draws, dtype=np.int64)
    kept = 0
    for step in range(burn_in + draws * thin):
        pi = v * np.concatenate([[1.0], np.cumprod(1.0 - v[:-1])])
        log_lam, log_not = np.log(lam), np.log1p(-lam)
        # the people on each pattern, shared among the classes
        log_p = np.log(np.maximum(pi, 1e-300)) + X @ log_lam + (1 - X) @ log_not
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        counts = rng.multinomial(y, p)  # patterns x classes
        # the people on no list: how many, and their classes
        unseen_by_class = pi * np.exp(log_not.sum(axis=0))
        p0 = float(unseen_by_class.sum())
        n0 = int(rng.negative_binomial(n, min(1.0 - p0, 1.0))) if p0 < 1 else 0
        unseen = rng.multinomial(n0, unseen_by_class / p0) if n0 else np.zeros(K, np.int64)
        on = X.T @ counts  # lists x classes: people of class k on list j
        size = counts.sum(axis=0) + unseen
        lam = rng.beta(1.0 + on, 1.0 + size - on)
        lam = np.clip(lam, 1e-12, 1 - 1e-12)
        later = np.concatenate([np.cumsum(size[::-1])[::-1][1:], [0]])
        v = rng.beta(1.0 + size, alpha + later)
        v[-1] = 1.0
        v = np.clip(v, 0.0, 1 - 1e-12)
        v[-1] = 1.0
        alpha = rng.gamma(A_ALPHA + K - 1, 1.0 / (B_ALPHA - np.log1p(-v[:-1]).sum()))
        if step >= burn_in and (step - burn_in) % thin == 0:
            totals[kept] = n + n0
            classes[kept] = int((size >= 0.01 * (n + n0)).sum())
            kept += 1
    return LatentClassPosterior(observed=n, totals=totals, classes=classes)


def r_hat(chains: np.ndarray) -> float:
    """Gelman & Rubin's potential scale reduction of draws (one row per chain): near 1 when the
    chains agree; above 1.1 is the usual sign that they have not settled (Gelman & Rubin 1992,
    Statistical Science 7:457)."""
    m, n = chains.shape
    within = chains.var(axis=1, ddof=1).mean()
    between = n * chains.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else math.inf
    return float(math.sqrt(((n - 1) / n * within + between / n) / within))


def lcmcr_estimate(lists, X: np.ndarray, y: np.ndarray, cells, notes=(), *, seed: int = 0,
                   chains: int = 2, burn_in: int = 5000, draws: int = 500, thin: int = 10):
    """:func:`sample` as a :class:`simulation.inference.mse.Estimate`: ``chains`` chains (seeds
    ``seed``, ``seed + 1``, ...) pooled, the posterior median and the 95% credible interval; a note
    when the chains disagree (:func:`r_hat` of log N above 1.1)."""
    import pandas as pd

    from simulation.inference.mse.models import Estimate

    runs = [sample(X, y, seed=seed + c, burn_in=burn_in, draws=draws, thin=thin)
            for c in range(chains)]
    totals = np.concatenate([r.totals for r in runs])
    post = LatentClassPosterior(observed=runs[0].observed, totals=totals,
                                classes=np.concatenate([r.classes for r in runs]))
    used = np.bincount(post.classes, minlength=K_CLASSES + 1)
    models = pd.DataFrame({"model": [f"{k} classes of 1% or more"
                                     for k in range(1, K_CLASSES + 1)],
                           "posterior": used[1:] / used.sum()})
    top = models.loc[models["posterior"].idxmax(), "model"]
    notes = tuple(notes)
    spread = r_hat(np.log(np.stack([r.totals for r in runs]))) if chains > 1 else 1.0
    if spread > 1.1:
        medians = ", ".join(f"{np.median(r.totals):,.0f}" for r in runs)
        notes += (f"the sampler's {chains} chains disagree (medians {medians}; R-hat {spread:.2f} "
                  "> 1.1): the posterior has not settled, do not rely on this estimate",)
    return Estimate(lists=tuple(lists), observed=post.observed,
                    unobserved=post.median - post.observed, total=post.median, low=post.low,
                    high=post.high, model=(top,), criterion="posterior",
                    score=float(models["posterior"].max()), interval="credible",
                    models=models, cells=cells, notes=notes)


__all__ = ["A_ALPHA", "B_ALPHA", "K_CLASSES", "LatentClassPosterior", "lcmcr_estimate",
           "r_hat", "sample"]
