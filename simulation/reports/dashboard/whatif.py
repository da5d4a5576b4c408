"""What-if runs for the live explorer: a scenario with some levers changed from a given week,
a handful of replications of it and of its unchanged self, as a results table the dashboard
draws like any batch.

Runs are small (reduced scale, shorter horizon: :class:`Settings`) so that a change answers in
a few seconds; both scenarios use the same seeds (common random numbers), so the comparison is
paired, as in a batch. Replications run in a pool of worker processes kept for the session, so
the explorer's web server stays responsive. Without the UI::

    from simulation.reports.dashboard import whatif
    base = whatif.load_base("scenarios/baseline.toml", whatif.Settings())
    scenario = whatif.what_if(base, {("training", "destination_a"): 0.9}, start_week=26)
    results = whatif.compare_runs(base, scenario, whatif.Settings())
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from simulation._version import __version__
from simulation.model.limits import cores
from simulation.model.registry import LEVERS
from simulation.model.scenario import Scenario, load_scenario, to_document, with_overrides

MAIN_LEVERS = ("officers", "training", "non_punishment", "victim_centred", "witness_protection",
               "shelter_places", "reintegration", "ngo_outreach", "awareness",
               "labour_inspections", "sentence_years", "financial_investigation")
"""The per-jurisdiction levers the explorer offers as sliders."""

WHAT_IF = "your_change"


@dataclass(frozen=True)
class Settings:
    """How the explorer runs: small and short, so a change answers in seconds."""

    replications: int = 4
    scale: float = 0.1
    weeks: int = 260
    burn_in_weeks: int = 104
    seed: int = 1
    workers: int = field(default_factory=lambda: max(1, min(2, cores())))

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]


def load_base(scenario: str | Path | Scenario, settings: Settings) -> Scenario:
    """The scenario to explore, at the explorer's scale and horizon."""
    return with_overrides(load_scenario(scenario), {
        "run.scale": settings.scale, "run.weeks": settings.weeks,
        "run.burn_in_weeks": settings.burn_in_weeks})


def lever_values(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Jurisdiction -> lever -> value before any timed policy."""
    return {j.name: {n: j.levers[n] for n in MAIN_LEVERS} for j in scenario.jurisdictions}


def slider_range(lever: str, current: float) -> tuple[float, float, float]:
    """(min, max, step) of a lever's slider: 0-1 levers over their range; counts and years up
    to four times the current value (at least the registry's default)."""
    spec = LEVERS[lever]
    if spec.high is not None and spec.high <= 1:
        return float(spec.low or 0), float(spec.high), 0.05
    top = 4 * max(float(current), float(spec.default or 1), 1.0)
    if spec.high is not None:
        top = min(top, float(spec.high))
    step = 1.0 if spec.kind == "int" else 0.5
    return float(spec.low or 0), float(round(top)), step


def what_if(base: Scenario, changes: dict[tuple[str, str], float], start_week: int = 0,
            name: str = WHAT_IF) -> Scenario:
    """``base`` with each (lever, jurisdiction) set to a new value from ``start_week`` on (a
    timed policy, so the weeks before it are the baseline's)."""
    doc = to_document(base)
    doc["name"] = name
    doc["description"] = describe(changes, start_week)
    policies = list(doc.get("policy", []))
    for (lever, where), value in sorted(changes.items()):
        kind = LEVERS[lever].kind
        policies.append({"lever": lever, "where": where, "start_week": int(start_week),
                         "value": int(round(value)) if kind == "int" else float(value)})
    doc["policy"] = policies
    return load_scenario(doc)


def describe(changes: dict[tuple[str, str], float], start_week: int) -> str:
    if not changes:
        return "No change: the same as the baseline."
    parts = [f"{LEVERS[lever].label} in {where} to {value:g}"
             for (lever, where), value in sorted(changes.items())]
    return f"From week {start_week}: " + "; ".join(parts) + "."


# -- running ---------------------------------------------------------------------------------


def _run(scenario: Scenario, seed: int):
    from simulation.model.runner import run

    return run(scenario, seed=seed)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    parent = multiprocessing.parent_process()
    if parent is not None:  # exit with the server, however it ends
        def watch() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_BASELINES: dict[tuple, list] = {}
_BASELINES_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor | None:
    global _POOL
    if workers <= 1:
        return None
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_worker)
            atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
        return _POOL


def _drop_pool(pool: ProcessPoolExecutor) -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is pool:
            _POOL = None
    pool.shutdown(wait=False, cancel_futures=True)


def run_replications(scenario: Scenario, settings: Settings,
                     keep_going: Callable[[], bool] = lambda: True) -> list | None:
    """One run per seed of ``settings``; None when ``keep_going`` turns false first (a newer
    change superseded this one)."""
    pool = _pool(settings.workers)
    if pool is None:
        out = []
        for seed in settings.seeds:
            if not keep_going():
                return None
            out.append(_run(scenario, seed))
        return out
    try:
        futures: list[Future] = [pool.submit(_run, scenario, seed) for seed in settings.seeds]
    except BrokenProcessPool:  # a worker died (killed, out of memory): start a new pool
        _drop_pool(pool)
        return run_replications(scenario, settings, keep_going)
    try:
        out = []
        for future in futures:
            while True:
                try:
                    out.append(future.result(timeout=0.2))
                    break
                except TimeoutError:
                    if not keep_going():
                        return None
        return out
    except BrokenProcessPool:
        _drop_pool(pool)
        raise
    finally:
        for future in futures:
            future.cancel()


def baseline_runs(base: Scenario, settings: Settings) -> list:
    """The unchanged scenario's runs, computed once per scenario and settings."""
    key = (base.hash, settings)
    with _BASELINES_LOCK:  # every session waits for the one computation
        if key not in _BASELINES:
            # never None: nothing stops the computation (keep_going is always true)
            _BASELINES[key] = cast(list, run_replications(base, settings))
        return _BASELINES[key]


def compare_runs(base: Scenario, scenario: Scenario | None, settings: Settings,
                 keep_going: Callable[[], bool] = lambda: True, start_week: int = 0):
    """Results (as :func:`simulation.studies.store.load_results` gives) of the baseline and the
    what-if, or None when superseded."""
    before = baseline_runs(base, settings)
    if scenario is None:  # nothing changed yet: the baseline alone
        return as_results({base.name: (base, before)}, settings)
    after = run_replications(scenario, settings, keep_going)
    if after is None:
        return None
    return as_results({base.name: (base, before), scenario.name: (scenario, after)}, settings,
                      starts={scenario.name: start_week})


def as_results(runs: dict[str, tuple[Scenario, list]], settings: Settings,
               starts: dict[str, int] | None = None):
    """Runs held in memory as a :class:`~simulation.studies.store.Results`, with the tables a
    results store has (runs, jurisdictions, forms, groups, weekly) and a manifest that says where
    they came from."""
    from simulation.studies.store import Results

    rows, places, forms, groups, weekly = [], [], [], [], []
    for name, (_, results) in runs.items():
        for rep, (seed, result) in enumerate(zip(settings.seeds, results)):
            ids = {"run_id": f"{name}-r{rep:03d}", "scenario": name, "point": 0,
                   "replication": rep}
            rows.append(ids | {"seed": seed} | result.outcomes)
            places += [ids | {"jurisdiction": j} | out for j, out in result.jurisdictions.items()]
            forms += [ids | {"form": f} | out for f, out in result.by_form.items()]
            groups += [ids | {"group": g} | out for g, out in result.by_group.items()]
            series = result.timeseries.assign(jurisdiction=lambda d: d["jurisdiction"].astype(str))
            weekly.append(pd.concat([pd.DataFrame([ids] * len(series)), series], axis=1))
    manifest = {
        "experiment_name": "what-if explorer", "description": "Live what-if runs",
        "tipsim_version": __version__, "replications": settings.replications,
        "seeds": {"master": settings.seed, "common_random_numbers": True,
                  "derivation": "seed + replication"},
        "experiment": {"run": {"weeks": settings.weeks, "burn_in_weeks": settings.burn_in_weeks,
                               "scale": settings.scale}},
        "scenarios": [{"name": n, "source": s.source, "hash": s.hash,
                       "description": s.description, "policy_start": (starts or {}).get(n)}
                      for n, (s, _) in runs.items()],
        "record": "weekly",
    }
    out = Results(path=Path("what-if"), manifest=manifest, runs=pd.DataFrame(rows),
                  failed=pd.DataFrame(), _order={n: i for i, n in enumerate(runs)})
    out.jurisdictions = pd.DataFrame(places)  # shadows the lazy reader: nothing on disk
    out.forms = pd.DataFrame(forms)
    out.groups = pd.DataFrame(groups)
    out.weekly = pd.concat(weekly, ignore_index=True)
    return out
