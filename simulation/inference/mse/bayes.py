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
``computeLogPostProbs``), plus the multinomial coefficient of the full table. The graphs and
their cliques-less-separators come from a maximum cardinality search on every graph
(:func:`decomposable_graphs`; ``tests/test_mse_methods.py`` checks them against networkx's
cliques and junction trees).

The estimate is the posterior median of N and the 95% credible interval its 2.5% and 97.5%
posterior quantiles. Up to six lists: ``dga`` itself ships its graphs for three to five lists
(``graphs3`` to ``graphs5``); here six lists' 18,154 graphs are enumerated (about 2 s, once per
process) and the posterior summed a block of graphs at a time: ``estimate(method="dga")`` on
the shipped six-list UK and Netherlands tables took 4.4 and 3.0 s on the development machine
(``time.perf_counter``, the graphs enumerated in the first, another job running).
Seven lists would have 617,675 graphs (OEIS A058862) found among 2^21 edge sets: refused, merge
lists instead.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln, logsumexp

MAX_LISTS = 6
GRID_POINTS = 6000
_BLOCK = 1000  # graphs per block of the posterior


class CredibleTotal:
    """The summary of a posterior of the total N that has a ``quantile(q)``: its ``median``
    and the 95% credible interval ``low`` to ``high``."""

    def quantile(self, q: float) -> float:
        raise NotImplementedError

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    @property
    def low(self) -> float:
        return self.quantile(0.025)

    @property
    def high(self) -> float:
        return self.quantile(0.975)


@dataclass(frozen=True)
class Posterior(CredibleTotal):
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
        return float(self.observed + self.missing[min(int(np.searchsorted(cumulative, q)),
                                                      len(self.missing) - 1)])

    @property
    def tail(self) -> float:
        """The posterior mass in the top tenth of the grid: above about 0.01, the upper end of
        the posterior depends on where the grid stops."""
        return float(self.probability[self.missing >= 0.9 * self.missing.max()].sum())

    @property
    def mean(self) -> float:
        return float(self.observed + np.sum(self.missing * self.probability))


@functools.lru_cache(maxsize=8)
def decomposable_graphs(k: int) -> tuple[tuple[tuple, tuple], ...]:
    """Every decomposable (chordal) graph on k lists as (edges, terms): ``terms`` the signed
    subsets of lists, (bit mask, +1 or -1), whose marginal terms make up the graph's marginal
    likelihood.

    Found by maximum cardinality search (Tarjan & Yannakakis 1984, SIAM J. Comput. 13:566): a
    graph is chordal exactly when, in the order the search numbers its vertices, each vertex's
    earlier-numbered neighbours ``pa(v)`` are all joined to each other. In that order the sum
    over cliques minus the sum over separators of any function of a set of lists (0 on the
    empty set) is the sum over vertices of its value on ``pa(v)`` plus v, minus its value on
    ``pa(v)`` (a separator is the ``pa`` of the vertex that starts a clique; a family that is
    not a clique is the ``pa`` of the next vertex and cancels): the terms here.
    """
    pairs = list(itertools.combinations(range(k), 2))
    out = []
    for r in range(len(pairs) + 1):
        for edges in itertools.combinations(pairs, r):
            adjacent = [0] * k
            for a, b in edges:
                adjacent[a] |= 1 << b
                adjacent[b] |= 1 << a
            terms = _perfect_terms(adjacent, k)
            if terms is not None:
                out.append((edges, terms))
    return tuple(out)


def _perfect_terms(adjacent: list[int], k: int) -> tuple | None:
    """Maximum cardinality search on a graph given by neighbour bit masks: the signed family
    and parent masks, or None when the graph is not chordal."""
    numbered = 0
    terms: dict[int, int] = {}
    for _ in range(k):
        v = max((u for u in range(k) if not numbered >> u & 1),
                key=lambda u: bin(adjacent[u] & numbered).count("1"))
        parents = adjacent[v] & numbered
        for u in range(k):
            if parents >> u & 1 and (parents & ~(1 << u)) & ~adjacent[u]:
                return None  # two earlier neighbours of v not joined: not chordal
        terms[parents | 1 << v] = terms.get(parents | 1 << v, 0) + 1
        if parents:
            terms[parents] = terms.get(parents, 0) - 1
        numbered |= 1 << v
    return tuple((mask, sign) for mask, sign in sorted(terms.items()) if sign)


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
    from simulation.inference.mse.tables import EstimationError

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
    for g, (_, signed) in enumerate(graphs):
        for mask, sign in signed:
            weights[g, mask] += sign
    coefficient = gammaln(total + 1) - gammaln(full[1:] + 1).sum() - gammaln(missing + 1)
    prior = (-np.log(total) if log_prior is None
             else np.array([log_prior(n) for n in total], dtype=float))
    base = coefficient + prior + math.log(step)
    # the log posterior of each graph and grid value, a block of graphs at a time (six lists:
    # 18,154 graphs by 6,001 grid values would be 870 MB at once)
    per_graph = np.empty(len(graphs))
    per_value = np.full(len(missing), -np.inf)
    with np.errstate(divide="ignore"):  # a graph or value e^-745 below the block's best: 0
        for start in range(0, len(graphs), _BLOCK):
            block = weights[start:start + _BLOCK] @ terms + base
            top = block.max()
            scaled = np.exp(block - top)
            per_graph[start:start + _BLOCK] = np.log(scaled.sum(axis=1)) + top
            per_value = np.logaddexp(per_value, np.log(scaled.sum(axis=0)) + top)
    whole_lse = logsumexp(per_graph)
    probability = np.exp(per_value - whole_lse)
    table = pd.DataFrame({"graph": [" ".join(f"{a}:{b}" for a, b in e) or "independence"
                                    for e, _ in graphs],
                          "probability": np.exp(per_graph - whole_lse)})
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
    """:func:`posterior` as a :class:`simulation.inference.mse.Estimate`: ``total`` the posterior
    median, ``low`` and ``high`` the 95% credible interval, ``model`` the most probable graph's
    edges, ``models`` every graph with its posterior probability."""
    from simulation.inference.mse.models import Estimate

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
