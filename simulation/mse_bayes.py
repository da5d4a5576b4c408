"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

The method of the R package ``dga`` (Johndrow, Lum & Ball; Human Rights Data Analysis Group),
used for the death toll of conflicts and for modern slavery (Silverman 2020, JRSS A 183:691).
Each decomposable graph on the lists (an edge: the two lists may be dependent) is a model of
the 2^k table of capture patterns, the unseen pattern included; the posterior of the number
unseen is averaged over every such graph, weighted by how well each explains the counts.

**Prior, as stated by Madigan & York (1997, Biometrika 84:19) and ``dga``'s ``bma.cr``:**

- graphs: uniform over the decomposable graphs on the k lists (822 for five lists);
- the cell probabilities of a graph: hyper-Dirichlet, each clique's marginal table Dirichlet
  with ``delta * 2^(k - |clique|)`` per cell, so ``delta`` per cell of the full table
  (default ``delta = 2^-k``, ``dga``'s suggestion: one prior observation in all);
- the total N: p(N) proportional to 1/N (``dga``'s default), on the grid of numbers unseen.

The log marginal likelihood of a graph is the sum over its cliques minus the sum over its
separators of each marginal table's Dirichlet-multinomial term (``dga``'s ``CompLogML`` and
``computeLogPostProbs``), plus the multinomial coefficient of the full table. Cliques and
separators come from networkx (``is_chordal``, ``chordal_graph_cliques`` and a maximum-weight
spanning tree of the clique graph, the junction tree).

The estimate is the posterior median of N and the 95% credible interval its 2.5% and 97.5%
posterior quantiles. Up to five lists, as ``dga`` (six lists have 18,154 decomposable graphs).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln, logsumexp

MAX_LISTS = 5
GRID_POINTS = 6000


@dataclass(frozen=True)
class Posterior:
    """The model-averaged posterior of the number unseen: ``missing`` (grid), ``probability``
    (its posterior mass on each grid value), ``graphs`` (each graph's edges and posterior
    probability), and the summary: ``median``, ``low``, ``high`` (95% credible interval of
    the total N = observed + unseen), ``observed``, ``delta``."""

    observed: int
    missing: np.ndarray
    probability: np.ndarray
    graphs: pd.DataFrame
    delta: float

    def quantile(self, q: float) -> float:
        """The q-quantile of the total N."""
        cumulative = np.cumsum(self.probability)
        return float(self.observed + self.missing[min(np.searchsorted(cumulative, q),
                                                      len(self.missing) - 1)])

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    @property
    def low(self) -> float:
        return self.quantile(0.025)

    @property
    def high(self) -> float:
        return self.quantile(0.975)

    @property
    def tail(self) -> float:
        """The posterior mass in the top tenth of the grid: above about 0.01, the upper end of
        the posterior depends on where the grid stops."""
        return float(self.probability[self.missing >= 0.9 * self.missing.max()].sum())

    @property
    def mean(self) -> float:
        return float(self.observed + np.sum(self.missing * self.probability))


@functools.lru_cache(maxsize=8)
def decomposable_graphs(k: int) -> tuple[tuple[tuple, tuple, tuple], ...]:
    """Every decomposable graph on k lists as (edges, cliques, separators), each clique and
    separator a tuple of list indices."""
    import networkx as nx

    pairs = list(itertools.combinations(range(k), 2))
    out = []
    for r in range(len(pairs) + 1):
        for edges in itertools.combinations(pairs, r):
            g = nx.Graph()
            g.add_nodes_from(range(k))
            g.add_edges_from(edges)
            if not nx.is_chordal(g):
                continue
            cliques = [tuple(sorted(c)) for c in nx.chordal_graph_cliques(g)]
            tree = nx.Graph()
            tree.add_nodes_from(range(len(cliques)))
            for a, b in itertools.combinations(range(len(cliques)), 2):
                tree.add_edge(a, b, weight=len(set(cliques[a]) & set(cliques[b])))
            separators = [tuple(sorted(set(cliques[a]) & set(cliques[b])))
                          for a, b in nx.maximum_spanning_tree(tree).edges()]
            out.append((edges, tuple(cliques), tuple(s for s in separators if s)))
    return tuple(out)


def posterior(X: np.ndarray, y: np.ndarray, *, delta: float | None = None,
              missing: np.ndarray | None = None, log_prior=None) -> Posterior:
    """The model-averaged posterior of the number unseen for 0/1 patterns ``X`` (one row per
    observable pattern, first list the lowest bit) with counts ``y``.

    ``missing``: the grid of numbers unseen (default: 0 up to 50 times the observed plus 1000,
    in at most :data:`GRID_POINTS` equal steps, each point standing for its step's width);
    ``log_prior``: a function of the total N (default: -log N, ``dga``'s); ``delta``: the
    hyper-Dirichlet parameter (default 2^-k).

    Madigan & York's three-list example, as ``dga``'s tests check it (prior on N from their
    paper, ``delta = 1``, 1 to 300 unseen): the Bayes estimate under relative squared error loss
    E(1/N)/E(1/N^2) is 731.

    >>> X = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1],
    ...               [1, 1, 1]], float)
    >>> y = np.array([60, 49, 4, 247, 112, 142, 12], float)
    >>> a, b = 13.14, 55.17
    >>> def prior(N):
    ...     return N * math.log(b) - (N + a) * math.log(1 + b) + gammaln(N + a) - gammaln(N + 1)
    >>> post = posterior(X, y, delta=1.0, missing=np.arange(1, 301), log_prior=prior)
    >>> N = post.observed + post.missing
    >>> round(np.sum(post.probability / N) / np.sum(post.probability / N ** 2))
    731
    """
    from simulation.mse_tables import EstimationError

    k = X.shape[1]
    if not 2 <= k <= MAX_LISTS:
        raise EstimationError(f"Bayesian model averaging over decomposable graphs: {k} lists; "
                              f"allowed: 2 to {MAX_LISTS} (merge lists with --lists)")
    delta = 2.0 ** -k if delta is None else float(delta)
    if not delta > 0:
        raise EstimationError(f"delta: got {delta}; allowed: a number above 0")
    observed = int(y.sum())
    full = np.zeros(2 ** k)
    codes = (X.astype(np.int64) << np.arange(k)).sum(axis=1)
    full[codes] = y
    if missing is None:
        top = 50 * observed + 1000
        step = max(1, math.ceil(top / GRID_POINTS))
        missing = np.arange(0, top + 1, step)
    else:
        missing = np.asarray(missing)
        step = 1
    missing = missing.astype(float)
    total = observed + missing
    # log of each subset's marginal term (Dirichlet-multinomial, dga's CompLogML plus its D)
    whole = gammaln(2 ** k * delta) - gammaln(total + 2 ** k * delta)
    terms = np.zeros((2 ** k, len(missing)))
    cells = np.arange(2 ** k)
    for subset in range(1, 2 ** k):
        size = bin(subset).count("1")
        d = delta * 2 ** (k - size)
        margin = np.bincount(cells & subset, weights=full, minlength=2 ** k)
        margin = margin[np.unique(cells & subset)]  # the 2^size cells of this margin
        terms[subset] = (gammaln(missing + margin[0] + d) + gammaln(margin[1:] + d).sum()
                         - len(margin) * gammaln(d) + whole)
    graphs = decomposable_graphs(k)
    weights = np.zeros((len(graphs), 2 ** k))
    for g, (_, cliques, separators) in enumerate(graphs):
        for c in cliques:
            weights[g, sum(1 << i for i in c)] += 1
        for s in separators:
            weights[g, sum(1 << i for i in s)] -= 1
    coefficient = gammaln(total + 1) - gammaln(full[1:] + 1).sum() - gammaln(missing + 1)
    prior = (-np.log(total) if log_prior is None
             else np.array([log_prior(n) for n in total], dtype=float))
    log_post = weights @ terms + coefficient + prior + math.log(step)
    log_post -= logsumexp(log_post)
    probability = np.exp(logsumexp(log_post, axis=0))
    table = pd.DataFrame({"graph": [" ".join(f"{a}:{b}" for a, b in e) or "independence"
                                    for e, _, _ in graphs],
                          "probability": np.exp(logsumexp(log_post, axis=1))})
    return Posterior(observed=observed, missing=missing,
                     probability=probability / probability.sum(),
                     graphs=table.sort_values("probability", ascending=False,
                                              kind="stable").reset_index(drop=True),
                     delta=delta)


def named(post: Posterior, lists) -> pd.DataFrame:
    """The graphs' table with list names instead of indices."""
    def name(graph: str) -> str:
        if graph == "independence":
            return graph
        return " ".join(f"{lists[int(a)]}:{lists[int(b)]}"
                        for a, b in (e.split(":") for e in graph.split()))

    return post.graphs.assign(graph=post.graphs["graph"].map(name))


__all__ = ["MAX_LISTS", "Posterior", "decomposable_graphs", "named", "posterior"]


def bayes_estimate(lists, X: np.ndarray, y: np.ndarray, cells: pd.DataFrame, notes=(), *,
                   delta: float | None = None):
    """:func:`posterior` as a :class:`simulation.mse.Estimate`: ``total`` the posterior
    median, ``low`` and ``high`` the 95% credible interval, ``model`` the most probable graph's
    edges, ``models`` every graph with its posterior probability."""
    from simulation.mse import Estimate

    post = posterior(X, y, delta=delta)
    graphs = named(post, lists)
    notes = tuple(notes)
    if post.tail > 0.01:
        notes += (f"{100 * post.tail:.0f}% of the posterior is in the top tenth of its grid (up "
                  f"to {post.observed + post.missing.max():,.0f}): its upper end depends on "
                  "where the grid stops",)
    top = graphs["graph"].iloc[0]
    return Estimate(lists=tuple(lists), observed=post.observed,
                    unobserved=post.median - post.observed, total=post.median, low=post.low,
                    high=post.high, model=() if top == "independence" else tuple(top.split()),
                    criterion="posterior", score=float(graphs["probability"].iloc[0]),
                    interval="credible",
                    models=graphs.rename(columns={"graph": "model",
                                                  "probability": "posterior"}),
                    cells=cells, notes=notes)
