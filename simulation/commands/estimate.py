"""``tipsim estimate``: multiple systems estimation of the number of victims, beside the truth.

Given a file (CSV or Parquet), estimates from an analyst's own lists: a capture-history table
or one row per person (:mod:`simulation.inference.mse.tables`), and prints the estimate, its
interval, the model chosen, the models left out before fitting and why, and what was dropped or
merged.

Otherwise reads a run's folder (``tipsim run --out DIR`` writes ``contacts.parquet`` and
``exploited.parquet`` there when the model records them) or a batch's results store (when the
experiment has ``record = "contacts"``), and prints, per run and policy year, the MSE estimate
with its 95% interval, the true number exploited, the relative error and whether the interval
holds the truth (:mod:`simulation.inference.mse`). For a batch with several runs, ``--summary``
prints the bias, error and coverage per scenario and year instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads where the command runs (tipsim --help stays quick)
    import pandas as pd

from simulation.model.errors import UserError

FORMATS = ("table", "csv", "json")


def register(sub) -> None:
    p = sub.add_parser("estimate", help="estimate the hidden number of victims from the lists "
                                        "(multiple systems estimation) and compare with the truth",
                       description="Multiple systems estimation on the simulated lists (police, "
                                   "NGO, inspection, hotline): log-linear models chosen by AIC or "
                                   "BIC, a 95% interval, and the true number exploited in each "
                                   "policy year; or on your own lists (a CSV or Parquet table), "
                                   "with the models left out and why. See docs/estimation.md and "
                                   "docs/estimation_own_lists.md.")
    p.add_argument("results", type=Path,
                   help="a CSV or Parquet table of your own lists, a run's --out folder "
                        "(contacts.parquet) or a results store")
    p.add_argument("--year", type=int, default=None,
                   help="policy year, from 0 (default: every year with a contact)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--jurisdiction", help="the lists kept in one jurisdiction")
    scope.add_argument("--form", choices=("sexual", "labour", "criminal"),
                       help="victims of one form of exploitation")
    scope.add_argument("--group", choices=("female", "male", "adult", "child"),
                       help="one group of victims")
    p.add_argument("--criterion", choices=("aic", "bic"), default="aic",
                   help="information criterion for the model choice (default: aic)")
    p.add_argument("--interval", choices=("averaged", "profile", "bootstrap", "wald", "bca"),
                   default=None,
                   help="log-linear method: model-averaged interval (default), the chosen "
                        "model's profile likelihood interval, or a parametric bootstrap that "
                        "repeats the model choice; stepwise and allmodels methods: the chosen "
                        "model's Wald interval (default) or the BCa bootstrap that repeats the "
                        "choice (SparseMSE, MultipleSystemsEstimation)")
    p.add_argument("--method", choices=("loglinear", "dga", "stepwise", "allmodels", "lcmcr"),
                   default="loglinear",
                   help="log-linear models (default), Bayesian model averaging over "
                        "decomposable graphs (dga; up to six lists), SparseMSE's methods "
                        "for lists that never overlap: the stepwise choice of Chan, Silverman "
                        "& Vincent 2021, or every two-list model (up to five lists), or the "
                        "Bayesian latent-class model of Manrique-Vallier 2016 (lcmcr)")
    p.add_argument("--pthresh", type=float, default=None,
                   help="the stepwise method's p-value threshold (default 0.02)")
    p.add_argument("--resamples", type=int, default=499,
                   help="bootstrap resamples for --interval bootstrap (default 499)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the bootstrap or of lcmcr's sampler (default 0)")
    p.add_argument("--count", help="a table's count column (default: count, freq, frequency, "
                                   "n, ... whichever it has)")
    p.add_argument("--lists", help="a table's lists to use, and to merge: A,B,C+D+E keeps A "
                                   "and B and merges C, D and E into one list")
    p.add_argument("--allow-large", action="store_true",
                   help="estimate from more than 12 lists anyway")
    p.add_argument("--summary", action="store_true",
                   help="for a batch: bias, error and coverage per scenario and year")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import simulation.inference.mse as mse
    from simulation.commands.batch import render

    if args.results.is_file():
        return own_lists(args)
    if args.count is not None or args.lists is not None:
        raise UserError(f"{args.results}: --count and --lists are for a table of lists (a CSV "
                        "or Parquet file), not a run's folder or a store")
    if args.year is not None and not 0 <= args.year <= 100:
        raise UserError(f"--year: got {args.year}; allowed: a policy year from 0 to 100")
    contacts, exploited, scenarios = read_lists(args.results)
    table = mse.estimate_vs_truth(contacts, exploited, years=args.year,
                                  criterion=args.criterion, interval=args.interval,
                                  jurisdiction=args.jurisdiction, form=args.form,
                                  group=args.group, method=args.method,
                                  allow_large=args.allow_large, resamples=args.resamples,
                                  seed=args.seed)
    if table.empty:
        raise UserError(f"{args.results}: no contacts on record in the policy period")
    if table["estimate"].isna().all():
        raise UserError(table["problem"].iloc[0])
    if scenarios is not None:
        table.insert(1, "scenario", table["run_id"].map(scenarios))
    if args.summary:
        table = mse.summarise(table)
    elif "run_id" in table and (table["run_id"] == "").all():
        table = table.drop(columns="run_id")
    print(render(_readable(table) if args.format == "table" else table, args.format))
    return 0


def own_lists(args: argparse.Namespace) -> int:
    """Estimate from a table of lists and print the estimate, the models left out and why, and
    what was dropped or merged."""
    import json
    import sys

    import pandas as pd

    import simulation.inference.mse as mse
    from simulation.commands.batch import render
    from simulation.inference.mse.tables import read_table

    for option in ("year", "jurisdiction", "form", "group"):
        if getattr(args, option) is not None:
            raise UserError(f"--{option}: not for a table of lists ({args.results}); it narrows "
                            "a run's contacts")
    if args.summary:
        raise UserError(f"--summary: not for a table of lists ({args.results}); it summarises "
                        "a batch's runs")
    histories = read_table(args.results, count=args.count, lists=args.lists,
                           allow_large=args.allow_large)
    try:
        est = mse.estimate(histories.cells, criterion=args.criterion, interval=args.interval,
                           method=args.method, resamples=args.resamples, seed=args.seed,
                           pthresh=args.pthresh,
                           count=mse.count_column(histories.lists),
                           allow_large=args.allow_large)
    except mse.EstimationError as exc:
        raise UserError(f"{args.results}: {exc}") from None
    row = est.to_dict()
    notes = list(histories.notes) + [n for n in est.notes if n not in histories.notes]
    excluded = [f"{m}: {r}" for m, r in zip(est.excluded["model"], est.excluded["reason"])]
    if args.format == "json":
        print(json.dumps(row | {"notes": notes, "excluded": excluded}, indent=2))
        return 0
    table = pd.DataFrame([row])
    print(render(_readable(table) if args.format == "table" else table, args.format))
    out = sys.stdout if args.format == "table" else sys.stderr
    for note in notes:
        print(f"note: {note}", file=out)
    if excluded:
        print(f"models left out before fitting ({len(excluded)}):", file=out)
        for line in excluded:
            print(f"  {line}", file=out)
    return 0


def read_lists(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None, dict | None]:
    """Contacts, spells (None when absent) and, for a store, each run's scenario."""
    import pandas as pd

    if not path.is_dir():
        raise UserError(f"{path}: no such file or folder; allowed: a CSV or Parquet table of "
                        "lists, a run's --out folder or a results store")
    if (path / "manifest.json").exists():
        from simulation.studies.store import StoreError, load_results

        try:
            results = load_results(path)
            contacts, exploited = results.contacts, results.exploited
        except StoreError as exc:
            raise UserError(str(exc)) from None
        if contacts.empty or "person" not in contacts.columns:
            raise UserError(f"{path}: this store has no contacts; run the experiment with "
                            'record = "contacts" (or ["weekly", "contacts"])')
        scenarios = dict(zip(results.runs["run_id"], results.runs["scenario"]))
        return contacts, (exploited if len(exploited) else None), scenarios
    file = path / "contacts.parquet"
    if not file.is_file():
        raise UserError(f"{path}: no contacts.parquet; write one with tipsim run SCENARIO --out "
                        f"{path} (from a model that records contacts), or give a results store")
    spells = path / "exploited.parquet"
    try:
        contacts = pd.read_parquet(file)
        exploited = pd.read_parquet(spells) if spells.is_file() else None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a broken file
        raise UserError(f"{path}: cannot read its Parquet files ({exc})") from None
    missing = {"person", "list", "week"} - set(contacts.columns)
    if missing:
        raise UserError(f"{file}: no column {', '.join(sorted(missing))}; not a tipsim contacts "
                        "table")
    return contacts, exploited, None


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers of persons and relative errors as percentages, for reading."""
    import pandas as pd

    out = table.copy()
    for column in ("estimate", "low", "high", "truth"):
        if column in out:
            out[column] = [f"{v:,.0f}" if pd.notna(v) else "" for v in out[column]]
    for column in ("relative_error", "bias", "rmse", "coverage"):
        if column in out:
            sign = "+" if column in ("relative_error", "bias") else ""
            out[column] = [f"{100 * v:{sign}.1f}%" if pd.notna(v) else "" for v in out[column]]
    if "covers" in out:
        out["covers"] = [("yes" if v else "no") if pd.notna(v) else "" for v in out["covers"]]
    return out
