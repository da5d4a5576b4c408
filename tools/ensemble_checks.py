"""Does the shipped ensemble reproduce the held-out checks? (issue 23)

Runs the baseline once for each member of a calibrated ensemble (its parameter set, seed
``--seed`` + member index) and prints, for every held-out target of a target file, its label
(basis), the ensemble's weighted median with its weighted 5th and 95th percentiles, the
published band, and inside or MISS. Checks added after the ensemble was fitted have no
``sim.`` column in it, so they need these runs.

    .venv/bin/python tools/ensemble_checks.py                       # shipped ensemble, scale 1
    .venv/bin/python tools/ensemble_checks.py --members 40 --scale 0.2 --json out.json
    .venv/bin/python tools/ensemble_checks.py --all --workers 2   # fitted targets too

``--all`` adds the fitted targets: their posterior predictive distribution at the scale and run
length given here, which is how to see whether a fit made at the calibration's small scale
holds at the comparisons' scale (issue 23).

``--court-cases`` also reads the channel shares the way UNODC's court-case summaries count
them: among the confirmed victims of networks that were prosecuted
(:func:`simulation.model.statistics.court_case_shares`), beside the shares among all confirmed
victims, which is what the calibration fits. Where the two agree, fitting the published shares
as shares of all confirmed victims loses nothing; where they differ, the fit compares the
wrong quantity.

The defaults are the comparisons' settings (scale 1, 156 policy weeks after 104 of burn-in);
120 members at scale 1 take about four minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import simulation  # noqa: E402
from simulation.inference.calibration import ensemble_overrides  # noqa: E402
from simulation.reports.calibration_report import weighted_quantiles  # noqa: E402
from simulation.inference.calibration.targets import load_targets  # noqa: E402
from simulation.model.clock import WEEKS_PER_YEAR  # noqa: E402
from simulation.model.statistics import court_case_shares  # noqa: E402

LIBRARY = simulation.SCENARIOS / "calibration"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ensemble", default=str(LIBRARY / "baseline_ensemble"))
    parser.add_argument("--targets", default=str(LIBRARY / "baseline_targets.toml"))
    parser.add_argument("--members", type=int, default=None, help="first N members (all)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--burn-in", type=int, default=104)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--all", action="store_true", help="fitted targets too")
    parser.add_argument("--workers", type=int, default=1, help="local processes (1)")
    parser.add_argument("--court-cases", action="store_true",
                        help="channel shares among victims in prosecuted cases too")
    args = parser.parse_args(argv)

    targets = load_targets(args.targets)
    checks = list(targets.targets) if args.all else targets.held_out
    members = ensemble_overrides(args.ensemble)[:args.members]
    weights = [weight for weight, _ in members]
    groups = channel_groups(targets) if args.court_cases else None
    run = partial(_member, checks=checks, scale=args.scale, weeks=args.weeks,
                  burn_in=args.burn_in, groups=groups)
    jobs = [(overrides, args.seed + i) for i, (_, overrides) in enumerate(members)]
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(args.workers) as pool:
            rows = list(pool.map(run, jobs, chunksize=4))
    else:
        rows = [run(job) for job in jobs]
    values = {t.name: [row[t.name] for row in rows] for t in checks}
    out = {"ensemble": args.ensemble, "targets": args.targets, "members": len(members),
           "scale": args.scale, "weeks": args.weeks, "burn_in_weeks": args.burn_in,
           "seed": args.seed, "checks": {}}
    print(f"{len(members)} members, scale {args.scale}, {args.weeks} weeks after "
          f"{args.burn_in} of burn-in")
    for t in checks:
        p5, median, p95 = (float(q) for q in weighted_quantiles(
            np.asarray(values[t.name], float), np.asarray(weights, float), [0.05, 0.5, 0.95]))
        low, high = t.interval
        inside = bool(low <= median <= high) if math.isfinite(median) else None
        out["checks"][t.name] = {"basis": t.basis, "held_out": t.held_out, "median": median,
                                 "p5": p5, "p95": p95, "interval": [low, high],
                                 "inside": inside}
        verdict = {True: "inside", False: "MISS", None: "no value"}[inside]
        label = t.basis if t.held_out else "fitted target"
        print(f"{t.name:36s} {label:16s} {median:9.4g} ({p5:.4g} to {p95:.4g})  "
              f"band [{low:g}, {high:g}]  {verdict}")
    if args.court_cases:
        out["court_cases"] = _court_case_table(rows, weights)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


CHANNEL_SHARES = {"self": "self_referral_share", "law": "law_enforcement_share",
                  "ngo": "ngo_share", "other": "other_channels_share"}
"""UNODC GLOTIP 2022's groups of first responders (own initiative, law enforcement, community
and civil society, all others), each as the target file's fitted share of that name defines
it: its numerator's ``identified_<channel>`` outcomes."""
PUBLISHED = {"self": 0.41, "law": 0.28, "ngo": 0.11, "other": 0.20, "police": 0.28,
             "other+border": 0.20}


def channel_groups(targets) -> dict[str, tuple[str, ...]]:
    """The first responders in each of UNODC's groups as ``targets`` reads them, then the
    narrower reading of law enforcement (the third refit's): the police alone, the border and
    immigration officers among the others."""
    by_name = {t.name: t for t in targets.targets}
    missing = [name for name in CHANNEL_SHARES.values() if name not in by_name]
    if missing:
        raise SystemExit(f"--court-cases: the target file has no {', '.join(missing)}; allowed: "
                         "a file with the four channel shares of baseline_targets.toml")
    groups = {group: tuple(n.removeprefix("identified_") for n in by_name[name].numerator)
              for group, name in CHANNEL_SHARES.items()}
    return groups | {"police": ("police",), "other+border": (*groups["other"], "border")}


def _court_case_table(rows: list[dict], weights: list[float]) -> dict:
    """Weighted median and 5-95% of each group's share, among all confirmed victims and among
    those in prosecuted cases (printed, and returned for the JSON file)."""
    table: dict = {}
    print(f"\n{'channel':12s} {'all confirmed':>26s} {'in prosecuted cases':>26s}  GLOTIP 2022")
    for group in PUBLISHED:
        cells = []
        for reading in ("confirmed", "in_prosecuted_cases"):
            values = np.asarray([row[f"court:{reading}:{group}"] for row in rows], float)
            ok = np.isfinite(values)
            p5, median, p95 = (float(q) for q in weighted_quantiles(
                values[ok], np.asarray(weights, float)[ok], [0.05, 0.5, 0.95]))
            table.setdefault(group, {})[reading] = {"median": median, "p5": p5, "p95": p95}
            cells.append(f"{median:6.1%} ({p5:5.1%} to {p95:5.1%})")
        table[group]["published"] = PUBLISHED[group]
        print(f"{group:12s} {cells[0]:>26s} {cells[1]:>26s}  {PUBLISHED[group]:.0%}")
    cases = [row["court:victims_in_cases"] for row in rows]
    table["victims_in_prosecuted_cases_per_run"] = float(np.median(cases))
    print(f"(median {np.median(cases):.0f} confirmed victims in prosecuted cases per run)")
    return table


def _member(job, *, checks, scale: float, weeks: int, burn_in: int,
            groups: dict[str, tuple[str, ...]] | None = None) -> dict[str, float]:
    """One member's run (``job``: its overrides and seed) and its value of every check (a
    top-level function, so the pool can send it to its workers); with ``groups``
    (:func:`channel_groups`) the grouped channel shares among all confirmed victims and among
    those in prosecuted cases."""
    overrides, seed = job
    scenario = simulation.with_overrides(simulation.BASELINE, overrides | {
        "run.scale": scale, "run.weeks": weeks, "run.burn_in_weeks": burn_in})
    result = simulation.run(scenario, seed=seed)
    row = {t.name: t.simulated(result, weeks / WEEKS_PER_YEAR, scale) for t in checks}
    if groups is not None:
        table = court_case_shares(result)
        for reading in ("confirmed", "in_prosecuted_cases"):
            total = table[reading].sum()
            for group, channels in groups.items():
                part = table.loc[list(channels), reading].sum()
                row[f"court:{reading}:{group}"] = part / total if total else math.nan
        row["court:victims_in_cases"] = float(table["in_prosecuted_cases"].sum())
    return row


if __name__ == "__main__":
    raise SystemExit(main())
