"""A backtest's prediction, frozen on disk, and its comparison with the observed series.

The prediction (``prediction.parquet``: one row per series, year, draw and replication;
``prediction.json``: the intervals, the settings and the digests of the lever file, the
scenario and the ensemble it was made from) is written before any observation is read, so a
project can commit it first. :func:`read_prediction` refuses a prediction whose table was
edited or whose inputs changed since.

Two intervals per series and year, as in :mod:`simulation.inference.conclusions`:

- **randomness and parameters**: the central 50% and 95% of all the prediction's runs (every
  draw, every replication): where one more run with parameters drawn from the ensemble falls;
- **randomness alone**: the grand mean plus each run's deviation from its own draw's mean
  (scaled by sqrt(R / (R - 1)) so the R runs of a draw, which share its mean, spread as much as
  runs around a known mean would; not below 0 when no run is): what the prediction would show
  if the parameters were known.

Scores, on the observed points after the cut year only (points up to it are what the
calibration saw): the share inside each 95% and 50% interval (coverage), and the continuous
ranked probability score of each point against the whole ensemble of runs (CRPS, in the
series' own unit; ``properscoring.crps_ensemble``, Gneiting and Raftery 2007, *JASA* 102), the
mean over a series' points, and that mean divided by the mean observed value.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.studies.backtest import Backtest, BacktestError
from simulation.model.files import atomic_write, file_digest

PREDICTION_TABLE = "prediction.parquet"
PREDICTION_META = "prediction.json"
REPORT_FILES = ("report.json", "report.csv", "report.md", "report.html")
BANDS = ("combined_low95", "combined_low50", "median", "combined_high50", "combined_high95",
         "randomness_low95", "randomness_low50", "randomness_high50", "randomness_high95")
_QUANTILES = {"low95": 0.025, "low50": 0.25, "high50": 0.75, "high95": 0.975}
METHOD = ("randomness and parameters: quantiles of all runs (draws x replications); randomness "
          "alone: quantiles of the grand mean plus each run's deviation from its draw's mean "
          "times sqrt(R/(R-1)); CRPS: properscoring.crps_ensemble against all runs")


# -- intervals --------------------------------------------------------------------------------


def randomness_sample(values: np.ndarray) -> np.ndarray:
    """Runs as they would spread with the parameters known: ``values`` is (draws, replications);
    the grand mean plus each run's deviation from its draw's mean, times sqrt(R / (R - 1))."""
    r = values.shape[1]
    deviations = (values - values.mean(axis=1, keepdims=True)) * math.sqrt(r / (r - 1))
    sample = values.mean() + deviations.ravel()
    # a count cannot be negative: where no run is, neither is the sample
    return np.maximum(sample, 0.0) if (values >= 0).all() else sample


def intervals(values: np.ndarray) -> dict[str, float]:
    """Median, mean and both intervals (50% and 95%) of one series-year's (draws, replications)
    values."""
    out = {"median": float(np.median(values)), "mean": float(values.mean())}
    alone = randomness_sample(values)
    for name, q in _QUANTILES.items():
        out[f"combined_{name}"] = float(np.quantile(values, q))
        out[f"randomness_{name}"] = float(np.quantile(alone, q))
    return out


def _matrix(group: pd.DataFrame) -> np.ndarray:
    return group.pivot(index="draw", columns="replication", values="value").to_numpy(float)


def bands(table: pd.DataFrame) -> pd.DataFrame:
    """One row per series and year: the median, mean and both intervals."""
    rows = [{"series": s, "year": int(y)} | intervals(_matrix(g))
            for (s, y), g in table.groupby(["series", "year"], sort=True)]
    return pd.DataFrame(rows)


def crps(observed: float, ensemble: np.ndarray) -> float:
    """The continuous ranked probability score of one observation against an ensemble of runs:
    E|X - y| - E|X - X'| / 2 (lower is better; 0 only when every run equals the observation)."""
    try:
        import properscoring
    except ImportError:
        raise BacktestError("tipsim backtest needs properscoring: pip install "
                            "'tipsim[backtest]'") from None
    return float(properscoring.crps_ensemble(observed, np.asarray(ensemble, float)))


# -- the frozen prediction --------------------------------------------------------------------


def write_prediction(bt: Backtest, out: Path, table: pd.DataFrame, model_code: str) -> dict:
    """Write ``prediction.parquet`` and ``prediction.json`` into ``out`` (each whole or not at
    all); returns the metadata."""
    from simulation._version import __version__

    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / PREDICTION_TABLE, lambda tmp: table.to_parquet(tmp, index=False))
    meta = {
        "backtest": bt.name, "description": bt.description, "backtest_file": str(bt.path),
        "first_year": bt.first_year, "cut_year": bt.cut_year, "last_year": bt.last_year,
        "draws": bt.draws, "replications": bt.replications, "seed": bt.seed,
        "scale": bt.experiment.scenario_objects[0].scale if bt.run.scale is None
        else bt.run.scale,
        "compare": [c.model_dump() | {"key": c.key} for c in bt.compare],
        "frozen": bt.frozen(),
        "resolved_scenario_hash": bt.lever_scenario.hash,  # with this model's defaults
        "prediction_digest": file_digest(out / PREDICTION_TABLE),
        "model_code_hash": model_code, "tipsim_version": __version__, "method": METHOD,
        "intervals": json.loads(bands(table).to_json(orient="records")),
    }
    atomic_write(out / PREDICTION_META,
                 lambda tmp: tmp.write_text(json.dumps(meta, indent=1) + "\n"))
    return meta


def prediction_exists(out: Path) -> bool:
    return (out / PREDICTION_META).exists()  # written last: the prediction's commit point


def read_prediction(bt: Backtest, out: Path) -> tuple[dict, pd.DataFrame]:
    """The committed prediction in ``out``, refused (one :class:`BacktestError`) when it is
    missing, when its table changed since it was written, or when the lever file, the scenario,
    the ensemble or the prediction's settings in the backtest file changed since."""
    from simulation.model.files import read_json

    meta_path, table_path = out / PREDICTION_META, out / PREDICTION_TABLE
    for p in (meta_path, table_path):
        if not p.is_file():
            raise BacktestError(f"{p}: no prediction there; allowed: the folder tipsim "
                                f"backtest {bt.path} --predict-only --out DIR wrote")
    meta = read_json(meta_path, 50_000_000, "a backtest prediction (.json)")
    if not isinstance(meta, dict) or not isinstance(meta.get("frozen"), dict):
        raise BacktestError(f"{meta_path}: not a backtest prediction (no 'frozen' digests); "
                            "allowed: the prediction.json tipsim backtest --predict-only writes")
    if file_digest(table_path) != meta.get("prediction_digest"):
        raise BacktestError(f"{table_path}: changed since the prediction was written (its digest "
                            f"is {file_digest(table_path)}, {meta_path} recorded "
                            f"{meta.get('prediction_digest')}); allowed: the frozen prediction "
                            "as written (restore it from version control)")
    now = bt.frozen()
    changed = [k for k in now if meta["frozen"].get(k) != now[k]]
    if changed:
        what = {"lever_file": f"the lever file {bt.levers}",
                "lever_document": "a file the lever file extends",
                "scenario_document": f"the scenario {bt.scenario} (or a file it extends)",
                "ensemble": f"the ensemble {bt.ensemble}",
                "settings": f"the prediction's settings in {bt.path} (years, draws, "
                            "replications, seed, run, sample or compare)"}
        raise BacktestError(f"{meta_path}: {', '.join(what[k] for k in changed)} changed since "
                            "the prediction was written; allowed: the frozen inputs unchanged "
                            "(restore them), or a new prediction into another --out folder, "
                            "reported beside the old one")
    try:
        table = pd.read_parquet(table_path)
    except (OSError, ValueError) as exc:
        raise BacktestError(f"{table_path}: cannot be read ({exc})") from None
    return meta, table




# -- the comparison ---------------------------------------------------------------------------


def score(meta: dict, table: pd.DataFrame, observed: pd.DataFrame) -> dict[str, Any]:
    """The report: every observed point beside the prediction's intervals, and per series the
    coverage, the CRPS and a plain statement of where the prediction missed."""
    cut = int(meta["cut_year"])
    grouped = {k: g for k, g in table.groupby(["series", "year"])}
    points, series = [], []
    for c in meta["compare"]:
        key = c["key"]
        mine = observed[observed["key"] == key].sort_values("year")
        rows = []
        for _, o in mine.iterrows():
            year = int(o["year"])
            group = grouped.get((key, year))
            point = {"series": key, "year": year, "observed": float(o["value"]),
                     "source_id": o["source_id"], "after_cut": year > cut,
                     "predicted": group is not None}
            if group is not None:
                values = _matrix(group)
                band = intervals(values)
                obs = point["observed"]
                point |= band
                point["inside95"] = band["combined_low95"] <= obs <= band["combined_high95"]
                point["inside50"] = band["combined_low50"] <= obs <= band["combined_high50"]
                point["inside95_randomness"] = (band["randomness_low95"] <= obs
                                                <= band["randomness_high95"])
                point["miss"] = (obs - band["combined_high95"] if obs > band["combined_high95"]
                                 else obs - band["combined_low95"]
                                 if obs < band["combined_low95"] else 0.0)
                point["crps"] = crps(obs, values.ravel())
            rows.append(point)
        points += rows
        series.append(_series_scores(c, rows, cut))
    return {"backtest": meta["backtest"], "description": meta.get("description", ""),
            "first_year": meta["first_year"], "cut_year": cut,
            "last_year": meta["last_year"], "draws": meta["draws"],
            "replications": meta["replications"], "prediction_digest":
            meta["prediction_digest"], "frozen": meta["frozen"],
            "model_code_hash": meta.get("model_code_hash"), "method": meta.get("method"),
            "series": series, "points": points}


def _series_scores(c: dict, rows: list[dict], cut: int) -> dict[str, Any]:
    scored = [r for r in rows if r["after_cut"] and r["predicted"]]
    out: dict[str, Any] = {"series": c["key"], "statistic": c["statistic"],
                           "jurisdictions": c.get("jurisdictions"), "factor": c["factor"],
                           "points_scored": len(scored),
                           "points_not_predicted": sum(not r["predicted"] for r in rows),
                           "points_before_cut": sum(not r["after_cut"] for r in rows)}
    if not scored:
        out |= {"coverage95": None, "coverage50": None, "coverage95_randomness": None,
                "crps_mean": None, "crps_relative": None,
                "statement": f"{c['key']}: no observed point after {cut} to score."}
        return out
    mean_obs = float(np.mean([abs(r["observed"]) for r in scored]))
    crps_mean = float(np.mean([r["crps"] for r in scored]))
    out |= {"coverage95": float(np.mean([r["inside95"] for r in scored])),
            "coverage50": float(np.mean([r["inside50"] for r in scored])),
            "coverage95_randomness": float(np.mean([r["inside95_randomness"] for r in scored])),
            "crps_mean": crps_mean,
            "crps_relative": crps_mean / mean_obs if mean_obs > 0 else None,
            "statement": statement(c["key"], scored)}
    outside = sorted(r["year"] for r in rows if not r["predicted"])
    if outside:
        out["statement"] += (f" {len(outside)} observed point{'s' * (len(outside) != 1)} "
                             f"outside the predicted years ({', '.join(map(str, outside))}) "
                             f"{'are' if len(outside) != 1 else 'is'} not scored.")
    return out


def statement(key: str, scored: list[dict]) -> str:
    """Where the prediction missed and by how much, in words."""
    from simulation.model.display import fmt_number

    missed = [r for r in scored if not r["inside95"]]
    n = len(scored)
    if not missed:
        return (f"{key}: all {n} observed point{'s' * (n != 1)} after the cut lie inside the "
                "95% interval (randomness and parameters).")
    parts = []
    for r in missed:
        side = "above" if r["miss"] > 0 else "below"
        ratio = (f", {r['observed'] / r['median']:.2g} times the median"
                 if r["median"] > 0 else "")
        parts.append(f"{r['year']}: observed {fmt_number(r['observed'])}, "
                     f"{fmt_number(abs(r['miss']))} {side} the 95% interval "
                     f"({fmt_number(r['combined_low95'])} to "
                     f"{fmt_number(r['combined_high95'])}; median "
                     f"{fmt_number(r['median'])}{ratio})")
    sides = {r["miss"] > 0 for r in missed}
    direction = ("the prediction was too low" if sides == {True} else
                 "the prediction was too high" if sides == {False} else
                 "the prediction missed on both sides")
    return (f"{key}: {len(missed)} of {n} observed point{'s' * (n != 1)} after the cut "
            f"outside the 95% interval; {direction}. " + "; ".join(parts) + ".")


# -- writing the report -----------------------------------------------------------------------


def write_report(out: Path, report: dict, meta: dict) -> list[Path]:
    """report.json, report.csv (one row per observed point), report.md and report.html (a plotly
    figure per series: the prediction's bands and the observed points)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, text: str) -> None:
        written.append(atomic_write(out / name, lambda tmp: tmp.write_text(text)))

    put("report.json", json.dumps(_plain(report), indent=1) + "\n")
    put("report.csv", pd.DataFrame(report["points"]).to_csv(index=False))
    put("report.md", markdown(report))
    put("report.html", page(report, meta))
    return written


def _plain(value):
    """Nested dicts and lists of plain Python values; NaN and infinity as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value) -> str:
    from simulation.model.display import fmt_number

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt_number(value)


def _pct(value) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def markdown(report: dict) -> str:
    lines = [f"# Backtest {report['backtest']}", ""]
    if report.get("description"):
        lines += [report["description"], ""]
    lines += [f"Prediction from {report['first_year']} to {report['last_year']}; the calibration "
              f"saw the years up to {report['cut_year']}, so points after it are scored. "
              f"{report['draws']} parameter draws x {report['replications']} replications "
              f"(prediction {report['prediction_digest']}, model code "
              f"{report['model_code_hash']}).", ""]
    if report.get("model_changed"):
        lines += [f"The model's code has changed since the prediction (now "
                  f"{report['model_code_now']}): this report scores the frozen prediction; "
                  "run the backtest again into a new folder to report the new model beside "
                  "it.", ""]
    lines += ["| series | points | inside 95% | inside 50% | inside 95% (randomness alone) | "
              "CRPS (mean) | CRPS / mean observed |", "|---|---|---|---|---|---|---|"]
    for s in report["series"]:
        lines.append(f"| {s['series']} | {s['points_scored']} | {_pct(s['coverage95'])} | "
                     f"{_pct(s['coverage50'])} | {_pct(s['coverage95_randomness'])} | "
                     f"{_fmt(s['crps_mean'])} | {_pct(s['crps_relative'])} |")
    lines += ["", "## Where the prediction missed", ""]
    lines += [f"- {s['statement']}" for s in report["series"]]
    for s in report["series"]:
        lines += ["", f"## {s['series']} ({s['statistic']})", "",
                  "| year | observed | median | 50% (both) | 95% (both) | 95% (randomness) | "
                  "CRPS | scored |", "|---|---|---|---|---|---|---|---|"]
        for p in report["points"]:
            if p["series"] != s["series"]:
                continue
            if not p["predicted"]:
                lines.append(f"| {p['year']} | {_fmt(p['observed'])} | not predicted |"
                             " | | | | no |")
                continue
            lines.append(
                f"| {p['year']} | {_fmt(p['observed'])} | {_fmt(p['median'])} | "
                f"{_fmt(p['combined_low50'])} to {_fmt(p['combined_high50'])} | "
                f"{_fmt(p['combined_low95'])} to {_fmt(p['combined_high95'])} | "
                f"{_fmt(p['randomness_low95'])} to {_fmt(p['randomness_high95'])} | "
                f"{_fmt(p['crps'])} | {'yes' if p['after_cut'] else 'no (calibration years)'} |")
    return "\n".join(lines) + "\n"


def figure(series: str, bands_rows: list[dict], points: list[dict], cut_year: int):
    """The prediction's bands over the years and the observed points, one series."""
    import plotly.graph_objects as go

    from simulation.reports.dashboard.style import layout as _layout
    from simulation.reports.dashboard.style import rgba as _rgba
    from simulation.reports.dashboard.style import text

    blue, black = "#0072B2", "#000000"  # Okabe-Ito, as the dashboard
    years = [b["year"] for b in bands_rows]
    fig = go.Figure()

    def band(low: str, high: str, alpha: float, name: str) -> None:
        fig.add_trace(go.Scatter(x=years, y=[b[high] for b in bands_rows], mode="lines",
                                 line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=years, y=[b[low] for b in bands_rows], mode="lines",
                                 line={"width": 0}, fill="tonexty",
                                 fillcolor=_rgba(blue, alpha), name=text(name),
                                 hoverinfo="skip"))

    band("combined_low95", "combined_high95", 0.15, "95%: randomness and parameters")
    band("combined_low50", "combined_high50", 0.3, "50%: randomness and parameters")
    for bound in ("randomness_low95", "randomness_high95"):
        fig.add_trace(go.Scatter(x=years, y=[b[bound] for b in bands_rows], mode="lines",
                                 line={"color": blue, "dash": "dot", "width": 1},
                                 name=text("95%: randomness alone"),
                                 showlegend=bound.endswith("low95")))
    fig.add_trace(go.Scatter(x=years, y=[b["median"] for b in bands_rows], mode="lines",
                             line={"color": blue, "width": 2}, name="median"))
    fig.add_trace(go.Scatter(x=[p["year"] for p in points], y=[p["observed"] for p in points],
                             mode="markers", marker={"color": black, "size": 9},
                             name="observed",
                             hovertemplate="%{x}: observed %{y:,.4~s}<extra></extra>"))
    fig.add_vline(x=cut_year + 0.5, line={"color": "#999999", "dash": "dash"})
    return _layout(fig, 360, title=text(series),
                   xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                   legend={"orientation": "h", "y": -0.25})


def page(report: dict, meta: dict) -> str:
    """A self-contained HTML page: the scores, the statements and a figure per series."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    e = html.escape
    sections = []
    for s in report["series"]:
        rows = [b for b in meta["intervals"] if b["series"] == s["series"]]
        pts = [p for p in report["points"] if p["series"] == s["series"]]
        div = pio.to_html(figure(s["series"], rows, pts, report["cut_year"]),
                          include_plotlyjs=False, full_html=False, default_width="100%",
                          div_id="figure-" + s["series"].replace("/", "-"))
        sections.append(f"<section><h2>{e(s['series'])} ({e(s['statistic'])})</h2>"
                        f"<p>{e(s['statement'])}</p>{div}</section>")
    table = "".join(
        f"<tr><td>{e(s['series'])}</td><td>{s['points_scored']}</td>"
        f"<td>{_pct(s['coverage95'])}</td><td>{_pct(s['coverage50'])}</td>"
        f"<td>{_pct(s['coverage95_randomness'])}</td><td>{e(_fmt(s['crps_mean']))}</td>"
        f"<td>{_pct(s['crps_relative'])}</td></tr>" for s in report["series"])
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Backtest {e(report['backtest'])}</title>"
            f"<script>{get_plotlyjs()}</script>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem}"
            "</style></head><body>"
            f"<h1>Backtest {e(report['backtest'])}</h1><p>{e(report.get('description', ''))}</p>"
            f"<p>Prediction {report['first_year']} to {report['last_year']}; scored after "
            f"{report['cut_year']} (the dashed line). {report['draws']} parameter draws x "
            f"{report['replications']} replications.</p>"
            "<table><tr><th>series</th><th>points</th><th>inside 95%</th><th>inside 50%</th>"
            "<th>inside 95% (randomness alone)</th><th>CRPS (mean)</th>"
            f"<th>CRPS / mean observed</th></tr>{table}</table>"
            + "".join(sections) + "</body></html>\n")


__all__ = ["bands", "crps", "intervals", "page", "read_prediction", "score", "statement",
           "write_prediction", "write_report"]


# -- the two steps ----------------------------------------------------------------------------


def predict(bt: Backtest, out: Path, *, executor=None, progress: bool = False,
            restart: bool = False) -> dict:
    """Run the prediction into ``out/runs`` (a results store: rerun to resume) and write the
    frozen ``prediction.parquet`` and ``prediction.json`` into ``out``. An existing prediction
    is never overwritten: made from the same inputs it is returned as it is; from others, it is
    refused. ``restart`` discards the runs of an unfinished prediction in ``out/runs`` (made
    from other inputs, say) and starts them over."""
    from simulation.studies.executors import run_experiment
    from simulation.studies.store import load_results, model_code_hash

    out = Path(out)
    if prediction_exists(out):
        meta, _ = read_prediction(bt, out)  # refuses one made from other inputs
        return meta
    summary = run_experiment(bt.experiment, out / "runs", executor=executor or "local",
                             progress=progress, restart=restart)
    if summary.failed:
        from simulation.studies.store import load_results as _load

        first = _load(out / "runs").failed.iloc[0]
        raise BacktestError(f"{bt.path}: {summary.failed} run(s) of the prediction failed "
                            f"(first: {first['run_id']}: {first['error']}); rerun the same "
                            "command to retry them")
    from simulation.studies.backtest import prediction_table

    table = prediction_table(bt, load_results(out / "runs"))
    return write_prediction(bt, out, table, model_code_hash())


def compare(bt: Backtest, out: Path) -> dict:
    """Read the frozen prediction in ``out`` and the observed series, score them and write the
    report files into ``out``; returns the report."""
    out = Path(out)
    meta, table = read_prediction(bt, out)
    report = score(meta, table, bt.observations())
    for entry in report["series"]:
        why = bt.unobserved.get(entry["series"])
        if why is not None:
            entry["unobserved"] = why
            entry["statement"] = f"{entry['series']}: not observed ({why.strip()})."
        reason = bt.explained.get(entry["series"])
        if reason is not None:
            entry["explained"] = reason
            entry["statement"] += (" Likely reason (written after the comparison): "
                                   + reason.strip())
    from simulation.studies.store import model_code_hash

    now = model_code_hash()
    report["model_code_now"] = now
    report["model_changed"] = now != meta.get("model_code_hash")
    write_report(out, report, meta)
    return report
