"""The calibration report: one self-contained HTML file (plotly inlined, opens offline).

What it shows, from ``ensemble.parquet`` and ``manifest.json``:

- prior against posterior for every fitted parameter (the prior is uniform over its range);
- correlations among the parameters the targets constrained most (the ones whose weighted
  posterior standard deviation shrank most against the prior's);
- for every target its observed band beside the ensemble's posterior predictive distribution
  (each parameter set's simulated value, weighted), on one standardised axis; held-out targets,
  which the fit never saw, are the out-of-sample checks;
- the generations (tolerance, runs, acceptance) and the provenance.

::

    from simulation.reports.calibration_report import build_report
    build_report("results/calibration/baseline")   # -> .../report.html
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from simulation.inference.calibration.ensemble import load_ensemble
from simulation.inference.calibration.folder import REPORT, check_writable, record_written
from simulation.reports.dashboard.page import PAGE_CSS, PLOTLY_CONFIG
from simulation.model.files import atomic_write
from simulation.model.registry import label

TOP = 8  # parameters in the correlation matrix


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the midpoint rule on the weights' cumulative sum)."""
    keep = np.isfinite(values)
    values, weights = values[keep], weights[keep]
    if not len(values):
        return np.full(len(qs), np.nan)
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cum = (np.cumsum(weights) - weights / 2) / weights.sum()
    return np.interp(qs, cum, values)


def shrinkage(ensemble: pd.DataFrame, priors: dict[str, dict]) -> pd.Series:
    """Posterior sd / prior sd per parameter (1 = the targets taught nothing)."""
    w = ensemble["weight"].to_numpy()
    out = {}
    for name, p in priors.items():
        x = ensemble[name].to_numpy()
        mean = np.average(x, weights=w)
        sd = math.sqrt(np.average((x - mean) ** 2, weights=w))
        out[name] = sd / ((p["high"] - p["low"]) / math.sqrt(12))
    return pd.Series(out).sort_values()


def build_report(out: str | Path, target: str | Path | None = None) -> Path:
    """Write ``OUT/report.html`` (or ``target``) for the calibration in ``out``."""
    out = Path(out)
    ensemble, manifest = load_ensemble(out)
    page = render(ensemble, manifest)
    if target is None:  # in the calibration's folder: only over a report it wrote there
        check_writable(out, REPORT)
        atomic_write(out / REPORT, lambda tmp: tmp.write_text(page, encoding="utf-8"))
        record_written(out, REPORT)
        return out / REPORT
    return atomic_write(Path(target), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def render(ensemble: pd.DataFrame, manifest: dict) -> str:
    priors = manifest["priors"]
    shrink = shrinkage(ensemble, priors)
    targets = manifest["targets"]
    fitted = {k: v for k, v in targets.items() if not v["held_out"]}
    held = {k: v for k, v in targets.items() if v["held_out"]}
    sections = [
        _section("targets", "Targets: observed against the calibrated ensemble",
                 "Each row is a fitted target. Grey: the observed band (95%, or mean +- 2 sd); "
                 "box: the posterior predictive distribution, the value each parameter set of "
                 "the ensemble simulated (weighted; whiskers 5-95%, box 25-75%, dot median). "
                 "Values are standardised, (value - observed) / sd, so that every target "
                 "shares one axis; the table below gives them in their own units.",
                 _targets_figure(ensemble, fitted), _targets_table(ensemble, fitted)),
    ]
    # only emergent held-out targets are checks of the model (issue 23); a manifest written
    # before held-out targets were labelled shows them all, unlabelled, as before
    labelled = any("basis" in v for v in held.values())
    checks = {k: v for k, v in held.items() if not labelled or v.get("basis") == "emergent"}
    others = {k: v for k, v in held.items() if k not in checks}
    if checks:
        sections.append(_section(
            "out-of-sample", "Out-of-sample checks (held-out targets, not used in fitting)",
            "Published patterns the fit never saw" + (", each independent of every fitted "
            "target (emergent)" if labelled else "") + ". An ensemble that reproduces them was "
            "not tuned to them; one that misses them shows where the model or its fixed "
            "parameters disagree with the evidence.",
            _targets_figure(ensemble, checks), _targets_table(ensemble, checks)))
    if others:
        items = "".join(f"<li><strong>{_e(k)}</strong>: {_e(v['basis'].replace('_', ' '))}, "
                        f"{_e(v.get('basis_reason', ''))}</li>" for k, v in others.items())
        sections.append(_section(
            "held-out-not-checks", "Held out, but not checks of the model",
            "These targets were not fitted, but they restate fitted targets or follow from the "
            "model's rules, so reproducing them says nothing new:",
            _targets_figure(ensemble, others),
            f"<ul class='not-checks'>{items}</ul>" + _targets_table(ensemble, others)))
    sections += [
        _section("posteriors", "Prior against posterior, per fitted parameter",
                 "Histogram: the calibrated ensemble (weighted). Grey band: the uniform prior. "
                 "Sorted by how much the targets narrowed the parameter (posterior sd / prior "
                 "sd, in brackets).", _posterior_figure(ensemble, priors, shrink)),
        _section("correlations", f"Correlations among the {min(TOP, len(shrink))} most "
                 "constrained parameters",
                 "Weighted correlation across the ensemble. Strong correlations mean the "
                 "targets pin down a combination of parameters rather than each one.",
                 _correlation_figure(ensemble, list(shrink.index[:TOP]))),
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tipsim calibration: {_e(manifest.get("calibration", ""))}</title>
<style>{PAGE_CSS}{CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body><main>
<header>
<h1>Calibration: <span class="calibration-name">{_e(manifest.get("calibration", ""))}</span></h1>
<p class="lede">{_e(manifest.get("description", ""))}</p>
<p class="caveat"><strong>An ensemble of plausible parameter sets, not a forecast.</strong> The
targets are published aggregate patterns with wide uncertainty; the ensemble is the set of
parameter values under which the model reproduces them, given every other assumption.</p>
<p class="meta">{len(ensemble)} weighted parameter sets (effective sample size
{manifest.get("effective_sample_size", float("nan")):.0f}) &middot; {len(priors)} parameters
fitted to {len(fitted)} targets, {len(held)} held out &middot; {manifest.get("runs")} runs in
{manifest.get("wall_seconds")} s{" &middot; quick variant" if manifest.get("quick") else ""}</p>
</header>
{"".join(sections)}
{_methods(manifest)}
</main></body></html>
"""


def _targets_figure(ensemble: pd.DataFrame, targets: dict) -> go.Figure:
    w = ensemble["weight"].to_numpy()
    fig = go.Figure()
    names = list(targets)
    for i, name in enumerate(names):
        t = targets[name]
        lo, hi = ((v - t["observed"]) / t["sd"] for v in t["interval"])
        fig.add_shape(type="rect", x0=lo, x1=hi, y0=i - 0.4, y1=i + 0.4, line_width=0,
                      fillcolor="rgba(120,120,120,0.25)")
        col = f"sim.{name}"
        if col not in ensemble:
            continue
        z = (ensemble[col].to_numpy() - t["observed"]) / t["sd"]
        q5, q25, q50, q75, q95 = weighted_quantiles(z, w, [.05, .25, .5, .75, .95])
        fig.add_trace(go.Scatter(x=[q5, q95], y=[i, i], mode="lines", showlegend=False,
                                 line={"color": "#0072B2", "width": 1.5}, hoverinfo="skip"))
        fig.add_shape(type="rect", x0=q25, x1=q75, y0=i - 0.18, y1=i + 0.18,
                      line={"color": "#0072B2"}, fillcolor="rgba(0,114,178,0.35)")
        fig.add_trace(go.Scatter(x=[q50], y=[i], mode="markers", showlegend=False,
                                 marker={"color": "#0072B2", "size": 8},
                                 hovertemplate=f"{_e(name)}: median %{{x:.2f}} sd<extra></extra>"))
    fig.update_yaxes(tickvals=list(range(len(names))), ticktext=names, autorange="reversed")
    fig.update_xaxes(title="(value - observed) / sd   (grey: observed band)", zeroline=True)
    fig.update_layout(height=120 + 42 * len(names), margin={"l": 260, "r": 20, "t": 10},
                      template="plotly_white")
    return fig


def _targets_table(ensemble: pd.DataFrame, targets: dict) -> str:
    w = ensemble["weight"].to_numpy()
    rows = []
    for name, t in targets.items():
        col = f"sim.{name}"
        q = (weighted_quantiles(ensemble[col].to_numpy(), w, [.05, .5, .95])
             if col in ensemble else [math.nan] * 3)
        lo, hi = t["interval"]
        inside = lo <= q[1] <= hi
        rows.append(f'<tr class="{"inside" if inside else "outside"}"><th>{_e(name)}</th>'
                    f'<td>{_e(t["description"])}</td><td>{_n(lo)} to {_n(hi)}</td>'
                    f'<td>{_n(q[1])}</td><td>{_n(q[0])} to {_n(q[2])}</td>'
                    f'<td class="source">{_e(t["source"])}</td></tr>')
    return ('<table class="targets"><thead><tr><th>target</th><th>what</th><th>observed '
            'band</th><th>ensemble median</th><th>ensemble 5-95%</th><th>source</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>')


def _posterior_figure(ensemble: pd.DataFrame, priors: dict, shrink: pd.Series) -> go.Figure:
    names = list(shrink.index)
    cols = 3
    rows = max(1, math.ceil(len(names) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[
        f"{n} ({shrink[n]:.2f})" for n in names], vertical_spacing=0.5 / rows + 0.02)
    w = ensemble["weight"].to_numpy()
    for i, name in enumerate(names):
        r, c = divmod(i, cols)
        p = priors[name]
        edges = np.linspace(p["low"], p["high"], 21)
        density, _ = np.histogram(ensemble[name], bins=edges, weights=w, density=True)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=density, width=np.diff(edges),
                             marker_color="#0072B2", showlegend=False,
                             hovertemplate=f"{_e(label(name))}<br>%{{x:.4g}}: "
                                           "%{y:.3g}<extra></extra>"), row=r + 1, col=c + 1)
        fig.add_trace(go.Scatter(x=[p["low"], p["low"], p["high"], p["high"]],
                                 y=[0, 1 / (p["high"] - p["low"]), 1 / (p["high"] - p["low"]), 0],
                                 fill="toself",
                                 mode="lines", line={"color": "rgba(120,120,120,0.6)"},
                                 fillcolor="rgba(120,120,120,0.15)", showlegend=False,
                                 hoverinfo="skip"), row=r + 1, col=c + 1)
    fig.update_layout(height=230 * rows + 60, template="plotly_white",
                      margin={"t": 40, "l": 40, "r": 20}, bargap=0)
    fig.update_annotations(font_size=11)
    return fig


def _correlation_figure(ensemble: pd.DataFrame, names: list[str]) -> go.Figure:
    w = ensemble["weight"].to_numpy()
    x = ensemble[names].to_numpy()
    cov = np.cov(x, rowvar=False, aweights=w) if len(names) > 1 else np.ones((1, 1))
    sd = np.sqrt(np.diag(np.atleast_2d(cov)))
    corr = np.atleast_2d(cov) / np.outer(sd, sd)
    fig = go.Figure(go.Heatmap(z=corr, x=names, y=names, zmin=-1, zmax=1, colorscale="RdBu",
                               text=np.round(corr, 2), texttemplate="%{text}"))
    fig.update_layout(height=260 + 50 * len(names), width=260 + 70 * len(names),
                      template="plotly_white", yaxis_autorange="reversed",
                      margin={"l": 200, "b": 160, "t": 20})
    return fig


def _section(key: str, title: str, caption: str, fig: go.Figure, extra: str = "") -> str:
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"figure-{key}",
                      config=PLOTLY_CONFIG, default_width="100%")
    return (f'<section id="{key}" class="figure"><h2>{_e(title)}</h2>'
            f'<p class="caption">{_e(caption)}</p>{div}{extra}</section>\n')


def _methods(m: dict) -> str:
    gens = "".join(f"<tr><td>{g['t']}</td><td>{_n(g['epsilon'])}</td><td>{g['runs']}</td>"
                   f"<td>{(g['acceptance'] or 0):.1%}</td></tr>" for g in m["generations"])
    method = json.dumps(m.get("method", {}), indent=1)
    screening = m.get("screening") or {}
    return f"""<section id="methods"><h2>How this ensemble was made</h2>
<table class="generations"><thead><tr><th>generation</th><th>tolerance</th><th>runs</th>
<th>acceptance</th></tr></thead><tbody>{gens}</tbody></table>
<ul>
<li>Scenario {_e(m.get("scenario"))} (hash {_e(m.get("scenario_hash"))}); runs of
{_e(m["run"]["weeks"])} policy weeks after {_e(m["run"]["burn_in_weeks"])} burn-in weeks at
scale {_e(m["run"]["scale"])}; seed {_e(m.get("seed"))}.</li>
<li>Targets {_e(m.get("targets_file"))} (hash {_e(m.get("targets_hash"))}); model code
{_e(m.get("model_code_hash"))}; tipsim {_e(m.get("tipsim_version"))}.</li>
<li>Fitted parameters chosen by: {_e(screening.get("note") or "not recorded")}
{_e(screening.get("experiment") or "")}</li>
<li>{len(m.get("fixed_parameters", {}))} other parameters stay at their scenario values
(listed in manifest.json).</li>
</ul>
<pre>{_e(method)}</pre></section>"""


def _n(value) -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


CSS = """
table { border-collapse: collapse; margin: 10px 0; font-size: .9em; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left;
         vertical-align: top; }
tr.outside td:nth-child(4) { color: #b35806; font-weight: 600; }
td.source { color: var(--muted); font-size: .85em; max-width: 420px; }
"""
