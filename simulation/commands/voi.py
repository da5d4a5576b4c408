"""``tipsim voi``: which research would change the decision (:mod:`simulation.inference.voi`);
``tipsim sweep``: a lever swept under parameter uncertainty (:mod:`simulation.inference.sweep`)."""

from __future__ import annotations

import argparse
import json
import math


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "voi", help="expected value of perfect and partial information of a batch's parameters",
        description="For a batch over parameter draws ([uncertainty]): the expected value of "
                    "perfect information (EVPI) and of partial perfect information (EVPPI) of "
                    "each varied parameter and group, for the choice of the policy with the "
                    "highest net benefit at each threshold (cost per victim-year averted), by "
                    "nonparametric regression (Strong, Oakley and Brennan 2014), with standard "
                    "errors; and in plain words, which research is worth most.")
    p.add_argument("results", help="results directory written by tipsim batch")
    p.add_argument("--baseline", default="baseline", help="scenario to compare against")
    p.add_argument("--thresholds", help="comma-separated CU per victim-year averted (default: "
                                        "nine spanning the policies' cost-effectiveness ratios)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--top", type=int, default=10, help="parameters shown in the table")
    p.set_defaults(handler=voi)
    register_sweep(sub)


def voi(args) -> int:
    from simulation.commands.batch import json_ready
    from simulation.model.errors import UserError
    from simulation.studies.store import load_results
    from simulation.inference.voi import value_of_information

    thresholds = None
    if args.thresholds:
        try:
            thresholds = [float(t) for t in args.thresholds.split(",")]
        except ValueError:
            raise UserError(f"--thresholds: got {args.thresholds!r}; allowed: numbers "
                            "separated by commas, e.g. 1000,10000,100000") from None
        if any(not math.isfinite(t) or t < 0 for t in thresholds):
            raise UserError("--thresholds: allowed: finite numbers >= 0")
    out = value_of_information(load_results(args.results), args.baseline, thresholds)
    if args.format == "json":
        print(json.dumps(json_ready(out), indent=1))
        return 0
    lam = out["thresholds"]
    print(f"Value of information ({out['unit']}); {out['draws']} draws")
    head = "threshold (CU/victim-year)"
    print(f"{head:<34}" + "".join(f"{t:>12,.0f}" for t in lam))
    print(f"{'best choice':<34}" + "".join(f"{b[:11]:>12}" for b in out["best"]))
    print(f"{'EVPI':<34}" + "".join(f"{v:>12,.0f}" for v in out["evpi"]))
    rows = sorted(out["parameters"], key=lambda r: -max((v for v in r["evppi"]
                                                         if math.isfinite(v)), default=0))
    for r in rows[:args.top]:
        print(f"{'EVPPI ' + r['parameter']:<34}" + "".join(
            f"{v:>8,.0f}±{s:<3,.0f}" if math.isfinite(v) else f"{'n/a':>12}"
            for v, s in zip(r["evppi"], r["se"])))
    for g in out["groups"]:
        print(f"{'EVPPI [' + g['group'][:25] + ']':<34}" + "".join(
            f"{v:>12,.0f}" if math.isfinite(v) else f"{'n/a':>12}" for v in g["evppi"]))
    print()
    for line in out["summary"]:
        print(line)
    return 0


def register_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="a lever swept under parameter uncertainty: effects by design point",
        description="For a batch with both [design] and [uncertainty]: at each design point, "
                    "each policy's effect against the baseline over that point's draws, its "
                    "two intervals and its probability of being better.")
    p.add_argument("results", help="results directory written by tipsim batch")
    p.add_argument("--baseline", default="baseline")
    p.add_argument("--outcome", default="victim_weeks_exploited")
    p.add_argument("--format", choices=("table", "csv", "markdown", "json"), default="table")
    p.set_defaults(handler=sweep)


def sweep(args) -> int:
    from simulation.commands.batch import render
    from simulation.studies.store import load_results
    from simulation.inference.sweep import by_design_point

    table = by_design_point(load_results(args.results), args.baseline, args.outcome)
    print(render(table, args.format))
    return 0
