"""Does a log-linear model's estimate exist, and is it identifiable? Checked before it is fitted.

With sparse lists (few people on two lists, many patterns never seen) some models have no
maximum likelihood estimate: a parameter runs off to infinity however long the fit is iterated;
others have more parameters than the observed patterns can tell apart. Chan, Silverman & Vincent
(2021, JASA 116:1297, section 2) give two checks, both applied here before any fit, as their
R package ``SparseMSE`` (``checkident``, ``buildmodelmatrix``; GPL) applies them:

- **existence** (Fienberg & Rinaldo 2012, Ann. Statist. 40:996): with ``A`` the model's design
  (one row per observable pattern, one column per parameter) and ``t = A'y`` its sufficient
  statistics, the estimate exists exactly when some vector of strictly positive expected counts
  ``x`` has the same statistics, ``A'x = t``. The linear program "maximise ``s`` subject to
  ``A'x = t``, ``x >= s``, ``x >= 0``" finds the largest such margin; an optimum of 0 means the
  estimate does not exist. Solved with scipy's HiGHS (``scipy.optimize.linprog``).
- **identifiability**: the design has full column rank (``numpy.linalg.matrix_rank``).

A pair of lists that no one is on together is left out of every model here (its interaction
would be minus infinity; ``SparseMSE`` instead keeps such a pair and removes the patterns with
both lists, an extended estimate this module does not fit).
"""

from __future__ import annotations

import numpy as np

EXISTS = "ok"
NOT_FINITE = "estimate does not exist (linear-programming check)"
NOT_IDENTIFIABLE = "not identifiable (design not of full rank)"
BOTH = "estimate does not exist and not identifiable"
# an LP optimum below this share of the mean observed count is taken as 0 (of the order of the
# solver's feasibility tolerance)
_TOLERANCE = 1e-7


def margin(design: np.ndarray, y: np.ndarray) -> float:
    """The linear program's optimum: the largest ``s`` such that positive expected counts
    ``x >= s`` have the observed sufficient statistics ``design' x = design' y``."""
    from scipy.optimize import linprog

    n, p = design.shape
    t = design.T @ y
    c = np.zeros(n + 1)
    c[-1] = -1.0  # maximise s
    a_eq = np.hstack([design.T, np.zeros((p, 1))])
    a_ub = np.hstack([-np.eye(n), np.ones((n, 1))])  # s - x_i <= 0
    done = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=t,
                   bounds=[(0, None)] * (n + 1), method="highs")
    if done.status != 0:
        return 0.0
    return float(done.x[-1])


def exists(design: np.ndarray, y: np.ndarray) -> bool:
    """Whether the model's maximum likelihood estimate exists (all finite)."""
    if np.all(y > 0):
        return True  # x = y itself is a strictly positive solution
    scale = max(1.0, float(y.sum()) / len(y))
    return margin(design, y) > _TOLERANCE * scale


def identifiable(design: np.ndarray) -> bool:
    """Whether the design has full column rank (every parameter is fixed by the cells)."""
    return design.shape[1] <= design.shape[0] and \
        int(np.linalg.matrix_rank(design)) == design.shape[1]


def check(design: np.ndarray, y: np.ndarray) -> str:
    """:data:`EXISTS`, or why the model is excluded (:data:`NOT_FINITE`,
    :data:`NOT_IDENTIFIABLE` or :data:`BOTH`), as ``SparseMSE``'s ``checkident`` codes 0-3.

    Table 2 of Chan, Silverman & Vincent (2021), ``SparseMSE``'s ``Artificial_3``: lists A, B, C
    with 40, 30, 20 on one list each and 6 on A and B only. Main effects pass; with the A:B
    interaction the estimate does not exist (as ``SparseMSE`` documents for this table):

    >>> X = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1],
    ...               [1, 1, 1]], float)
    >>> y = np.array([40, 30, 6, 20, 0, 0, 0], float)
    >>> ab, ac, bc = X[:, 0] * X[:, 1], X[:, 0] * X[:, 2], X[:, 1] * X[:, 2]
    >>> main = np.column_stack([np.ones(7), X])
    >>> check(main, y), check(np.column_stack([main, ab]), y)
    ('ok', 'estimate does not exist (linear-programming check)')
    """
    finite, full = exists(design, y), identifiable(design)
    if finite and full:
        return EXISTS
    if not finite and not full:
        return BOTH
    return NOT_FINITE if not finite else NOT_IDENTIFIABLE


__all__ = ["BOTH", "EXISTS", "NOT_FINITE", "NOT_IDENTIFIABLE", "check", "exists", "identifiable",
           "margin"]
