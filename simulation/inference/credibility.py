"""The data behind the dashboard's model-credibility page, computed from a finished batch.

The page answers "why should I believe this model?" with three kinds of evidence, each beside
its source:

- **Calibration targets** (``scenarios/calibration/baseline_targets.toml``): every fitted target
  and every held-out one, with its published value and band beside what the batch's baseline
  runs simulate (median and 5th-95th percentile over runs) and whether the median lies inside
  the band.
- **Out-of-sample checks** (``scenarios/calibration/forms_and_groups_targets.toml``): the shares
  of identified victims by form of exploitation and victim group that UNODC publishes. No
  parameter was fitted to them, and the model is known to miss some (docs/ODD.md section 7):
  they are reported inside or not, as they come out.
- **Stylised facts** (``scenarios/calibration/stylised_facts.toml``): qualitative patterns from
  the literature, each with a rule checked on the batch (:func:`load_facts` describes the
  file). A rule compares two quantities of the baseline (``compare``), or a policy scenario's
  effect with the baseline (``effect``). A fact the batch cannot check (the scenario it needs is
  not in the batch, the store has no results by form) is *not assessed*, with the reason.

Each held-out target, out-of-sample check and stylised fact is labelled with what it rests on
(``basis``: *by construction*, *fitted* or *emergent*, issue 23); only the emergent ones are
counted as checks of the model.

In a batch run under parameter uncertainty each baseline run uses one parameter set drawn from
the calibrated ensemble, so the baseline runs are what the ensemble simulates; in an ordinary
batch they are the scenario's default parameters. The output says which (``parameters``): it
reads only the manifest's ``uncertainty`` entry, and its ``ensemble`` inside.

A target's value in a run is computed as the calibration computes it
(:meth:`simulation.inference.calibration.targets.Target.simulated`): flows per year of the policy
period and at scale 1, stocks at scale 1, ratios as they are. The policy period and scale are the
run's: a design input ``run.weeks`` or ``run.scale``, else the experiment's ``[run]`` table,
else its ``overrides``, else the scenario file's own ``[run]`` table (read when the file is
still there unchanged). A target whose units need a setting the store does not record is not
assessed; ratios of two flows or two stocks never need one.

Example::

    from simulation.inference.credibility import credibility
    page = credibility("results/policy_comparison")
    page["summary"]        # {"targets": {"inside": 8, "assessed": 8, "total": 8}, ...}
    page["stylised_facts"][0]["reproduced"]

Everything returned is plain JSON (floats, strings, lists, dicts, ``None`` for a missing value),
so ``json.dumps(page)`` works as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.errors import UserError
from simulation.model.registry import OUTCOMES
from simulation.inference.stylised_facts import (CONFIDENCE, Fact, FactsError, library_folder,
                                                 load_facts, shipped_files, words)

SECTIONS = ("targets", "held_out", "out_of_sample", "stylised_facts")
"""The sections of :func:`credibility`'s output, in the order the page shows them."""

N_RESAMPLES = 2000


# -- the batch: one object per run, as Target.simulated reads it -------------------------------


@dataclass
class _Run:
    """One finished run as a target reads it (``outcomes``, ``jurisdictions``, ``by_form``,
    ``by_group``), with its pairing key and its policy weeks and scale (None: not recorded)."""

    key: tuple[int, int]
    outcomes: dict[str, float]
    jurisdictions: dict[str, dict[str, float]]
    by_form: dict[str, dict[str, float]] | None
    by_group: dict[str, dict[str, float]] | None
    weeks: float | None
    scale: float | None


class _Batch:
    """A store's finished runs, grouped by scenario, built on first use."""

    def __init__(self, results):
        self.results = results
        self._runs: dict[str, list[_Run]] = {}
        self._parts: dict[str, dict[str, dict] | None] = {}
        self._settings = _RunSettings(results)

    @property
    def scenarios(self) -> list[str]:
        present = set(self.results.runs["scenario"]) if len(self.results.runs) else set()
        return [s for s in self.results.scenarios if s in present]

    def runs(self, scenario: str) -> list[_Run]:
        if scenario not in self._runs:
            self._runs[scenario] = self._build(scenario)
        return self._runs[scenario]

    def _part(self, table: str, key: str) -> dict[str, dict] | None:
        """run_id -> {name: outcomes} for one part (None: the store has no such part)."""
        if table not in self._parts:
            frame = getattr(self.results, table)
            if frame.empty or key not in frame:
                self._parts[table] = None
            else:
                from simulation.studies.store import ID_COLUMNS

                cols = [c for c in frame.columns if c not in ID_COLUMNS and c != key]
                out: dict[str, dict] = {}
                for run_id, name, values in zip(frame["run_id"], frame[key],
                                                frame[cols].to_dict("records")):
                    out.setdefault(run_id, {})[name] = values
                self._parts[table] = out
        return self._parts[table]

    def _build(self, scenario: str) -> list[_Run]:
        from simulation.studies.store import ID_COLUMNS

        runs = self.results.runs
        rows = runs[runs["scenario"] == scenario]
        jurisdictions = self._part("jurisdictions", "jurisdiction") or {}
        forms = self._part("forms", "form")
        groups = self._part("groups", "group")
        out = []
        for row in rows.to_dict("records"):
            run_id = row["run_id"]
            weeks, scale = self._settings.of(row)
            out.append(_Run(
                key=(int(row["point"]), int(row["replication"])),
                outcomes={k: v for k, v in row.items() if k not in ID_COLUMNS},
                jurisdictions=jurisdictions.get(run_id, {}),
                by_form=None if forms is None else forms.get(run_id, {}),
                by_group=None if groups is None else groups.get(run_id, {}),
                weeks=weeks, scale=scale))
        return out


class _RunSettings:
    """Each run's policy weeks and scale, from what the store recorded (module docstring)."""

    def __init__(self, results):
        experiment = results.manifest.get("experiment") or {}
        self.run = experiment.get("run") or {}
        self.overrides = _flat(experiment.get("overrides") or {})
        # each scenario's own weeks and scale, when its file is still there unchanged
        self.scenario_runs = {name: {"weeks": s.weeks, "scale": s.scale}
                              for name, s in results.scenarios_as_run().items() if s is not None}

    def of(self, row: dict[str, Any]) -> tuple[float | None, float | None]:
        found = []
        for key in ("weeks", "scale"):
            value = row.get(f"run.{key}")  # a design input: each run its own
            if value is None or _missing(value):
                value = self.run.get(key)
            if value is None:
                value = self.overrides.get(f"run.{key}")
            if value is None:
                value = self.scenario_runs.get(row["scenario"], {}).get(key)
            found.append(None if value is None or _missing(value) else float(value))
        return found[0], found[1]


def _flat(doc: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a nested dict (experiment overrides may be written either way)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flat(value, name + ".")
        else:
            out[name] = value
    return out


def _missing(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# -- one quantity over runs ----------------------------------------------------------------------


def _units(target) -> tuple[bool, bool]:
    """Whether a quantity's value depends on the policy years and on the scale: a flow is
    divided by both, a stock by the scale; in a ratio the two sides' units cancel or not."""
    def dims(name: str) -> tuple[int, int]:
        kind = OUTCOMES[name].kind
        return (1 if kind == "flow" else 0, 1 if kind in ("flow", "stock") else 0)

    if getattr(target, "statistic", None):
        return True, True  # per year and at scale 1
    if target.outcome:
        years, scale = dims(target.outcome)
    else:
        (ny, ns), (dy, ds) = dims(target.numerator[0]), dims(target.denominator)  # one kind
        years, scale = ny - dy, ns - ds
    return years != 0, scale != 0


def _value(target, run: _Run) -> tuple[float, str | None]:
    """A quantity's value in one run, or NaN and why it has none."""
    needs_years, needs_scale = _units(target)
    if needs_years and run.weeks is None:
        return math.nan, ("the store does not record the policy period (no [run] weeks in the "
                          "experiment, and the scenario file is gone or changed)")
    if needs_scale and run.scale is None:
        return math.nan, ("the store does not record the run scale (no [run] scale in the "
                          "experiment, and the scenario file is gone or changed)")
    for place, table, what in ((target.jurisdiction, run.jurisdictions, "jurisdiction"),
                               (target.form, run.by_form, "form"),
                               (target.group, run.by_group, "group")):
        if place is None:
            continue
        if table is None:
            return math.nan, (f"the store has no results by {what} (written before they "
                              "existed); rerun the batch with --restart")
        if place not in table:
            return math.nan, f"the batch has no results for {what} {place!r}"
    if getattr(target, "statistic", None):
        return math.nan, (f"a statistic of the runs' records ({target.statistic}); the page "
                          "reads the stored outcomes only: see the calibration report")
    years = run.weeks / WEEKS_PER_YEAR if run.weeks is not None else 1.0  # unused when not needed
    scale = run.scale if run.scale is not None else 1.0
    try:
        value = target.simulated(run, years, scale)
    except KeyError as exc:
        where = "" if target.where == "region" else f" for {target.where}"
        return math.nan, f"the batch does not report the outcome {exc.args[0]!r}{where}"
    if not math.isfinite(value):
        return math.nan, "undefined in the runs (a ratio whose denominator is zero)"
    return float(value), None


def _values(target, runs: list[_Run]) -> tuple[np.ndarray, str | None]:
    """The quantity in every run (NaN where it has none) and, if no run has it, why."""
    values, reasons = [], []
    for run in runs:
        value, reason = _value(target, run)
        values.append(value)
        if reason:
            reasons.append(reason)
    array = np.asarray(values, dtype=float)
    if not np.isfinite(array).any():
        return array, reasons[0] if reasons else "no runs"
    return array, None


def _spread(values: np.ndarray) -> dict[str, Any]:
    """Median and 5th and 95th percentiles (numpy's linear interpolation) of the finite values,
    with how many runs had a value and how many did not."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"median": None, "p5": None, "p95": None, "runs": 0, "missing": len(values)}
    p5, median, p95 = np.percentile(finite, [5, 50, 95])
    return {"median": float(median), "p5": float(p5), "p95": float(p95), "runs": len(finite),
            "missing": len(values) - len(finite)}


# -- the sections --------------------------------------------------------------------------------


def _target_rows(targets, runs: list[_Run]) -> list[dict[str, Any]]:
    rows = []
    for t in targets:
        values, reason = _values(t, runs)
        spread = _spread(values)
        low, high = t.interval
        median = spread["median"]
        rows.append({
            "name": t.name, "description": t.description, "where": t.where,
            "observed": float(t.observed), "interval": [float(low), float(high)],
            "sd": float(t.scale), "source": t.source, "note": t.note,
            "basis": "fitted" if not t.held_out and t.basis is None else t.basis,
            "basis_reason": t.basis_reason, "derived_from": list(t.derived_from),
            **spread,
            "inside": None if median is None else bool(low <= median <= high),
            "reason": reason})
    return rows


def _fact_row(fact: Fact, batch: _Batch, baseline: str, paired: bool,
              draws: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {"name": fact.name, "statement": fact.statement, "source": fact.source,
           "note": fact.note, "basis": fact.basis, "basis_reason": fact.basis_reason,
           "check": fact.check, "rule": fact.rule(baseline),
           "values": {}, "reproduced": None, "reason": None}
    if fact.check == "compare":
        return row | _compare(fact, batch.runs(baseline))
    if fact.scenario not in batch.scenarios:
        return row | {"reason": f"scenario {fact.scenario!r} is not in the batch (it has: "
                                f"{', '.join(batch.scenarios)})"}
    return row | _effect(fact, batch.runs(baseline), batch.runs(fact.scenario), paired, draws)


def _compare(fact: Fact, runs: list[_Run]) -> dict[str, Any]:
    sides = []
    for side in (fact.left, fact.right):
        if isinstance(side, float):
            sides.append(np.full(len(runs), side))
            continue
        values, reason = _values(side, runs)
        if reason:
            return {"reason": f"{words(side)}: {reason}"}
        sides.append(values)
    left, right = sides
    holds = np.less if fact.relation == "less" else np.greater
    both = np.isfinite(left) & np.isfinite(right)
    lmed, rmed = (float(np.median(side[np.isfinite(side)])) for side in (left, right))
    reproduced = bool(holds(lmed, rmed))
    found: dict[str, Any] = {"left": lmed, "right": rmed, "runs": int(both.sum()),
              "holds_in": float(holds(left[both], right[both]).mean()) if both.any() else None}
    reason = None if reproduced else (f"the median of {words(fact.left)} ({lmed:.4g}) is not "
                                      f"{'below' if fact.relation == 'less' else 'above'} "
                                      f"{words(fact.right)} ({rmed:.4g})")
    return {"values": found, "reproduced": reproduced, "reason": reason}


def _effect(fact: Fact, base_runs: list[_Run], runs: list[_Run], paired: bool,
            draws: bool = False) -> dict[str, Any]:
    """A policy's paired effect with the interval ``tipsim compare`` reports: over parameter
    draws (``draws``), the interval of randomness and parameters
    (:func:`simulation.inference.conclusions.decompose`); otherwise the bootstrap interval."""
    from simulation.inference.analysis import bootstrap_difference  # the interval compare() reports

    series = []
    for group in (base_runs, runs):
        values, reason = _values(fact.quantity, group)
        if reason:
            return {"reason": f"{words(fact.quantity)}: {reason}"}
        series.append(pd.Series(values, index=pd.MultiIndex.from_tuples(
            [r.key for r in group], names=["point", "replication"])).dropna())
    base, this = series
    if len(base) < 2 or len(this) < 2:
        return {"reason": "needs at least two runs of each scenario with a value for an interval"}
    if draws and paired:
        from simulation.inference.conclusions import decompose

        parts = decompose((this - base).dropna(), CONFIDENCE)
        diff, low, high = parts["mean"], parts["combined_low"], parts["combined_high"]
    else:
        diff, low, high = bootstrap_difference(base, this, paired, CONFIDENCE, N_RESAMPLES, 0)
    pairs = len(base.index.intersection(this.index)) if paired else 0
    found: dict[str, Any] = {"baseline": float(base.median()), "scenario": float(this.median()),
              "difference": _num(diff), "difference_low": _num(low),
              "difference_high": _num(high), "paired": bool(paired and pairs >= 2),
              "runs": pairs if paired and pairs >= 2 else min(len(base), len(this))}
    if not (math.isfinite(low) and math.isfinite(high)):
        return {"values": found, "reason": "no interval could be computed"}
    up = fact.direction == "increase"
    reproduced = bool(low > 0) if up else bool(high < 0)
    reason = None
    if not reproduced:
        if (high < 0) if up else (low > 0):
            reason = (f"the opposite: the difference's {CONFIDENCE:.0%} interval "
                      f"[{low:.4g}, {high:.4g}] lies {'below' if up else 'above'} zero")
        else:
            reason = (f"not distinguishable from no change: the difference's {CONFIDENCE:.0%} "
                      f"interval [{low:.4g}, {high:.4g}] includes zero")
    return {"values": found, "reproduced": reproduced, "reason": reason}


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _count(rows: list[dict], flag: str, good: str) -> dict[str, int]:
    return {good: sum(1 for r in rows if r[flag] is True),
            "assessed": sum(1 for r in rows if r[flag] is not None), "total": len(rows)}


def _shown(path: Path) -> str:
    """A shipped file relative to the folder above the scenario library, others as given."""
    root = library_folder().parent.parent
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# -- the whole page --------------------------------------------------------------------------


def credibility(results, baseline: str = "baseline", *, targets: str | Path | None = None,
                out_of_sample: str | Path | None = None,
                facts: str | Path | None = None) -> dict[str, Any]:
    """Everything the model-credibility page shows, computed from a batch's finished runs.

    ``results`` is a :class:`~simulation.studies.store.Results` or a results directory; ``baseline``
    the scenario whose runs are compared with the targets. ``targets``, ``out_of_sample`` and
    ``facts`` replace the shipped files (:func:`shipped_files`). The answer is a dict:

    - ``provenance``: ``results`` (the store), ``experiment``, ``baseline``, ``baseline_runs``
      (how many finished runs the numbers rest on), ``parameters`` ("ensemble" when the batch
      drew each run's parameters from a calibrated ensemble, its manifest's
      ``uncertainty.ensemble`` then given as ``ensemble``; "sampled" when the manifest records
      other parameter draws under ``uncertainty``; else "defaults": the scenario's own
      parameters), ``weeks`` and
      ``scale`` (of the baseline runs, None when not recorded or not the same for all),
      ``files`` (the file of each section), ``tipsim_version``, ``model_code``, ``git_commit``.
    - ``targets``, ``held_out``, ``out_of_sample``: one dict per target: ``name``,
      ``description``, ``where``, ``observed`` (the band's midpoint or the mean), ``interval``
      ([low, high]: the band, or mean +- 2 sd), ``sd``, ``source``, ``note``; over the baseline
      runs ``median``, ``p5``, ``p95``, ``runs`` (runs with a value) and ``missing`` (runs
      without one: a ratio with no denominator); ``inside`` (the median within the interval;
      None when no run has a value) and ``reason`` (why not, else None).
    - ``stylised_facts``: one dict per fact: ``name``, ``statement``, ``source``, ``note``,
      ``check``, ``rule`` (in words), ``values``, ``reproduced`` (True, False, or None: not
      assessed) and ``reason`` (why not reproduced or not assessed; None when reproduced).
      ``values`` of a ``compare``: ``left`` and ``right`` (medians over runs, or the number
      given), ``runs``, ``holds_in`` (the share of runs in which the relation holds). Of an
      ``effect``: ``baseline`` and ``scenario`` (medians), ``difference`` (the mean difference,
      paired by design point and replication under common random numbers), its 95% bootstrap
      interval ``difference_low`` and ``difference_high`` (as ``tipsim compare``), ``paired``
      and ``runs`` (pairs, or the smaller scenario's runs). An effect is reproduced when the
      interval lies on the stated side of zero.
    - Every row of a target section and every fact also has ``basis`` ("by_construction",
      "fitted" or "emergent": what it rests on) and ``basis_reason``; target rows also
      ``derived_from`` (the fitted targets a check is declared computed from).
    - ``summary``: counts per section: ``{"inside", "assessed", "total"}`` for the three target
      sections, ``{"reproduced", "assessed", "total"}`` for the facts. Only *emergent* held-out
      and out-of-sample targets and facts are counted: the others are not checks of the model.
      ``labels`` counts each section's rows by basis.

    Raises :class:`~simulation.model.errors.UserError` when the baseline has no finished run in the
    batch, or when a file is malformed (naming the file and field)."""
    from simulation.inference.calibration.targets import BASES, load_targets
    from simulation.studies.store import load_results

    files = shipped_files()
    files |= {k: Path(v) for k, v in (("targets", targets), ("out_of_sample", out_of_sample),
                                      ("stylised_facts", facts)) if v is not None}
    fitted_and_held = load_targets(files["targets"])
    checks = _out_of_sample(files["out_of_sample"], fitted_and_held)
    fact_list = load_facts(files["stylised_facts"])
    if isinstance(results, (str, Path)):
        results = load_results(results)

    batch = _Batch(results)
    if baseline not in batch.scenarios:
        raise UserError(f"baseline {baseline!r}: no finished runs of it in {results.path} "
                        f"(scenarios with runs: {', '.join(batch.scenarios) or 'none'})")
    base_runs = batch.runs(baseline)
    paired = bool(results.manifest.get("seeds", {}).get("common_random_numbers", False))

    sections = {
        "targets": _target_rows(fitted_and_held.fitted, base_runs),
        "held_out": _target_rows(fitted_and_held.held_out, base_runs),
        "out_of_sample": _target_rows(checks.targets, base_runs),
        "stylised_facts": [_fact_row(f, batch, baseline, paired,
                                     bool(results.manifest.get("uncertainty")))
                           for f in fact_list],
    }
    def emergent(name: str) -> list[dict]:
        return [r for r in sections[name] if r["basis"] == "emergent"]

    summary: dict[str, Any] = {"targets": _count(sections["targets"], "inside", "inside")}
    summary |= {name: _count(emergent(name), "inside", "inside")
                for name in ("held_out", "out_of_sample")}
    summary["stylised_facts"] = _count(emergent("stylised_facts"), "reproduced", "reproduced")
    summary["labels"] = {name: {b: sum(r["basis"] == b for r in sections[name]) for b in BASES}
                         for name in ("held_out", "out_of_sample", "stylised_facts")}
    return {"provenance": _provenance(results, baseline, base_runs, files), **sections,
            "summary": summary}


def _out_of_sample(path: Path, fitted_and_held):
    """The out-of-sample file: every target is a check here, so every one needs its basis, and
    an emergent one must not depend on the baseline's fitted targets."""
    from simulation.inference.calibration.targets import (BASES, TargetError, check_emergent,
                                                          load_targets)

    checks = load_targets(path)
    for t in checks.targets:
        if t.basis is None:
            raise TargetError(f"{path}: targets.{t.name}.basis: missing (required for an "
                              f"out-of-sample check); allowed: {', '.join(BASES)}, with "
                              "basis_reason saying why")
    check_emergent(path, checks.targets, fitted_and_held.fitted)
    return checks


def _provenance(results, baseline: str, runs: list[_Run], files: dict[str, Path]) -> dict:
    manifest = results.manifest
    uncertainty = manifest.get("uncertainty")
    ensemble = uncertainty.get("ensemble") if isinstance(uncertainty, dict) else None
    sessions = [s for s in manifest.get("sessions", []) if isinstance(s, dict)]
    made = sessions[-1] if sessions else manifest

    def same(values: list) -> float | None:
        return values[0] if values and values[0] is not None and len(set(values)) == 1 else None

    return {
        "results": str(results.path),
        "experiment": manifest.get("experiment_name"),
        "baseline": baseline,
        "baseline_runs": len(runs),
        "parameters": ("ensemble" if ensemble is not None else "sampled" if uncertainty
                       else "defaults"),
        "ensemble": ensemble,
        "weeks": same([r.weeks for r in runs]),
        "scale": same([r.scale for r in runs]),
        "files": {"targets": _shown(files["targets"]), "held_out": _shown(files["targets"]),
                  "out_of_sample": _shown(files["out_of_sample"]),
                  "stylised_facts": _shown(files["stylised_facts"])},
        "tipsim_version": made.get("tipsim_version"),
        "model_code": made.get("model_code"),
        "git_commit": made.get("git_commit"),
    }


# the stylised-facts file (simulation.inference.stylised_facts) keeps this module as its import path
# too
__all__ = ["CONFIDENCE", "Fact", "FactsError", "N_RESAMPLES", "credibility", "load_facts",
           "shipped_files"]
