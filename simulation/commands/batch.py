"""``tipsim batch``, ``check``, ``compare`` and ``sensitivity``: experiments from the shell.

Exit status of ``batch``: 0 when every run finished, 3 when some runs failed (their errors are in
the store; rerun the same command to retry them), 1 for a user error (a full disk included), 130
when interrupted by Ctrl-C, SIGTERM or SIGHUP (rerun the same command to resume). ``tipsim
check`` lists the damaged parts of a store (exit 1 when there are some).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # numpy and pandas load where a command needs them (tipsim --help stays quick)
    import pandas as pd

from simulation.reports.shown import readable

EXIT_FAILED_RUNS = 3
FORMATS = ("table", "csv", "markdown", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="run an experiment (many runs) into a results store",
                       description="Run every run of an experiment file into an append-only "
                                   "results store; rerun the same command to resume.")
    p.add_argument("experiment", help="experiment file (TOML), e.g. "
                                      "scenarios/experiments/policy_comparison.toml")
    p.add_argument("--out", help="results directory (default: results/<experiment name>)")
    p.add_argument("--workers", type=int,
                   help="worker processes (default: every core this process may use)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes (default) or a Dask cluster")
    p.add_argument("--scheduler", help="Dask scheduler address (default: start a local cluster)")
    p.add_argument("--restart", action="store_true",
                   help="discard the results already in --out and start over")
    p.add_argument("--allow-code-change", action="store_true",
                   help="resume a store whose runs came from other model code, mixing the two "
                        "(each session's code stays recorded in manifest.json)")
    p.add_argument("--allow-large", action="store_true",
                   help="run an experiment estimated too big for this machine (more than a "
                        "million runs, or runs that would not fit in memory) anyway")
    p.add_argument("--no-retry-failed", dest="retry_failed", action="store_false",
                   help="on resume, do not retry runs that failed before")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--elicitation", metavar="FILE",
                   help="draw the parameters an elicitation file names from its experts' pooled "
                        "distributions (simulation/studies/elicitation.py; the experiment needs an "
                        "[uncertainty] table that samples them)")
    p.set_defaults(handler=batch)

    p = sub.add_parser("check", help="list the damaged parts of a results store",
                       description="Read every part of a results store and list those that are "
                                   "damaged (unreadable, truncated, a flipped bit, the wrong run "
                                   "or seed). Exit 0 when none is, 1 when some are; rerunning "
                                   "the batch redoes them.")
    p.add_argument("results", help="results directory written by tipsim batch")
    p.set_defaults(handler=check)

    p = sub.add_parser("compare", help="compare scenarios in a results store with the baseline",
                       description="Mean of each outcome with a 95% bootstrap confidence "
                                   "interval, difference from the baseline, relative change, "
                                   "and cost per victim-year of exploitation averted. For a "
                                   "batch over parameter draws ([uncertainty]): two intervals "
                                   "per effect (randomness alone; randomness and parameters), "
                                   "the parameters' share, the probability of being better and "
                                   "what the effect depends on; --format json adds rank and "
                                   "pairwise probabilities and acceptability curves.")
    p.add_argument("results", help="results directory written by tipsim batch")
    p.add_argument("--baseline", default="baseline", help="scenario to compare against")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table or markdown to read (rounded), csv or json for other programs "
                        "(full precision)")
    p.add_argument("--outcomes", help="comma-separated outcome names, or 'all' "
                                      "(default: the key outcomes)")
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples")
    p.add_argument("--allow-large", action="store_true",
                   help="bootstrap with more resamples than are estimated to fit in memory")
    p.add_argument("--form", help="compare one form of exploitation only: sexual, labour or "
                                  "criminal")
    p.add_argument("--group", help="compare one group of victims only: female, male, adult or "
                                   "child")
    p.add_argument("--published", action="store_true",
                   help="the statistics as countries publish them instead: per policy year, "
                        "referrals by first responder, decisions, confirmed victims by form, "
                        "sex, age and national or foreign, prosecutions and convictions (region "
                        "totals, mean over runs) and each scenario's difference from the "
                        "baseline")
    p.set_defaults(handler=compare)

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices from a sweep's results",
                       description="Sobol indices (S1, ST) or Morris (mu*, sigma) per outcome "
                                   "and input, computed with SALib.")
    p.add_argument("results", help="results directory of a sobol or morris experiment")
    p.add_argument("--outcomes", help="comma-separated outcome names, or 'all' "
                                      "(default: the key outcomes)")
    p.add_argument("--scenario", help="only this scenario (default: each in turn)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table or markdown to read (rounded), csv or json for other programs "
                        "(full precision)")
    p.set_defaults(handler=sensitivity)


def batch(args: argparse.Namespace) -> int:
    from simulation.model.limits import cores
    from simulation.studies.executors import make_executor, run_experiment
    from simulation.studies.experiment import Experiment
    from simulation.studies.store import ResultStore

    from simulation.model.guide import expect_file

    expect_file(args.experiment, "experiment", "tipsim batch")  # not a scenario, nor a typo
    if getattr(args, "elicitation", None):
        exp = _with_elicitation(args.experiment, args.elicitation, args.allow_large)
    else:
        exp = Experiment.load(args.experiment, allow_large=args.allow_large)
    out = Path(args.out or Path("results") / exp.name)
    executor = make_executor(args.executor, args.workers, args.scheduler)
    try:
        with signals_interrupt():
            summary = run_experiment(exp, out, executor=executor, restart=args.restart,
                                     retry_failed=args.retry_failed, progress=not args.quiet,
                                     allow_code_change=args.allow_code_change,
                                     allow_large=args.allow_large)
    except KeyboardInterrupt as exc:
        store = ResultStore(out)
        why = f" by {exc.args[0]}" if exc.args else ""
        print(f"tipsim: interrupted{why}; {len(store.completed_ids())} of {exp.n_runs} runs are "
              f"saved in {out}; run the same command to resume", file=sys.stderr)
        return 130
    if args.workers and args.executor == "local" and executor.workers < args.workers:
        print(f"note: ran {executor.workers} worker(s), not {args.workers}: more would not be "
              f"faster ({cores()} cores, {summary.total - summary.skipped} runs to do) "
              "or would not fit in memory", file=sys.stderr)
    if summary.previous_writer:
        from simulation.studies.store_lock import describe

        print(f"note: took over the lock of a batch that ended without releasing it "
              f"({describe(summary.previous_writer)})", file=sys.stderr)
    if summary.redone:
        print(f"note: redid {len(summary.redone)} damaged part(s): "
              + "; ".join(summary.redone[:5]), file=sys.stderr)
    rate = f", {summary.runs_per_minute:.1f} runs/min" if summary.ran else ""
    print(f"{exp.name}: {summary.total} runs: {summary.completed} completed, {summary.failed} "
          f"failed (ran {summary.ran} in {duration_text(summary.seconds)}{rate}) -> {out}")
    if summary.failed:
        from simulation.studies.store import load_results

        failed = load_results(out).failed
        for _, row in failed.head(5).iterrows():
            print(f"  failed: {row['run_id']}: {row['error']}")
        if len(failed) > 5:
            print(f"  ... and {len(failed) - 5} more (load_results({str(out)!r}).failed)")
        print("  rerun the same command to retry the failed runs")
        return EXIT_FAILED_RUNS
    return 0


def _with_elicitation(experiment: str, elicitation: str, allow_large: bool):
    """The experiment with ``uncertainty.elicitation`` set to FILE (named ``NAME_elicited`` so
    its results do not overwrite the experiment's own)."""
    from simulation.model.errors import UserError
    from simulation.studies.experiment import Experiment, read_experiment_file

    path = Path(experiment)
    doc = read_experiment_file(path)
    if not isinstance(doc.get("uncertainty"), dict):
        raise UserError(f"--elicitation: {experiment} has no [uncertainty] table; allowed: an "
                        "experiment that draws the elicited parameters")
    doc["uncertainty"]["elicitation"] = str(Path(elicitation).resolve())
    doc["name"] = f"{doc.get('name', path.stem)}_elicited"
    try:
        exp = Experiment.load(doc, base_dir=path.parent, allow_large=allow_large)
    except UserError as exc:  # name the file, not "experiment"
        raise type(exc)(f"{path}: {str(exc).removeprefix('experiment: ')}") from None
    exp._source = str(path)
    from simulation.studies.elicitation import load_elicitation

    if load_elicitation(elicitation).illustrative:
        print(f"note: {elicitation} is marked illustrative: its judgements are invented, not "
              "any expert's; do not use the results to support a decision", file=sys.stderr)
    return exp


@contextlib.contextmanager
def signals_interrupt():
    """SIGTERM and SIGHUP (a closed terminal, a job scheduler's stop) end a batch as Ctrl-C
    does: the session is closed in the manifest and the saved runs are counted."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check(args: argparse.Namespace) -> int:
    """List the damaged parts of a store: 0 when there are none, 1 when there are."""
    from simulation.studies.store import ResultStore, StoreError
    from simulation.studies.store_parts import recognise

    from simulation.model.guide import expect_store

    path = Path(args.results)
    expect_store(path)  # missing, empty, or one run's output: say so and what to do
    found = recognise(path)
    if found.manifest is None:
        advice = "; tipsim batch --restart can discard it" if found.store and found.why else ""
        raise StoreError(f"{path}: not a usable tipsim results store ({found.why}){advice}")
    store = ResultStore(path)
    damaged = store.damaged()
    manifest = found.manifest
    print(f"{path}: {manifest.get('experiment_name')}: {len(store.completed_ids())} of "
          f"{manifest.get('runs_total')} runs finished, {len(store.failed_ids())} failed, "
          f"{len(damaged)} damaged part{'s' * (len(damaged) != 1)}")
    for d in damaged:
        print(f"  damaged: {d}")
    from simulation.studies.store_parts import unrecorded

    for name in unrecorded(path, store.ledger(manifest)):  # kept and not read; in the way
        print(f"  not written by tipsim: {name} (not read; move it out before resuming)")
    if damaged:
        print("  rerun the batch command (without --restart) to redo these runs")
    return 1 if damaged else 0


def compare(args: argparse.Namespace) -> int:
    from simulation.inference.analysis import compare as compare_scenarios

    from simulation.model.guide import expect_store
    from simulation.studies.store import load_results

    expect_store(args.results)
    results = load_results(args.results)
    if args.published:
        from simulation.model.statistics import compare_published

        table = compare_published(results, baseline=args.baseline)
        print(render(table, args.format, width=terminal_width()))
        return 0
    if not args.allow_large and isinstance(args.resamples, int) and args.resamples >= 1:
        from simulation.model.limits import check_resamples

        per_scenario = results.runs["scenario"].value_counts()
        check_resamples(args.resamples, int(per_scenario.max()) if len(per_scenario) else 1)
    outcomes = _outcome_list(args.outcomes)
    table = compare_scenarios(results, baseline=args.baseline, outcomes=outcomes,
                              confidence=args.confidence, n_resamples=args.resamples,
                              form=args.form, group=args.group)
    if args.format == "json" and results.manifest.get("uncertainty"):
        # a batch over parameter draws: the table and everything said about its conclusions
        from simulation.inference.conclusions import conclusions

        said = conclusions(results, baseline=args.baseline, outcomes=outcomes,
                           confidence=args.confidence, form=args.form, group=args.group)
        doc = {"comparison": json_ready(table.to_dict(orient="records")),
               "uncertainty": json_ready(said)}
        if not args.form and not args.group:
            from simulation.model.errors import UserError
            from simulation.inference.voi import value_of_information

            try:
                doc["value_of_information"] = json_ready(
                    value_of_information(results, args.baseline))
            except UserError as exc:  # too few draws, no costs: say why instead
                doc["value_of_information"] = {"not_computed": str(exc)}
        print(json.dumps(doc, indent=1))
        return 0
    if args.format in READING:  # what a person reads: the report's units and cells
        from simulation.reports.shown import reading_rows

        table = reading_rows(table, args.baseline)
    print(render(table, args.format, width=terminal_width()))
    return 0


def json_ready(value):
    """Nested dicts and lists with plain numbers; NaN and infinity as null."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return _json_value(value)


def sensitivity(args: argparse.Namespace) -> int:
    from simulation.inference.analysis import sensitivity as sensitivity_indices
    from simulation.model.guide import expect_store

    expect_store(args.results)
    table = sensitivity_indices(args.results, outcomes=_outcome_list(args.outcomes),
                                scenario=args.scenario)
    print(render(table, args.format))
    return 0


READING = ("table", "markdown")
"""The formats a person reads (the others keep the stored units at full precision)."""
DROPPED_FIRST = ("depends_on", "label", "paired", "excludes_zero", "n", "ci_low", "ci_high",
                 "parameter_share", "randomness_low", "randomness_high", "verdict",
                 "relative_change", "probability_better")
"""Columns an aligned table leaves out, in this order, to fit the terminal's width."""


def terminal_width() -> int | None:
    """Columns of the terminal (``COLUMNS`` when set); None when the output is not a terminal
    and ``COLUMNS`` is unset (a file or a pipe takes the whole table)."""
    import shutil

    if not (os.environ.get("COLUMNS") or sys.stdout.isatty()):
        return None
    return shutil.get_terminal_size().columns


def render(table: pd.DataFrame, fmt: str, width: int | None = None) -> str:
    """A table as text: ``table`` (aligned) and ``markdown`` are for reading, with numbers as
    :func:`readable` shows them; ``csv`` and ``json`` (a list of records; missing numbers are
    null) keep every number at full precision, for other programs. An aligned table wider than
    ``width`` leaves out columns (:data:`DROPPED_FIRST`) until it fits, and says which."""
    import textwrap

    if fmt == "csv":
        return table.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return json.dumps([{k: _json_value(v) for k, v in row.items()}
                           for row in table.to_dict(orient="records")], indent=1)
    shown = readable(table)
    cells = [list(row) for row in shown.itertuples(index=False)]
    header = [str(c) for c in table.columns]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    right = [_is_number_column(table[c], shown[c]) for c in table.columns]

    keep = list(range(len(header)))
    left_out = []
    for name in DROPPED_FIRST:
        if width is None or sum(widths[i] + 2 for i in keep) - 2 <= width:
            break
        if name in header and header.index(name) in keep:
            keep.remove(header.index(name))
            left_out.append(name)

    def line(values):
        return "  ".join(values[i].rjust(widths[i]) if right[i] else values[i].ljust(widths[i])
                         for i in keep).rstrip()
    note = (textwrap.wrap(f"({len(left_out)} columns left out to fit {width} characters: "
                          f"{', '.join(left_out)}; --format csv or markdown has them all)",
                          cast(int, width)) if left_out else [])
    return "\n".join([line(header)] + [line(r) for r in cells] + note)


NUMBER = re.compile(r"[-+]?[\d.,]+(%| pp|M|bn|e[-+]\d+)?")


def _is_number_column(column: pd.Series, shown: pd.Series) -> bool:
    """Right-align numbers: a numeric column, or one whose every filled cell reads as one."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and column.dtype != bool:
        return True
    filled = [c for c in shown if c]
    return bool(filled) and all(NUMBER.fullmatch(c) for c in filled)


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _json_value(value.item())
    return value


def _outcome_list(text: str | None):
    """``--outcomes``: None, 'all' or the names (an outcome may be given under the name it is
    read under, e.g. victim_years_exploited)."""
    from simulation.reports.shown import stored_name

    if text is None or text == "all":
        return text
    return [stored_name(t.strip()) for t in text.split(",") if t.strip()]


def duration_text(seconds: float) -> str:
    """A duration as a person reads it: "4.2s", "3m07s"."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"
