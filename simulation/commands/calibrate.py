"""``tipsim calibrate``: fit parameters to published figures by ABC-SMC (docs/calibration.md).

Exit status: 0 when the ensemble is written, 1 for a user error, 130 when interrupted (rerun
the same command to resume from the last finished generation).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to published figures (ABC-SMC, pyabc)",
                       description="Fit the parameters a calibration file names to its target "
                                   "file by ABC-SMC (pyabc), write a weighted ensemble of "
                                   "parameter sets (ensemble.parquet, manifest.json) and its "
                                   "report (report.html). Rerun the same command to resume an "
                                   "interrupted calibration.")
    p.add_argument("calibration", help="calibration file (TOML), e.g. "
                                       "scenarios/calibration/baseline.toml")
    p.add_argument("--out", help="output folder (default: results/calibration/<name>)")
    p.add_argument("--quick", action="store_true",
                   help="the file's [quick] budget and run length (tests and demos)")
    p.add_argument("--workers", type=int,
                   help="local worker processes (default: every core this process may use)")
    p.add_argument("--scheduler", help="Dask scheduler address: run on that cluster")
    p.add_argument("--sampler", choices=("ordered", "pyabc"), default="ordered",
                   help="ordered (default): the same seed gives the same ensemble; pyabc: "
                        "pyabc's own dynamic samplers, faster on a large cluster, not "
                        "reproducible")
    p.add_argument("--restart", action="store_true",
                   help="discard what --out holds and start over")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="do not write report.html")
    p.add_argument("--allow-large", action="store_true",
                   help="run even if a run is estimated not to fit in this machine's memory")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(handler=calibrate)


def calibrate(args: argparse.Namespace) -> int:
    from simulation.inference.calibration import load_calibration
    from simulation.inference.calibration.abc import calibrate as run_calibration, load_ensemble
    from simulation.commands.batch import duration_text, signals_interrupt

    if args.workers is not None and args.workers < 1:
        from simulation.model.errors import UserError

        raise UserError(f"--workers: got {args.workers}; allowed: 1 or more")
    cal = load_calibration(args.calibration, quick=args.quick)
    out = Path(args.out or Path("results") / "calibration" / (cal.name + "_quick" * args.quick))
    note = (lambda line: print(line, file=sys.stderr)) if not args.quiet else None
    try:
        with signals_interrupt():
            run_calibration(cal, out, workers=args.workers, scheduler=args.scheduler,
                            sampler=args.sampler, restart=args.restart, progress=not args.quiet,
                            log=note, allow_large=args.allow_large)
    except KeyboardInterrupt as exc:
        why = f" by {exc.args[0]}" if exc.args else ""
        print(f"tipsim: interrupted{why}; finished generations are kept in {out}/history.db; "
              "run the same command to resume", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a folder made read-only: what is done is kept
        from simulation.model.errors import UserError

        raise UserError(f"{out}: cannot write the calibration ({exc.strerror or exc}); "
                        f"finished generations are kept in {out}/history.db; free the space "
                        "and run the same command to resume") from None
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy"):  # sqlite: "database or disk is full"
            from simulation.model.errors import UserError

            text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise UserError(f"{out}/history.db: cannot write pyabc's history ({text}); free "
                            "the space and run the same command to resume") from None
        raise
    ensemble, manifest = load_ensemble(out)
    last = manifest["generations"][-1] if manifest["generations"] else {}
    print(f"{cal.name}: {len(ensemble)} parameter sets after {len(manifest['generations'])} "
          f"generation(s), tolerance {last.get('epsilon', float('nan')):.3g}, acceptance "
          f"{last.get('acceptance') or 0:.1%}; {manifest['runs']} runs in "
          f"{duration_text(manifest['wall_seconds'])} ({manifest['runs_per_minute']} runs/min) "
          f"-> {out}")
    if args.report:
        from simulation.reports.calibration_report import build_report

        print(f"report: {build_report(out)}")
    return 0
