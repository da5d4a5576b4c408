"""``tipsim demo``: the main job in one command (what ``make demo`` runs).

Runs the shipped policy comparison (the baseline and every policy scenario, replicated) into a
resumable results store, prints the headline comparison, and writes the policymaker report.
Interrupted, the same command resumes where it stopped.

It follows the rules of ``tipsim batch``: a store of another experiment in ``--out`` is refused
unless ``--restart`` (only the demo's own out-of-date runs are discarded without asking), and a
``dashboard.html`` there that tipsim did not write is refused before anything runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXPERIMENT = "experiments/policy_comparison.toml"
"""The shipped policy comparison, in the scenario library (``simulation.SCENARIOS``)."""
HEADLINE = ["victim_weeks_exploited", "new_victims", "victims_identified", "convictions",
            "policy_cost"]


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the shipped policy comparison and build its dashboard",
                       description="Run scenarios/experiments/policy_comparison.toml (resumable), "
                                   "print the headline comparison and write the HTML report.")
    p.add_argument("--out", type=Path, default=Path("results/demo"),
                   help="results directory (default results/demo)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: every core this process may use)")
    p.add_argument("--experiment", type=Path, default=None,
                   help="experiment file (default: the shipped policy comparison)")
    p.add_argument("--restart", action="store_true",
                   help="discard the results of another experiment in --out and start over")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from simulation.inference.analysis import compare
    from simulation.commands.batch import render, signals_interrupt
    from simulation.reports.dashboard import build_report
    from simulation.commands.dashboard import check_report_target
    from simulation.studies.executors import run_experiment
    from simulation.studies.experiment import Experiment
    from simulation.studies.store import StaleStoreError

    from simulation.model.limits import cores
    from simulation.model.trafficking_model import SCENARIOS

    args.experiment = args.experiment or SCENARIOS / EXPERIMENT
    workers = args.workers or cores()
    experiment = Experiment.load(args.experiment)
    check_report_target(args.out / "dashboard.html")  # a file of the user's: refused now
    print(f"Running {args.experiment.name} into {args.out} with {workers} worker(s); "
          "interrupt at any time and rerun to resume.")
    with signals_interrupt():  # SIGTERM and SIGHUP stop it as Ctrl-C does
        try:
            summary = run_experiment(experiment, args.out, workers=workers,
                                     restart=args.restart)
        except StaleStoreError as exc:
            if _holds(args.out) != experiment.name:
                raise StaleStoreError(f"{exc}".replace("rerun with --restart",
                                                       "rerun tipsim demo with --restart")
                                      ) from None
            # the demo's own runs, from an older version of its experiment or model code: out
            # of date, so it starts over rather than stop a newcomer
            print(f"{args.out} holds runs of an older {experiment.name} or of other model "
                  "code; the demo's results are its own, so it starts over.")
            summary = run_experiment(experiment, args.out, workers=workers, restart=True)
    print(f"{summary.completed} runs completed, {summary.failed} failed "
          f"(ran {summary.ran} now in {summary.seconds:.0f} s).")
    from simulation.commands.batch import terminal_width
    from simulation.reports.shown import reading_rows

    table = reading_rows(compare(args.out, outcomes=HEADLINE))  # as the report reads it
    columns = ["scenario", "outcome", "mean", "difference", "difference_low", "difference_high",
               "relative_change"]
    if "probability_better" in table:  # a batch over parameter draws (the shipped one)
        columns += ["probability_better"]
        print("Each change has a 95% interval of randomness and what is not known about the "
              "parameters (difference_low, _high); probability_better is the share of "
              "parameter draws in which the policy does better than the baseline. Exploitation "
              "is in victim-years; tipsim compare RESULTS --format markdown has every column.")
    shown = table.loc[table["scenario"] != "baseline", columns]
    print(render(shown, "table", width=terminal_width()))
    report = build_report(args.out, args.out / "dashboard.html")
    print(f"\nDashboard: {Path(report).resolve()} (open it in any browser; no network needed)")
    return 0 if summary.failed == 0 else 3


def _holds(out: Path) -> str | None:
    """The name of the experiment whose runs the store at ``out`` holds (None if unreadable)."""
    from simulation.studies.store_parts import read_manifest

    try:
        return read_manifest(out).get("experiment_name")
    except (OSError, ValueError):
        return None
