"""``tipsim run``: one scenario, one seed, a readable summary (or JSON), optional files."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from simulation.model.errors import UserError
from simulation.model.files import atomic_write
from simulation.model.registry import OUTCOMES

HEADLINE = ("new_victims", "victims_in_exploitation", "mean_weeks_exploited", "victims_identified",
            "identified_police", "identified_ngo", "identified_inspection", "identified_self",
            "victims_misidentified", "victims_supported", "unmet_shelter_demand",
            "victims_testifying", "victims_reintegrated", "victims_retrafficked", "arrests",
            "prosecutions", "convictions", "conviction_ratio", "networks_active",
            "networks_dismantled", "cross_border_cases", "identification_rate",
            "convictions_per_identified_victim", "policy_cost")


def register(sub) -> None:
    p = sub.add_parser("run", help="run one scenario and summarise its outcomes",
                       description="Run one scenario with one seed. Prints a summary; --json "
                                   "prints one JSON object; --out writes the weekly series and "
                                   "summary.")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--seed", type=seed_argument, default=None,
                   help="random seed, 0 to 2^63 - 1 (default: the scenario's)")
    p.add_argument("--weeks", type=int, default=None, help="policy-period weeks (default: the "
                                                           "scenario's run.weeks)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", type=Path, default=None,
                   help="directory for timeseries.parquet, timeseries.csv and summary.json "
                        "(and contacts.parquet, exploited.parquet for tipsim estimate)")
    p.add_argument("--force", action="store_true",
                   help="overwrite those files in --out even if tipsim did not write them")
    p.add_argument("--allow-large", action="store_true",
                   help="run a scenario estimated too big for this machine's memory anyway")
    p.set_defaults(handler=handle)


def seed_argument(text: str) -> int:
    """``--seed``: the one rule for seeds (:mod:`simulation.model.seeds`)."""
    from simulation.model.seeds import ALLOWED, MAX_SEED

    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {ALLOWED}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"got {text}; allowed: {ALLOWED}")
    return value


def handle(args: argparse.Namespace) -> int:
    import simulation

    from simulation.model.guide import expect_file

    expect_file(args.scenario, "scenario", "tipsim run")  # not an experiment, say, nor a typo
    if args.weeks is not None and not 1 <= args.weeks <= 5200:
        raise UserError(f"--weeks: got {args.weeks}; allowed 1 to 5200")
    if args.out is not None:
        check_out(args.out, args.force)  # before the run, not after minutes of it
    scenario = simulation.load_scenario(args.scenario)
    if not args.allow_large:
        from simulation.model.limits import check_run

        check_run(scenario, args.weeks, where=args.scenario)
    result = simulation.run(scenario, seed=args.seed, weeks=args.weeks)
    if args.out is not None:
        write_run(result, args.out)
    if args.json:
        print(result.to_json(indent=2, allow_nan=False))
    else:
        print(format_summary(result))
        if args.out is not None:
            lists = [f for f in PEOPLE_FILES if (args.out / f).exists()]
            print(f"\nWrote {args.out}/timeseries.parquet, timeseries.csv, summary.json"
                  + "".join(f", {f}" for f in lists))
    return 0


def format_summary(result) -> str:
    prov = result.provenance
    names = list(result.jurisdictions)
    lines = [f"tipsim {prov['tipsim_version']} - scenario {prov['scenario_name']!r} "
             f"(hash {prov['scenario_hash']}), seed {prov['seed']}, {prov['weeks']} policy weeks "
             f"after {prov['burn_in_weeks']} burn-in, scale {prov['scale']:g}",
             "Flows are totals over the policy period; stocks are weekly means.", ""]
    width = max(len(OUTCOMES[n].label) for n in HEADLINE)
    lines.append(f"{'outcome':<{width}}  {'region':>12}  "
                 + "  ".join(f"{n[:13]:>13}" for n in names))
    for name in HEADLINE:
        row = [result.outcomes[name]] + [result.jurisdictions[j][name] for j in names]
        lines.append(f"{OUTCOMES[name].label:<{width}}  {_fmt(row[0]):>12}  "
                     + "  ".join(f"{_fmt(v):>13}" for v in row[1:]))
    return "\n".join(lines)


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.1f}M"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3f}"


# the victims' contacts with each list and their exploitation spells, when the model records
# them (what tipsim estimate reads: simulation.inference.mse)
PEOPLE_FILES = ("contacts.parquet", "exploited.parquet")
RUN_FILES = ("timeseries.parquet", "timeseries.csv", "summary.json", *PEOPLE_FILES)


def check_out(out: Path, force: bool = False) -> None:
    """Refuse an ``--out`` that is a file, or a folder whose run files tipsim did not write
    (a user's own ``summary.json`` is not overwritten unless ``force``)."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; allowed: a folder for {', '.join(RUN_FILES)}")
    if not out.is_dir() or force:
        return
    present = [name for name in RUN_FILES if (out / name).exists()]
    if present and not _is_run_summary(out / "summary.json"):
        raise UserError(f"--out {out}: holds {', '.join(present)} that tipsim did not write; "
                        "allowed: a new folder or one holding a tipsim run's files (--force "
                        "overwrites them)")


def _is_run_summary(path: Path) -> bool:
    """Whether ``path`` is the summary.json of a tipsim run."""
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read(50_000_000))
    except (OSError, ValueError):
        return False
    return (isinstance(doc, dict) and {"outcomes", "jurisdictions", "provenance"} <= set(doc)
            and isinstance(doc["provenance"], dict) and "tipsim_version" in doc["provenance"])


def _parquet_writer(table):
    """What atomic_write calls to write ``table`` as Parquet to its temporary file."""
    return lambda path: table.to_parquet(path, index=False)


def write_run(result, out: Path) -> None:
    """Write the run's files atomically (each appears whole or not at all)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "timeseries.parquet",
                     lambda p: result.timeseries.to_parquet(p, index=False))
        atomic_write(out / "timeseries.csv", lambda p: result.timeseries.to_csv(p, index=False))
        for name in PEOPLE_FILES:
            table = getattr(result, name.removesuffix(".parquet"), None)
            if table is not None:
                atomic_write(out / name, _parquet_writer(table))
            else:  # a run without them must not leave an older run's beside its summary
                (out / name).unlink(missing_ok=True)
        atomic_write(out / "summary.json", lambda p: p.write_text(
            json.dumps(result.to_dict(), indent=2, allow_nan=False)))
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write the run's files there "
                        f"({exc.strerror or exc}: {exc.filename or out})") from None
