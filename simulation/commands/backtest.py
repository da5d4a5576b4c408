"""``tipsim backtest``: a frozen policy change predicted, then compared with what was observed.

Three modes: ``--predict-only`` writes the prediction (to commit before the observations exist
in the repository); ``--compare`` reads that committed prediction and the observed series and
writes the report, refusing a prediction whose lever file, scenario, ensemble or table changed
since; with neither, both in one go. See docs/backtest.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="predict a policy change from a frozen lever file and "
                                        "score it against observed series",
                       description="Run a backtest file: the prediction over the calibrated "
                                   "ensemble's parameter draws (two intervals: randomness "
                                   "alone, and randomness and parameters), then each observed "
                                   "series beside it, with the share of points inside the 95% "
                                   "interval and the continuous ranked probability score. "
                                   "Writes prediction.parquet/json and report.json/csv/md/html "
                                   "into --out.")
    p.add_argument("backtest", help="backtest file (TOML), e.g. "
                                    "scenarios/backtests/stylised/backtest.toml")
    p.add_argument("--out", help="folder for the prediction and the report (default: "
                                 "results/backtest/<name>)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--predict-only", action="store_true",
                      help="write the prediction only, reading no observed series")
    mode.add_argument("--compare", action="store_true",
                      help="score the prediction already in --out against the observed series "
                           "(refused if the lever file, scenario, ensemble or prediction "
                           "changed since it was written)")
    p.add_argument("--workers", type=int,
                   help="worker processes (default: every core this process may use)")
    p.add_argument("--executor", choices=("local", "dask"), default=None,
                   help="local processes (default) or a Dask cluster (implied by --scheduler)")
    p.add_argument("--scheduler", help="Dask scheduler address (default: start a local cluster)")
    p.add_argument("--restart", action="store_true",
                   help="discard the runs of an unfinished prediction in --out/runs and start "
                        "over (a written prediction is never discarded)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=backtest)


def backtest(args: argparse.Namespace) -> int:
    from simulation.studies.backtest import load_backtest
    from simulation.reports.backtest_report import compare, predict, prediction_exists

    from simulation.model.guide import expect_file

    expect_file(args.backtest, "backtest", "tipsim backtest")  # not a scenario, nor a typo
    bt = load_backtest(args.backtest)
    out = Path(args.out or Path("results") / "backtest" / bt.name)
    if not args.compare:
        from simulation.commands.batch import signals_interrupt
        from simulation.studies.executors import make_executor

        existed = prediction_exists(out)
        kind = args.executor or ("dask" if args.scheduler else "local")
        executor = make_executor(kind, args.workers, args.scheduler)
        try:
            with signals_interrupt():
                meta = predict(bt, out, executor=executor, progress=not args.quiet,
                               restart=args.restart)
        except KeyboardInterrupt:
            print(f"tipsim: interrupted; the finished runs are saved in {out / 'runs'}; run the "
                  "same command to resume", file=sys.stderr)
            return 130
        print(f"{bt.name}: prediction {meta['prediction_digest']} ({bt.draws} draws x "
              f"{bt.replications} replications, {bt.first_year}-{bt.last_year}) -> "
              f"{out / 'prediction.json'}"
              + (" (written before, its inputs unchanged)" if existed else ""))
        if args.predict_only:
            return 0
    report = compare(bt, out)
    for s in report["series"]:
        print(s["statement"])
    print(f"report -> {out / 'report.html'} (and report.json, report.csv, report.md)")
    return 0
