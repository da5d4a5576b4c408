"""Multiple systems estimation (MSE): how many victims are there, judged from overlapping lists.

Police, NGOs, labour inspectors and hotlines each keep a list of the victims they met. Some
victims are on several lists, most on none. MSE counts how many people are on each pattern of
lists (the *capture histories*), fits a log-linear Poisson model to those counts, and extends it
to the one pattern nobody can count: on no list at all (Fienberg 1972; Bishop, Fienberg &
Holland 1975, ch. 6; for trafficking: Silverman 2014, Home Office; Bales, Hesketh & Silverman
2015, Significance 12(3):16; Silverman 2020, JRSS A 183:691; van Dijk & van der Heijden 2016
and Cruyff, van Dijk & van der Heijden 2017 for the Netherlands and UNODC's method for SDG
indicator 16.2.2). In a simulation the true number is known, so
:func:`estimate_vs_truth` says how wrong the estimate is.

The steps, one function each:

- :func:`capture_histories`: from a contacts table (one row per contact: ``person``, ``list``,
  ``week``, ``jurisdiction``, ``form``, ``sex``, ``age_group``, ``identified``), the number of
  distinct persons seen in a policy year on each of the 2^k - 1 observable patterns of k lists.
- :func:`estimate`: the log-linear models, the choice among them and the estimate with its 95%
  interval (:class:`Estimate`).
- :func:`true_count`: the number of distinct persons exploited in that year (the model's truth,
  from its exploitation spells).
- :func:`estimate_vs_truth`: estimate, interval, truth, relative error and coverage per year
  and run (one run, or a batch whose tables carry a ``run_id``).

Example::

    import simulation.inference.mse as mse
    cells = mse.capture_histories(result.contacts, year=2)
    est = mse.estimate(cells)                  # or mse.estimate(result.contacts, year=2)
    est.total, est.low, est.high, est.model
    mse.true_count(result.exploited, year=2)
    mse.estimate_vs_truth(result.contacts, result.exploited, form="labour")

Real lists, not the model's: :func:`estimate` also takes an analyst's table of lists, checked
by :mod:`simulation.inference.mse.tables`; each model's existence and identifiability are checked
before it is fitted (:mod:`simulation.inference.mse.checks`; the models themselves in
:mod:`simulation.inference.mse.models`); ``interval="bootstrap"`` repeats the model choice
(:mod:`simulation.inference.mse.bootstrap`); ``method="dga"`` is Bayesian model averaging
(:mod:`simulation.inference.mse.bayes`). Published lists to try are in
:mod:`simulation.model.datasets`, and :mod:`simulation.inference.mse.synthetic` draws lists with a
known total; docs/estimation_own_lists.md says what each method assumes and how often its interval
covers the truth.

A scope narrows both lists and truth to one part of the region: ``jurisdiction=`` (the contacts
recorded there, the people exploited there), ``form=`` (sexual, labour, criminal) or ``group=``
(female, male, adult, child); they may be combined in Python.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.inference.mse.models import (Estimate, averaged_interval, design_columns,
                                             fit_models, model_name, profile_interval)
from simulation.inference.mse.tables import EstimationError, check_size, count_column, tidy

LISTS = ("police", "ngo", "inspection", "hotline")
GROUPS = {"female": ("sex", "female"), "male": ("sex", "male"),
          "adult": ("age_group", "adult"), "child": ("age_group", "child")}
CRITERIA = ("aic", "bic")
METHODS = ("loglinear", "dga", "stepwise", "allmodels", "lcmcr")
INTERVALS = ("averaged", "profile", "bootstrap", "wald", "bca")


# -- capture histories ---------------------------------------------------------------------------


def capture_histories(contacts: pd.DataFrame, year: int | None = None, *,
                      jurisdiction: str | None = None, form: str | None = None,
                      group: str | None = None, lists: tuple[str, ...] | None = None,
                      allow_large: bool = False) -> pd.DataFrame:
    """The number of distinct persons on each pattern of lists.

    ``year`` is a 0-based policy year (weeks ``52*year`` to ``52*year + 51``); ``None`` takes
    every policy week (week >= 0). ``lists`` defaults to the lists that saw anyone in that year
    and scope, in the order of :data:`LISTS` (a list that saw nobody would make its own effect
    minus infinity). Returns one row per observable pattern (2^k - 1 of them, empty ones with a
    count of 0): a 0/1 column per list and ``count`` (``count_`` if a list is itself called
    ``count``), ordered as binary numbers with the first list as the lowest bit. More than
    :data:`simulation.inference.mse.tables.MAX_LISTS` lists are refused unless ``allow_large``.

    >>> contacts = pd.DataFrame({"person": [1, 1, 2, 3], "list": ["police", "ngo", "ngo", "ngo"],
    ...                          "week": [3, 9, 4, 60]})
    >>> capture_histories(contacts, year=0).to_dict("list")
    {'police': [1, 0, 1], 'ngo': [0, 1, 1], 'count': [0, 1, 1]}
    """
    seen = _in_scope(contacts, year, jurisdiction, form, group)
    unnamed = seen["list"].isna() | (seen["list"].astype(str).str.strip() == "")
    if unnamed.any():
        row = seen.index[unnamed.to_numpy()][0]
        raise EstimationError(f"contacts: row {row} has no list name ({seen['list'][row]!r}); "
                              "allowed: the name of the list that recorded the contact")
    seen = seen.assign(list=seen["list"].astype(str))
    if lists is None:
        present = set(seen["list"].unique())
        lists = tuple(n for n in LISTS if n in present) + tuple(sorted(present - set(LISTS)))
    else:
        lists = tuple(lists)
        seen = seen[seen["list"].isin(lists)]
    check_size(len(lists), "contacts", allow_large=allow_large)
    per_person = pd.crosstab(seen["person"], seen["list"]).reindex(columns=list(lists),
                                                                   fill_value=0)
    code = np.zeros(len(per_person), dtype=np.int64)
    for bit, name in enumerate(lists):
        code |= (per_person[name].to_numpy() > 0).astype(np.int64) << bit
    counts = np.bincount(code, minlength=2 ** len(lists))
    patterns = np.arange(1, 2 ** len(lists))
    out = pd.DataFrame({name: (patterns >> bit) & 1 for bit, name in enumerate(lists)})
    out[count_column(lists)] = counts[1:].astype(np.int64)
    return out


def _in_scope(contacts: pd.DataFrame, year: int | None, jurisdiction: str | None,
              form: str | None, group: str | None) -> pd.DataFrame:
    """The contacts in a year and scope (unknown scope names are errors, not empty tables)."""
    rows = contacts
    if year is not None:
        start = WEEKS_PER_YEAR * int(year)
        rows = rows[(rows["week"] >= start) & (rows["week"] < start + WEEKS_PER_YEAR)]
    else:
        rows = rows[rows["week"] >= 0]
    return _filter(rows, contacts, jurisdiction, form, group, "contacts")


def _filter(rows: pd.DataFrame, whole: pd.DataFrame, jurisdiction, form, group, what: str
            ) -> pd.DataFrame:
    for column, value in _scope_columns(jurisdiction, form, group):
        if column not in whole.columns:
            raise EstimationError(f"{what} have no column {column!r}, so cannot be narrowed to "
                                  f"{value!r}")
        known = set(whole[column].astype(str).unique())
        if value not in known and column == "jurisdiction":
            raise EstimationError(f"unknown jurisdiction {value!r}; the {what} have "
                                  f"{', '.join(sorted(known)) or 'none'}")
        rows = rows[rows[column] == value]
    return rows


def _scope_columns(jurisdiction, form, group) -> list[tuple[str, str]]:
    out = []
    if jurisdiction is not None:
        out.append(("jurisdiction", jurisdiction))
    if form is not None:
        if form not in ("sexual", "labour", "criminal"):
            raise EstimationError(f"unknown form {form!r}; allowed: sexual, labour, criminal")
        out.append(("form", form))
    if group is not None:
        if group not in GROUPS:
            raise EstimationError(f"unknown group {group!r}; allowed: {', '.join(GROUPS)}")
        out.append(GROUPS[group])
    return out


def scope_name(jurisdiction: str | None = None, form: str | None = None,
               group: str | None = None) -> str:
    """``region``, or the scope's values joined (``destination_a``, ``labour``, ...)."""
    return "/".join(v for _, v in _scope_columns(jurisdiction, form, group)) or "region"


# -- the estimator -------------------------------------------------------------------------------


def estimate(data: pd.DataFrame, year: int | None = None, *, criterion: str = "aic",
             interval: str | None = None,
             jurisdiction: str | None = None, form: str | None = None,
             group: str | None = None, count: str | None = None, lists: str | None = None,
             resamples: int = 499, seed: int = 0, allow_large: bool = False,
             method: str = "loglinear", delta: float | None = None,
             pthresh: float | None = None) -> Estimate:
    """The MSE estimate of the number of people, seen and unseen, with its 95% interval.

    ``data`` is either a contacts table (``person``, ``list``, ``week``, ...), from which the
    histories of ``year`` and the scope are counted first, or an analyst's table of lists: a
    capture-history table (a 0/1 column per list and a count column, named by ``count`` or one
    of :data:`simulation.inference.mse.tables.COUNT_NAMES`; patterns left out count 0) or one row
    per person. Such a table is checked first (:func:`simulation.inference.mse.tables.tidy`: one
    clear :class:`EstimationError` for each kind of mistake) and ``lists="A,B,C+D"`` chooses and
    merges its lists.

    **Models.** Log-linear Poisson models for the observed cells (Fienberg 1972): the log of the
    expected count of a pattern is an intercept, plus a main effect for each list the pattern
    includes, plus an interaction for each included pair of lists that are both in it. The
    intercept is the log of the expected number on no list; three-way and higher interactions
    are assumed absent (they cannot be told from the unobserved cell). Each model is fitted
    by maximum likelihood with statsmodels' GLM (Poisson family, log link).

    **Choice.** For up to 4 lists every subset of the pairwise interactions is fitted (8 models
    for 3 lists, 64 for 4); for more lists, forward stepwise from independence, adding the pair
    that most lowers the criterion while one does. Models are skipped when an included pair
    never overlaps (no person on both lists: its interaction would be minus infinity) or a
    parameter runs off to infinity. Before any fit, each model's estimate is checked to exist
    (a linear program) and to be identifiable (the rank of its design), the conditions of Chan,
    Silverman & Vincent (2021, JASA 116:1297), as in their SparseMSE package
    (:mod:`simulation.inference.mse.checks`); the models that fail are listed in ``excluded`` with
    the reason. Of the rest, the model with the lowest AIC (default) or BIC is chosen (Silverman
    2020 discusses both for modern-slavery data).

    **Interval.** Two 95% intervals, both on the log scale of the unobserved count (its
    sampling distribution is skewed: it cannot be negative and its upper tail is long):

    - ``interval="averaged"`` (default): the model-averaged tail-area interval (MATA; Turek &
      Fletcher 2012, Comput. Stat. Data Anal. 56:2809) over every admissible model, weighted
      by the criterion (Akaike weights; Buckland, Burnham & Augustin 1997, Biometrics 53:603).
      It carries the uncertainty of the model choice, which the chosen model's interval
      ignores; a bootstrap that repeats the choice would too, but refits 64 models per
      resample, too slow for every year, scope and run of a batch.
    - ``interval="profile"``: the profile-likelihood interval of the chosen model (Cormack
      1992, Biometrics 48:567; Rivest & Lévesque 2001, Rcapture; SparseMSE): the intercept,
      the log of the unobserved count, is held at each value and the rest refitted; the bounds
      are where twice the log-likelihood drop reaches 3.84. Standard practice, but conditional
      on the chosen model.
    - ``interval="bootstrap"``: a parametric bootstrap that repeats the model choice
      (Silverman 2020, JRSS A 183:691; :mod:`simulation.inference.mse.bootstrap`): ``resamples``
      sets of counts drawn from the chosen model's fit, the whole choice and estimate repeated on
      each, and the 2.5% and 97.5% percentiles of their totals (``seed`` fixes the draws).

    Measured on 200 synthetic populations of 1000 with four independent lists (capture
    probabilities 0.3, 0.25, 0.2, 0.15; ``tests/test_mse.py`` repeats it for three lists): the
    profile interval covered the truth 165 times with AIC and 182 with BIC (spurious interactions
    chosen by chance make it too narrow); the averaged interval 197 (AIC) and 190 (BIC) times.

    **Bayesian.** ``method="dga"`` replaces all of the above by Bayesian model averaging over
    decomposable graphical models (Madigan & York 1997; the R package dga), with its prior
    stated in :mod:`simulation.inference.mse.bayes` (``delta``: its hyper-Dirichlet parameter): the
    estimate is the posterior median and the interval the 95% credible interval.

    **SparseMSE's methods** (:mod:`simulation.inference.mse.sparse`), where a pair of lists that
    never overlaps is kept in the models with its interaction at minus infinity (the extended
    estimate of Chan, Silverman & Vincent 2021) instead of being left out:
    ``method="stepwise"`` is their stepwise choice by Poisson p-values (``pthresh``, default
    0.02), with the chosen model's Wald interval (``interval="wald"``, default) or the BCa
    bootstrap that repeats the choice (``interval="bca"``); ``method="allmodels"`` chooses among
    every two-list model by ``criterion`` (Silverman, Chan & Vincent 2024; up to five lists),
    with the chosen model's Wald interval or the BCa bootstrap that repeats the choice among the
    best models (``interval="bca"``).

    ``method="lcmcr"`` is Manrique-Vallier's (2016) Bayesian latent-class model (the R package
    LCMCR; :mod:`simulation.inference.mse.lcmcr`, its prior stated there): the posterior median and
    95% credible interval, ``seed`` fixing the sampler's draws.

    Raises :class:`EstimationError` when there are fewer than two lists, no overlap between
    any lists, or no model whose estimate exists.

    >>> cells = pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": [60, 40, 20]})
    >>> round(estimate(cells).total)     # Lincoln-Petersen: 80 * 60 / 20 = 240
    240
    """
    if criterion not in CRITERIA:
        raise EstimationError(f"unknown criterion {criterion!r}; allowed: aic, bic")
    if interval is not None and interval not in INTERVALS:
        raise EstimationError(f"unknown interval {interval!r}; allowed: {', '.join(INTERVALS)}")
    if method not in METHODS:
        raise EstimationError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    where = _where(year, jurisdiction, form, group)
    notes: tuple[str, ...] = ()
    if _is_contacts(data):
        if count is not None or lists is not None:
            raise EstimationError("count= and lists= are for a table of lists, not a contacts "
                                  "table (choose a contacts table's lists by filtering it)")
        cells = capture_histories(data, year, jurisdiction=jurisdiction, form=form, group=group,
                                  allow_large=allow_large)
        names = tuple(cells.columns[:-1])
        X = cells[list(names)].to_numpy(dtype=float)
        y = cells[cells.columns[-1]].to_numpy(dtype=float)
        if y.sum() == 0:
            raise EstimationError(f"{where}: no one is on any list")
        if len(names) < 2:
            raise EstimationError(f"{where}: only one list ({', '.join(names) or 'none'}) saw "
                                  "anyone; MSE needs at least two overlapping lists")
        if y[X.sum(axis=1) >= 2].sum() == 0:
            raise EstimationError(f"{where}: no person is on more than one list "
                                  f"({', '.join(names)}), so the lists do not overlap and the "
                                  "number unseen cannot be estimated")
    else:
        histories = tidy(data, count=count, lists=lists, allow_large=allow_large)
        names, X, y, notes, cells = (histories.lists, histories.X, histories.y,
                                     histories.notes, histories.cells)
    if method in ("stepwise", "allmodels"):
        from simulation.inference.mse.sparse import PTHRESH, sparse_estimate

        return sparse_estimate(names, X, y, cells, notes, method=method, interval=interval,
                               criterion=criterion,
                               pthresh=PTHRESH if pthresh is None else pthresh,
                               resamples=resamples, seed=seed)
    if pthresh is not None:
        raise EstimationError("pthresh is the stepwise method's threshold (method stepwise)")
    if method == "lcmcr":
        from simulation.inference.mse.lcmcr import lcmcr_estimate

        if interval not in (None, "averaged"):
            raise EstimationError(f"interval {interval!r} is for the log-linear models; "
                                  "method lcmcr gives its own 95% credible interval")
        return lcmcr_estimate(names, X, y, cells, notes, seed=seed)
    if method == "dga":
        from simulation.inference.mse.bayes import bayes_estimate

        if interval not in (None, "averaged"):
            raise EstimationError(f"interval {interval!r} is for the log-linear models; "
                                  "method dga gives its own 95% credible interval")
        return bayes_estimate(names, X, y, cells, notes, delta=delta)
    interval = "averaged" if interval is None else interval
    if interval in ("wald", "bca"):
        raise EstimationError(f"interval {interval!r} is for methods stepwise and allmodels; "
                              "the log-linear method's: averaged, profile, bootstrap")
    fitted = fit_models(X, y, criterion)
    observed = int(y.sum())
    excluded = fitted.excluded(names)
    if not fitted.fits:
        raise EstimationError(f"{where}: no log-linear model has a finite estimate for these "
                              f"lists ({', '.join(names)}; {observed} persons)")
    chosen, score, fit = fitted.best
    unobserved = float(math.exp(fit.params[0]))
    if interval == "profile":
        low, high = profile_interval(design_columns(X, chosen), y, fit)
    elif interval == "bootstrap":
        from simulation.inference.mse.bootstrap import bootstrap_interval

        searched = [m for m, _, _ in fitted.fits] + [m for m, _ in fitted.left_out]
        low, high = bootstrap_interval(X, y, chosen, fit, criterion, resamples=resamples,
                                       seed=seed, searched=searched)
        low, high = low - observed, high - observed
    else:
        low, high = averaged_interval(fitted.fits)
    model_names = tuple(f"{names[i]}:{names[j]}" for i, j in chosen)
    fits = fitted.fits
    models = pd.DataFrame({"model": [model_name(names, m) for m, _, _ in fits],
                           criterion: [s for _, s, _ in fits],
                           "unobserved": [math.exp(f.params[0]) for _, _, f in fits]})
    return Estimate(lists=names, observed=observed, unobserved=unobserved,
                    total=observed + unobserved, low=observed + low, high=observed + high,
                    model=model_names, criterion=criterion, score=float(score),
                    interval=interval,
                    models=models.sort_values(criterion, kind="stable").reset_index(drop=True),
                    cells=cells, excluded=excluded, notes=notes)


def _is_contacts(data) -> bool:
    return isinstance(data, pd.DataFrame) and {"person", "list"} <= set(map(str, data.columns))


def _where(year, jurisdiction, form, group) -> str:
    scope = scope_name(jurisdiction, form, group)
    return f"year {year}, {scope}" if year is not None else scope


# -- truth and bias ------------------------------------------------------------------------------


def true_count(exploited: pd.DataFrame, year: int, *, jurisdiction: str | None = None,
               form: str | None = None, group: str | None = None) -> int:
    """The number of distinct persons with an exploitation spell overlapping policy year
    ``year`` (weeks ``52*year`` to ``52*year + 51``; a spell covers ``start`` up to, not
    including, ``end``), optionally within a scope.

    >>> spells = pd.DataFrame({"person": [1, 1, 2, 3], "start": [0, 60, 40, 52],
    ...                        "end": [10, 70, 53, 80]})
    >>> true_count(spells, 0), true_count(spells, 1)
    (2, 3)
    """
    start = WEEKS_PER_YEAR * int(year)
    rows = exploited[(exploited["start"] < start + WEEKS_PER_YEAR) & (exploited["end"] > start)]
    rows = _filter(rows, exploited, jurisdiction, form, group, "exploitation spells")
    return int(rows["person"].nunique())


def policy_years(contacts: pd.DataFrame) -> list[int]:
    """The policy years with any contact on record."""
    weeks = contacts.loc[contacts["week"] >= 0, "week"]
    return sorted({int(w) // WEEKS_PER_YEAR for w in weeks.unique()})


COLUMNS = ["run_id", "year", "scope", "lists", "observed", "estimate", "low", "high", "model",
           "truth", "relative_error", "covers", "problem"]


def estimate_vs_truth(contacts: pd.DataFrame, exploited: pd.DataFrame | None = None,
                      years: list[int] | int | None = None, *, criterion: str = "aic",
                      interval: str | None = None, jurisdiction: str | None = None,
                      form: str | None = None, group: str | None = None, method: str = "loglinear",
                      allow_large: bool = False, resamples: int = 499,
                      seed: int = 0) -> pd.DataFrame:
    """Estimate beside truth: one row per run and year.

    Columns: ``run_id`` (empty for a single run's tables; a batch's tables carry one), ``year``,
    ``scope``, ``lists`` (those used), ``observed`` (persons on any list), ``estimate``,
    ``low``, ``high`` (95% interval), ``model``, ``truth`` (:func:`true_count`; missing without
    ``exploited``), ``relative_error`` = (estimate - truth) / truth, ``covers`` (whether the
    interval holds the truth) and ``problem`` (why there is no estimate for that row, e.g. no
    overlap in that year; the other rows go on). ``years`` defaults to every policy year with
    a contact. ``criterion``, ``interval``, ``method``, ``resamples``, ``seed`` and
    ``allow_large`` are those of :func:`estimate`.

    Relative error below 0 means MSE undercounts: typical when some victims are much harder to
    see than others (heterogeneity) or when lists are positively dependent beyond the pairs
    modelled.
    """
    if isinstance(years, int):
        years = [years]
    _scope_columns(jurisdiction, form, group)  # unknown form or group: one error, at once
    scope = scope_name(jurisdiction, form, group)
    if "run_id" in contacts.columns:
        spells = {} if exploited is None else dict(tuple(exploited.groupby("run_id", sort=False)))
        empty = None if exploited is None else exploited.iloc[:0]
        runs = [(r, c, None if exploited is None else spells.get(r, empty))
                for r, c in contacts.groupby("run_id", sort=False)]
    else:
        runs = [("", contacts, exploited)]
    rows = []
    for run_id, c, e in runs:
        for year in (years if years is not None else policy_years(c)):
            row = {"run_id": run_id, "year": int(year), "scope": scope, "problem": ""}
            try:
                est = estimate(c, year, criterion=criterion, interval=interval,
                               jurisdiction=jurisdiction,
                               form=form, group=group, method=method,
                               allow_large=allow_large, resamples=resamples, seed=seed)
                row |= est.to_dict()
            except EstimationError as exc:
                if "unknown" in str(exc):
                    raise
                row["problem"] = str(exc)
            if e is not None:
                truth = true_count(e, year, jurisdiction=jurisdiction, form=form, group=group)
                row["truth"] = truth
                if "estimate" in row and truth > 0:
                    row["relative_error"] = (row["estimate"] - truth) / truth
                    row["covers"] = bool(row["low"] <= truth <= row["high"])
            rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    out.attrs["criterion"] = criterion
    return out


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """A batch's :func:`estimate_vs_truth` rows summarised per scenario (when the table has a
    ``scenario`` column) and year: ``runs`` (with an estimate), mean ``estimate`` and
    ``truth``, ``bias`` (mean relative error), ``rmse`` (root mean squared relative error) and
    ``coverage`` (the share of runs whose interval holds the truth; about 0.95 when MSE's
    assumptions hold)."""
    keys = [k for k in ("scenario", "year", "scope") if k in table.columns]
    done = table[table["estimate"].notna() & table["truth"].notna()].copy()
    if done.empty:
        return pd.DataFrame(columns=[*keys, "runs", "estimate", "truth", "bias", "rmse",
                                     "coverage"])
    done["squared"] = done["relative_error"].astype(float) ** 2
    done["covers"] = done["covers"].astype(float)
    out = done.groupby(keys, sort=False).agg(
        runs=("estimate", "size"), estimate=("estimate", "mean"), truth=("truth", "mean"),
        bias=("relative_error", "mean"), rmse=("squared", "mean"), coverage=("covers", "mean"))
    out["rmse"] = np.sqrt(out["rmse"])
    return out.reset_index()


__all__ = ["LISTS", "Estimate", "EstimationError", "capture_histories", "estimate", "fit_models",
           "estimate_vs_truth", "policy_years", "scope_name", "summarise", "true_count"]
