"""``tipsim dashboard`` (a shareable HTML report of a batch) and ``tipsim explore`` (the live
what-if explorer in the browser)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from simulation.model.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="write a self-contained HTML report of a batch",
                       description="Write one HTML file (charts included, no network needed) "
                                   "comparing every scenario of a results directory with the "
                                   "baseline: headline changes with 95% intervals, time "
                                   "series, jurisdictions, victim pathway, disruption, forms of "
                                   "exploitation side by side, methods. For a batch over "
                                   "parameter draws (an [uncertainty] table in the experiment) "
                                   "each card also gives the interval of randomness only beside "
                                   "the one of randomness and parameters, the parameters' share "
                                   "of the variance, the chance the policy beats the baseline "
                                   "and what its effect depends on, and two charts come first: "
                                   "the chance of each rank and of each policy beating another, "
                                   "and cost-effectiveness acceptability curves. A section on "
                                   "the model's credibility sets the baseline runs beside every "
                                   "calibration target, held-out and out-of-sample check and "
                                   "stylised fact, each with its source. With --backtest, "
                                   "a section per backtest (tipsim backtest's output folder): "
                                   "its prediction's bands per series, the observed points "
                                   "with those outside the 95% interval marked, and the "
                                   "scores; without RESULTS, a page of the backtests alone.")
    p.add_argument("results", nargs="?", default=None,
                   help="results directory written by tipsim batch (may be left out with "
                        "--backtest: a page of the backtests alone)")
    p.add_argument("-o", "--out", help="HTML file to write (default: RESULTS/dashboard.html; "
                                       "without RESULTS, the first backtest folder's "
                                       "dashboard.html)")
    p.add_argument("--backtest", action="append", default=[], metavar="DIR",
                   help="a folder tipsim backtest --out wrote (prediction.json, and "
                        "report.json once compared): adds its section, read from its files "
                        "(the model is not run); repeat for more. Backtests of the same "
                        "scenario, ensemble and settings (a policy and its counterfactual) "
                        "share one figure per series")
    p.add_argument("--baseline", default="baseline", help="scenario to compare against")
    p.add_argument("--force", action="store_true",
                   help="overwrite the -o file even if it is not a tipsim report")
    p.set_defaults(handler=dashboard)

    p = sub.add_parser("explore", help="open the live what-if explorer in the browser",
                       description="Start a local web app (Solara) with sliders for the main "
                                   "levers of each jurisdiction; each change reruns a few small "
                                   "replications and compares them with the scenario as given.")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario file to start from (default: scenarios/baseline.toml)")
    p.add_argument("--host", default="localhost", help="address to listen on (default: "
                                                      "localhost)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument("--no-open", dest="open", action="store_false",
                   help="do not open a browser window")
    p.add_argument("--replications", type=int, default=4, help="runs per change (default 4)")
    p.add_argument("--scale", type=float, default=0.1, help="population scale (default 0.1)")
    p.add_argument("--weeks", type=int, default=260, help="policy-period weeks (default 260)")
    p.add_argument("--burn-in", type=int, default=104, help="burn-in weeks (default 104)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: up to 2)")
    p.set_defaults(handler=explore)


def dashboard(args: argparse.Namespace) -> int:
    from simulation.reports.dashboard import build_report
    from simulation.reports.dashboard.backtest import (PREDICTION, read_outputs,
                                                       render_backtest_page, sections_for)

    from simulation.model.guide import expect_store

    if args.results is None and not args.backtest:
        raise UserError("tipsim dashboard: nothing to show; allowed: RESULTS (a folder tipsim "
                        "batch wrote), --backtest DIR (a folder tipsim backtest wrote), or both")
    if args.results is not None and (Path(args.results) / PREDICTION).is_file():
        raise UserError(f"{args.results}: a backtest's output, not a results store; allowed: "
                        f"tipsim dashboard --backtest {args.results}")
    if args.results is not None:
        expect_store(args.results)  # missing, empty, or one run's output: say so and what to do
    backtests = read_outputs(args.backtest)  # every folder checked before anything is written
    home = Path(args.results) if args.results is not None else Path(args.backtest[0])
    target = Path(args.out) if args.out else home / "dashboard.html"
    check_report_target(target, args.force)
    try:
        if args.results is None:
            from simulation.model.files import atomic_write

            page = render_backtest_page(backtests)
            target.parent.mkdir(parents=True, exist_ok=True)
            path = atomic_write(target, lambda tmp: tmp.write_text(page, encoding="utf-8"))
        else:
            path = build_report(args.results, target, baseline=args.baseline,
                                extra_sections=sections_for(backtests))
    except OSError as exc:
        raise UserError(f"-o {target}: cannot write the report there ({exc.strerror or exc})"
                        ) from None
    print(f"Wrote {path} (open it in any browser; it needs no network)")
    return 0


def check_report_target(target: Path, force: bool = False) -> None:
    """Refuse to write the report over a folder, or over a file that is not a tipsim report
    (unless ``force``)."""
    if target.is_dir():
        raise UserError(f"-o {target}: is a folder; allowed: the report's file name, e.g. "
                        f"{target / 'dashboard.html'}")
    if target.exists() and not force and not is_tipsim_report(target):
        raise UserError(f"-o {target}: exists and is not a tipsim report; allowed: a new file "
                        "or an earlier report (--force overwrites it)")


def is_tipsim_report(path: Path) -> bool:
    """Whether ``path`` is an HTML report tipsim wrote (its generator tag, near the top)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'<meta name="generator" content="tipsim ' in head


def explore(args: argparse.Namespace) -> int:
    from simulation.model.scenario_schema import MAX_WEEKS

    scenario = Path(args.scenario) if args.scenario else None
    if scenario is not None:
        from simulation.model.scenario import load_scenario

        if not scenario.is_file():
            raise UserError(f"{args.scenario}: no such scenario file")
        load_scenario(scenario)  # a mistake in it is one clean error now, not a broken page
    for name, value, low, high in (("--replications", args.replications, 1, 100),
                                   ("--weeks", args.weeks, 4, MAX_WEEKS),
                                   ("--burn-in", args.burn_in, 0, MAX_WEEKS // 2),
                                   ("--port", args.port, 0, 65535),
                                   ("--workers", args.workers or 1, 1, 64)):
        if not low <= value <= high:
            raise UserError(f"{name}: got {value}; allowed: a whole number from {low} to {high}")
    if not 0 < args.scale <= 10:
        raise UserError(f"--scale: got {args.scale}; allowed: above 0, at most 10")
    _check_size(scenario or _default_scenario(), args)
    try:
        import solara  # noqa: F401
    except ImportError:
        raise UserError("the explorer needs Solara: pip install 'tipsim[explore]'") from None
    port = _check_listen(args.host, args.port)
    if not _is_loopback(args.host):
        print(f"tipsim explore: warning: --host {args.host} serves the explorer beyond this "
              "machine: anyone who can reach it on the network can use it and run simulations "
              "here (it has no password); use --host localhost to keep it private",
              file=sys.stderr, flush=True)
    env = dict(os.environ)
    env.update({
        "TIPSIM_EXPLORE_SCENARIO": str((scenario or _default_scenario()).resolve()),
        "TIPSIM_EXPLORE_REPLICATIONS": str(args.replications),
        "TIPSIM_EXPLORE_SCALE": str(args.scale),
        "TIPSIM_EXPLORE_WEEKS": str(args.weeks),
        "TIPSIM_EXPLORE_BURN_IN_WEEKS": str(args.burn_in),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no calls home
    })
    if args.workers:
        env["TIPSIM_EXPLORE_WORKERS"] = str(args.workers)
    # Solara's command, with SIGTERM ending it cleanly (simulation.reports.dashboard.serve)
    command = [sys.executable, "-m", "simulation.reports.dashboard.serve", "run",
               "simulation.reports.dashboard.explorer",
               "--host", args.host, "--port", str(port), "--production",
               "--no-check-version", "--open" if args.open else "--no-open"]
    shown = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address (RFC 3986)
    print(f"tipsim explore: http://{shown}:{port}  (Ctrl-C to stop)", flush=True)
    os.execve(sys.executable, command, env)  # the server replaces this process
    return 0  # not reached


def _default_scenario() -> Path:
    from simulation.model.trafficking_model import BASELINE

    return Path(BASELINE)


def _check_size(path: Path, args: argparse.Namespace) -> None:
    """Refuse a scenario whose runs, at the explorer's scale and weeks, would not fit in memory
    (each change runs ``--replications`` of them on the workers)."""
    from simulation.model.limits import check_run
    from simulation.model.scenario import with_overrides

    spec = with_overrides(path, {"run.scale": args.scale, "run.weeks": args.weeks,
                                 "run.burn_in_weeks": args.burn_in})
    check_run(spec, where=str(path), workers=min(args.workers or 2, args.replications))


def _check_listen(host: str, port: int) -> int:
    """The port to serve on (a free one for 0), after checking that ``host`` names an address
    of this machine and the port is free there: a clear error now, not a failure inside the
    server."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UserError(f"--host {host}: not an address or a known host name ({exc}); "
                        "allowed: localhost, 127.0.0.1, or an address of this machine") from None
    try:
        with socket.socket(family, kind, proto) as s:
            s.bind(address)
            return s.getsockname()[1]
    except OSError as exc:
        raise UserError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
                        "allowed: an address of this machine and a free port (0: any free "
                        "port)") from None


def _is_loopback(host: str) -> bool:
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return False
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
