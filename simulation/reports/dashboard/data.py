"""What the dashboard shows, computed once from a batch's results.

Every number on a card comes from :func:`simulation.inference.analysis.compare`, called exactly as
``tipsim compare`` calls it, so the report and the command line can never disagree. The
per-jurisdiction view runs the same function on each jurisdiction's rows, so its intervals mean
the same thing as the region's.

A batch run over parameter draws (an experiment with an ``[uncertainty]`` table) also gets
:func:`simulation.inference.conclusions.conclusions`, called as ``tipsim compare --format json``
calls it: the probabilities, ranks and acceptability curves its cards and charts show.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.inference.analysis import compare
from simulation.model.registry import FORMS

JURISDICTION_OUTCOMES = ("victim_weeks_exploited", "victims_identified")
"""Per-jurisdiction outcomes compared with the baseline: where victims are exploited and where
they are found (a policy that only moves exploitation shows as a fall in one place and a rise in
another)."""

EXTRA_OUTCOMES = ("networks_active", "traffickers_active", "identified_police", "identified_ngo",
                  "identified_inspection", "identified_self", "victims_testifying")
"""Outcomes the charts need beyond ``compare``'s default set."""


@dataclass
class DashboardData:
    """A batch's results and their comparison with the baseline, ready to draw."""

    results: Any  # simulation.studies.store.Results
    baseline: str
    scenarios: list[str]  # in the experiment's order, the baseline first
    comparison: pd.DataFrame  # compare(results, baseline): the cards' numbers
    extra: pd.DataFrame  # compare() rows of EXTRA_OUTCOMES
    by_jurisdiction: pd.DataFrame  # compare() per jurisdiction, with a 'jurisdiction' column
    by_form: pd.DataFrame = field(default_factory=pd.DataFrame)  # compare() per form, 'form'
    # column; empty for stores written before results by form existed
    descriptions: dict[str, str] = field(default_factory=dict)
    policy_starts: dict[str, int] = field(default_factory=dict)  # scenario -> first policy week
    policy_weeks: int | None = None
    confidence: float = 0.95
    n_resamples: int = 2000
    uncertainty: dict[str, Any] | None = None  # conclusions(results, baseline) for a batch over
    # parameter draws; None for an ordinary batch
    credibility: dict[str, Any] | None = field(default=None, repr=False)  # filled on first use
    # by simulation.reports.dashboard.credibility ({} when it cannot be computed)
    _shown: dict | None = field(default=None, repr=False)  # filled by shown() on first use

    @property
    def policies(self) -> list[str]:
        return [s for s in self.scenarios if s != self.baseline]

    def row(self, scenario: str, outcome: str) -> dict[str, Any] | None:
        """One row of the comparison (the cards' table or the extra one) as a dict."""
        for table in (self.comparison, self.extra):
            hit = table[(table["scenario"] == scenario) & (table["outcome"] == outcome)]
            if len(hit):
                return hit.iloc[0].to_dict()
        return None

    def effect(self, scenario: str, outcome: str) -> dict[str, Any] | None:
        """One policy's effect on one outcome as
        :func:`~simulation.inference.conclusions.conclusions` states it (intervals, parameter share,
        probability of being better, what it depends
        on); None for an ordinary batch, the baseline or an outcome it does not cover."""
        for e in (self.uncertainty or {}).get("effects", []):
            if e["scenario"] == scenario and e["outcome"] == outcome:
                return e
        return None

    def shown(self, scenario: str, outcome: str) -> dict[str, str]:
        """One row of the comparison as a person reads it: the cells ``tipsim compare`` prints
        (:func:`simulation.reports.shown.reading_rows`, then ``readable``), with true minus signs;
        {} when there is no such row. ``outcome`` is the stored name."""
        if self._shown is None:
            from simulation.model.display import MINUS
            from simulation.reports.shown import readable, reading_rows

            table = pd.concat([self.comparison, self.extra], ignore_index=True)
            table = reading_rows(table, self.baseline)
            cells = readable(table, minus=MINUS)
            self._shown = {(s, o): row for s, o, row in zip(
                table["scenario"], table["outcome"], cells.to_dict(orient="records"))}
        from simulation.reports.shown import reading_name

        return self._shown.get((scenario, reading_name(outcome)), {})

    def mean(self, scenario: str, outcome: str) -> float:
        """Mean of a region outcome over a scenario's runs."""
        runs = self.results.runs
        return float(runs.loc[runs["scenario"] == scenario, outcome].mean())


def prepare(results, baseline: str = "baseline", *, confidence: float = 0.95,
            n_resamples: int = 2000) -> DashboardData:
    """Compare every scenario of ``results`` (a results directory or a
    :class:`~simulation.studies.store.Results`) with ``baseline``, region-wide and per
    jurisdiction."""
    if isinstance(results, (str, Path)):
        from simulation.studies.store import load_results

        results = load_results(results)
    kwargs = {"baseline": baseline, "confidence": confidence, "n_resamples": n_resamples}
    with warnings.catch_warnings():  # an outcome with no finite value (e.g. a ratio in a
        warnings.simplefilter("ignore", RuntimeWarning)  # tiny run) is shown as n/a
        return _prepare(results, kwargs)


def _prepare(results, kwargs: dict) -> DashboardData:
    baseline = kwargs["baseline"]
    comparison = compare(results, **kwargs)  # exactly what `tipsim compare` prints
    scenarios = list(dict.fromkeys(comparison["scenario"]))
    scenarios = [baseline] + [s for s in scenarios if s != baseline]
    extra_names = [o for o in EXTRA_OUTCOMES if o in results.outcomes]
    extra = compare(results, outcomes=extra_names, **kwargs) if extra_names else comparison[:0]
    extra = extra[extra["outcome"].isin(extra_names)].reset_index(drop=True)
    sources = results.scenarios_as_run()
    return DashboardData(
        results=results, baseline=baseline, scenarios=scenarios, comparison=comparison,
        extra=extra, by_jurisdiction=_by_jurisdiction(results, **kwargs),
        by_form=_by_form(results, **kwargs),
        descriptions={n: s.description for n, s in sources.items() if s is not None}
        | _manifest_descriptions(results),
        policy_starts={n: min(p.start_week for p in s.policies)
                       for n, s in sources.items() if s is not None and s.policies}
        | _manifest_starts(results),
        policy_weeks=_policy_weeks(results, sources),
        confidence=kwargs["confidence"], n_resamples=kwargs["n_resamples"],
        uncertainty=_conclusions(results, baseline, kwargs["confidence"]))


def _conclusions(results, baseline: str, confidence: float) -> dict[str, Any] | None:
    """What ``tipsim compare --format json`` says about a batch over parameter draws."""
    from simulation.inference.conclusions import conclusions, is_uncertainty_batch

    if not is_uncertainty_batch(results):
        return None
    return conclusions(results, baseline=baseline, confidence=confidence)


def _by_jurisdiction(results, **kwargs) -> pd.DataFrame:
    table = results.jurisdictions
    outcomes = [o for o in JURISDICTION_OUTCOMES if o in table.columns]
    if table.empty or not outcomes:
        return pd.DataFrame(columns=["jurisdiction", "scenario", "outcome"])
    # a parameter draw is on the region's row only: without it, a batch over draws would
    # compare each jurisdiction with the model's randomness alone
    table = results.with_inputs(table)
    parts = []
    for name, rows in table.groupby("jurisdiction", sort=False, observed=True):
        one = dataclasses.replace(results, runs=rows.drop(columns="jurisdiction")
                                  .reset_index(drop=True))
        part = compare(one, outcomes=outcomes, **kwargs)
        parts.append(part[part["outcome"].isin(outcomes)].assign(jurisdiction=name))
    return pd.concat(parts, ignore_index=True)


FORM_CHART_OUTCOMES = ("victim_weeks_exploited", "victims_identified", "convictions")
"""What the forms chart compares, form by form."""


def _by_form(results, **kwargs) -> pd.DataFrame:
    forms = getattr(results, "forms", None)
    if forms is None or forms.empty or "form" not in forms:
        return pd.DataFrame(columns=["form", "scenario", "outcome"])
    parts = [compare(results, outcomes=list(FORM_CHART_OUTCOMES), form=f, **kwargs).assign(form=f)
             for f in FORMS if f in set(forms["form"])]
    return pd.concat(parts, ignore_index=True)


def _manifest_descriptions(results) -> dict[str, str]:
    return {e["name"]: str(e["description"]) for e in results.manifest.get("scenarios", [])
            if e.get("description") is not None}


def _manifest_starts(results) -> dict[str, int]:
    return {e["name"]: int(e["policy_start"]) for e in results.manifest.get("scenarios", [])
            if e.get("policy_start") is not None}


def _policy_weeks(results, sources: dict) -> int | None:
    run = results.manifest.get("experiment", {}).get("run") or {}
    if run.get("weeks"):
        return int(run["weeks"])
    known = {s.weeks for s in sources.values() if s is not None}
    return known.pop() if len(known) == 1 else None
