"""The report's backtest section: a frozen prediction beside what was then observed.

Everything is read from the folders ``tipsim backtest FILE --out DIR`` writes, never by running
the model (:mod:`simulation.reports.backtest_report`): ``prediction.json`` (the intervals per series
and year, the settings, the digests of what the prediction was made from) and, once the
prediction has been compared, ``report.json`` (every observed point beside the intervals, and
the scores per series). Each backtest gets its name and description, whether it was scored,
the score table, where it missed in plain words, and one figure per series: the 95% and 50%
bands of randomness and parameters, the 95% interval of randomness alone (dotted), the median,
the cut year (dashed) and the observed points, those outside the 95% interval marked.

Backtests made from the same scenario, ensemble and settings (the same draws, seeds, years and
series) but different lever files, such as a policy and its counterfactual, share one section:
each series' figure shows every prediction's bands, so the gap between them is the effect the
model predicts for the lever changes. Observed points are judged against the first of them
(the order given)::

    from simulation.reports.dashboard.backtest import build_backtest_page
    build_backtest_page(["results/backtest/uk_act", "results/backtest/uk_no_act"], "page.html")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import plotly.graph_objects as go
import plotly.io as pio

from simulation.reports.dashboard.style import PALETTE, text
from simulation.reports.dashboard.style import layout as _layout
from simulation.reports.dashboard.style import rgba as _rgba
from simulation.reports.dashboard.page import PLOTLY_CONFIG, Section
from simulation.reports.dashboard.page import attr as _attr
from simulation.reports.dashboard.page import escape as _e
from simulation.model.display import fmt_number
from simulation.reports.dashboard.backtest_output import (ALLOWED, MAX_JSON_BYTES, PREDICTION,
                                                          REPORT, BacktestOutput, groups,
                                                          read_output, read_outputs)

if TYPE_CHECKING:
    from simulation.reports.dashboard.data import DashboardData

MISS_COLOUR = "#D55E00"  # Okabe-Ito vermilion: an observed point outside the 95% interval
CAPTION = ("Each figure: the prediction for one published series, year by year. Shaded: the "
           "central 95% (light) and 50% (dark) of all the prediction's runs, every parameter "
           "draw and every run (randomness and parameters); dotted: the 95% interval of "
           "randomness alone, as if the parameters were known; line: the median. The dashed "
           "line is the cut: the calibration saw the years up to it, so only the points after "
           "it are scored. Dots are the observed values; a diamond is one outside the 95% "
           "interval (randomness and parameters); open circles are calibration years.")
BACKTEST_CSS = """
section.backtest .lede { margin: 4px 0; }
section.backtest .status { margin: 4px 0; }
section.backtest .misses { background: #fdf0e8; border-left: 4px solid #D55E00;
       padding: 6px 10px; }
section.backtest .misses.none { background: #eef6f0; border-left-color: #009E73; }
section.backtest .changed { background: #fff7e0; border-left: 4px solid #E69F00;
       padding: 6px 10px; }
table.backtest-scores { border-collapse: collapse; font-size: 13px; margin-top: 6px; }
table.backtest-scores th, table.backtest-scores td { padding: 3px 8px;
       border-top: 1px solid #e4e4e4; text-align: right; font-variant-numeric: tabular-nums; }
table.backtest-scores th[scope="row"], table.backtest-scores td.name { text-align: left; }
table.backtest-scores tr.missed th[scope="row"] { color: #b34700; font-weight: 600; }
section.backtest ul.statements li { margin-bottom: 4px; }
section.backtest h3 { font-size: 1.05em; margin: 18px 0 2px; }
"""


# -- the section -------------------------------------------------------------------------------


def backtest_sections(folders: Iterable[str | Path]) -> list[Section]:
    """One :class:`~simulation.reports.dashboard.report.Section` per backtest, or per group of
    backtests that share scenario, ensemble and settings. Every folder's JSON files are read (and
    refused, if need be) here; the runs' tables of a policy beside its counterfactual when the
    section is rendered (:mod:`simulation.reports.dashboard.backtest_effect`); both before the page
    is written."""
    return sections_for(read_outputs(folders))


def sections_for(outputs: Sequence[BacktestOutput]) -> list[Section]:
    """The sections of backtests already read (:func:`read_outputs`)."""
    made: list[Section] = []
    used: set[str] = set()
    for group in groups(outputs):
        key = "backtest-" + _slug("-".join(o.name for o in group))
        while key in used:
            key += "-"
        used.add(key)

        def render(data, g=group, k=key, first=not made) -> str:
            return section_html(g, k, style=first)

        made.append(Section(key, render))
    return made


def section_html(group: Sequence[BacktestOutput], key: str, style: bool = True) -> str:
    """The whole ``<section>`` of one backtest, or of a policy beside its counterfactual
    (``style``: with the sections' style sheet, which the page needs once)."""
    first = group[0].prediction
    labels = _labels(group)
    names = " beside ".join(labels)
    head = [f'<p class="lede"><strong>{_e(label)}</strong>'
            + (f": {_e(o.prediction.get('description'))}" if o.prediction.get("description")
               else "") + "</p>" for label, o in zip(labels, group)]
    explain = (f"Prediction from {first['first_year']} to {first['last_year']}: "
               f"{first['draws']} parameter draws from the calibrated ensemble, "
               f"{first['replications']} runs each. The calibration saw the years up to "
               f"{first['cut_year']}; only the observed points after it are scored.")
    if len(group) > 1:
        explain += (f" These {len(group)} predictions share the scenario, the ensemble and the "
                    "settings (the same parameter draws and seeds) and differ only in their "
                    "lever files: the gap between their bands is the effect the model predicts "
                    "for the lever changes. Observed points are judged against "
                    f"{judged[0] if (judged := _judge(group)) else labels[0]}.")
    parts = head + [f'<p class="explain">{_e(explain)}</p>']
    parts += [_status(o, label) for o, label in zip(group, labels)]
    parts += [_misses(group, labels)]
    parts += [f'<p class="changed">{_e(label)}: when it was compared, the model\'s code had '
              "changed since the prediction was made; the section shows the frozen prediction "
              "(run the backtest again into a new folder to see the new model beside it).</p>"
              for o, label in zip(group, labels) if (o.report or {}).get("model_changed")]
    parts += [_table(group, labels), _statements(group, labels)]
    if len(group) > 1:
        from simulation.reports.dashboard.backtest_effect import effects_html

        parts.append(effects_html(group, labels))
    parts += [f'<p class="caption">{_e(CAPTION)}</p>']
    judge = _judge(group)
    for series in _all_series(group):
        fig = series_figure(series, group, labels, judge[1] if judge else None)
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False,
                          div_id=f"figure-{key}-{_slug(series)}", config=PLOTLY_CONFIG,
                          default_width="100%")
        statistic = next((c["statistic"] for o in group for c in o.prediction["compare"]
                          if c["key"] == series), "")
        parts.append(f'<h3 data-series="{_e(series)}">{_e(series)} ({_e(statistic)})</h3>{div}')
    parts.append(_provenance(group, labels))
    return (f'<section id="{_e(key)}" class="backtest" data-backtests="'
            f'{_e(" ".join(o.name for o in group))}">'
            + (f"<style>{BACKTEST_CSS}</style>" if style else "") +
            f"<h2>Backtest: {_e(names)}</h2>" + "".join(parts) + "</section>\n")


def _labels(group: Sequence[BacktestOutput]) -> list[str]:
    """The backtests' names, with the folder's name added where two share a name."""
    names = [o.name for o in group]
    return [f"{o.name} ({o.folder.name})" if names.count(o.name) > 1 else o.name
            for o in group]


def _judge(group: Sequence[BacktestOutput]) -> tuple[str, BacktestOutput] | None:
    """The first scored backtest of the group (its label and output): the observed points
    and their misses are shown against its bands."""
    for label, o in zip(_labels(group), group):
        if o.scored:
            return label, o
    return None


def _all_series(group: Sequence[BacktestOutput]) -> list[str]:
    seen: list[str] = []
    for o in group:
        seen += [s for s in o.series() if s not in seen]
    return seen


def _report(o: BacktestOutput) -> dict:
    """The comparison of a scored backtest (``report.json``; read only where ``o.scored``)."""
    return cast(dict, o.report)


def _status(o: BacktestOutput, label: str) -> str:
    if not o.scored:
        return (f'<p class="status" data-scored="false"><strong>{_e(label)}: a prediction '
                "alone, not scored yet.</strong> No observed series has been compared with it; "
                "<code>tipsim backtest FILE --compare --out DIR</code> scores it once they are "
                "published.</p>")
    scored = sum(s["points_scored"] for s in _report(o)["series"])
    if not scored:
        return (f'<p class="status" data-scored="true"><strong>{_e(label)}: compared, with '
                f"no observed point after {o.prediction['cut_year']}</strong>: nothing to score "
                "yet.</p>")
    with_points = sum(1 for s in _report(o)["series"] if s["points_scored"])
    unobserved = sum(1 for s in _report(o)["series"] if s.get("unobserved"))
    note = (f"; {unobserved} declared not observed (no publication gives them)"
            if unobserved else "")
    return (f'<p class="status" data-scored="true"><strong>{_e(label)}: scored</strong> '
            f"against {scored} observed point{'s' * (scored != 1)} after "
            f"{o.prediction['cut_year']}, in {with_points} of {len(_report(o)['series'])} "
            f"series{note}.</p>")


def misses_sentence(o: BacktestOutput) -> str:
    """Which series had observed points outside the 95% interval, in one plain sentence."""
    missed = o.misses()
    if not any(s["points_scored"] for s in _report(o)["series"]):
        return "No observed point after the cut to score."
    if not missed:
        return ("Every observed point after the cut lies inside the 95% interval (randomness "
                "and parameters).")
    listed = "; ".join(f"{s} ({out} of {n})" for s, out, n in
                       ((s, *v) for s, v in missed.items()))
    return (f"Observed points after the cut fell outside the 95% interval (randomness and "
            f"parameters) in {len(missed)} of {len(_report(o)['series'])} series: {listed}.")


def _misses(group: Sequence[BacktestOutput], labels: list[str]) -> str:
    out = []
    for o, label in zip(group, labels):
        if o.scored:
            none = " none" if not o.misses() else ""
            out.append(f'<p class="misses{none}" data-backtest="{_e(o.name)}" data-missed="'
                       f'{_e(" ".join(o.misses()))}"><strong>{_e(label)}:</strong> '
                       f"{_e(misses_sentence(o))}</p>")
    return "".join(out)


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _num(value) -> str:
    return "–" if value is None else fmt_number(value)


def _table(group: Sequence[BacktestOutput], labels: list[str]) -> str:
    scored = [(o, label) for o, label in zip(group, labels) if o.scored]
    if not scored:
        return ""
    many = len(group) > 1
    head = ("<th scope=\"col\">backtest</th>" if many else "") + "".join(
        f'<th scope="col">{h}</th>' for h in (
            "series", "statistic", "points scored", "inside 95%", "inside 50%",
            "inside 95% (randomness alone)", "CRPS (mean)", "CRPS / mean observed"))
    rows = []
    for o, label in scored:
        missed = o.misses()
        for s in _report(o)["series"]:
            attrs = " ".join(f'data-{k.replace("_", "-")}="{_attr(s.get(k))}"' for k in (
                "coverage95", "coverage50", "coverage95_randomness", "crps_mean",
                "crps_relative"))
            rows.append(
                f'<tr data-backtest="{_e(o.name)}" data-series="{_e(s["series"])}" '
                f'data-points-scored="{int(s["points_scored"])}" {attrs}'
                + (' class="missed"' if s["series"] in missed else "") + ">"
                + (f'<td class="name">{_e(label)}</td>' if many else "")
                + f'<th scope="row">{_e(s["series"])}</th><td class="name">'
                f'{_e(s["statistic"])}</td><td>{int(s["points_scored"])}</td>'
                f"<td>{_pct(s.get('coverage95'))}</td><td>{_pct(s.get('coverage50'))}</td>"
                f"<td>{_pct(s.get('coverage95_randomness'))}</td>"
                f"<td>{_e(_num(s.get('crps_mean')))}</td>"
                f"<td>{_pct(s.get('crps_relative'))}</td></tr>")
    return (f'<table class="backtest-scores"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _statements(group: Sequence[BacktestOutput], labels: list[str]) -> str:
    items = [f"<li>{_e(label + ': ' if len(group) > 1 else '')}{_e(s['statement'])}</li>"
             for o, label in zip(group, labels) if o.scored for s in _report(o)["series"]]
    return (f'<details class="statements" open><summary>Where the prediction missed, series by '
            f'series</summary><ul class="statements">{"".join(items)}</ul></details>'
            if items else "")


def _provenance(group: Sequence[BacktestOutput], labels: list[str]) -> str:
    items = []
    for o, label in zip(group, labels):
        p = o.prediction
        model = p.get("model_code_hash") or "not recorded"
        items.append(
            f"<li>{_e(label)}: folder {_e(o.folder.name)}; prediction {_e(p['prediction_digest'])}"
            f" (tipsim {_e(p.get('tipsim_version', '?'))}, model code {_e(model)}); made from "
            + _e(", ".join(f"{k} {v}" for k, v in sorted(p["frozen"].items())))
            + f"; scale {_e(p.get('scale', '?'))}, seed {_e(p.get('seed', '?'))}."
            + (" Scored." if o.scored else " Not scored.") + "</li>")
    method = group[0].prediction.get("method")
    if method:
        items.append(f"<li>Method: {_e(method)}.</li>")
    return (f'<details class="methods"><summary>What the predictions were made from</summary>'
            f'<ul>{"".join(items)}</ul></details>')


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-") or "series"


# -- the figure --------------------------------------------------------------------------------


def series_figure(series: str, group: Sequence[BacktestOutput], labels: Sequence[str],
                  judge: BacktestOutput | None) -> go.Figure:
    """One series: every prediction's bands over the years, the cut year, and the observed
    points of ``judge`` (the first scored backtest), those outside its 95% interval marked."""
    fig = go.Figure()
    many = len(group) > 1
    for i, (o, label) in enumerate(zip(group, labels)):
        rows = o.bands(series)
        if rows:
            _bands(fig, rows, PALETTE[i % len(PALETTE)], text(label) if many else "", label)
    if judge is not None:
        _observed(fig, judge.points(series), text(_labels(group)[group.index(judge)])
                  if many else "")
    cut = group[0].prediction["cut_year"]
    fig.add_vline(x=cut + 0.5, line={"color": "#777777", "dash": "dash"},
                  annotation_text=f"cut: calibrated up to {cut}",
                  annotation_position="top left", annotation_font_color="#555555")
    return _layout(fig, 380, xaxis={"title": "year", "dtick": 1, "tickformat": "d"},
                   yaxis={"title": text(series), "rangemode": "tozero"},
                   legend={"orientation": "h", "y": -0.25}, hovermode="closest",
                   margin={"l": 70, "r": 30, "t": 30, "b": 60})


def _bands(fig: go.Figure, rows: list[dict], colour: str, label: str, group: str) -> None:
    years = [b["year"] for b in rows]
    prefix = f"{label}: " if label else ""

    def band(low: str, high: str, alpha: float, name: str) -> None:
        fig.add_scatter(x=years, y=[b[high] for b in rows], mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip", legendgroup=group)
        fig.add_scatter(x=years, y=[b[low] for b in rows], mode="lines", line={"width": 0},
                        fill="tonexty", fillcolor=_rgba(colour, alpha), name=prefix + name,
                        hoverinfo="skip", legendgroup=group)

    band("combined_low95", "combined_high95", 0.15, "95%, randomness and parameters")
    band("combined_low50", "combined_high50", 0.35, "50%, randomness and parameters")
    if all(b.get("randomness_low95") is not None for b in rows):
        for bound in ("randomness_low95", "randomness_high95"):
            fig.add_scatter(x=years, y=[b[bound] for b in rows], mode="lines",
                            line={"color": colour, "dash": "dot", "width": 1.5},
                            name=prefix + "95%, randomness alone", legendgroup=group,
                            showlegend=bound == "randomness_low95", hoverinfo="skip")
    fig.add_scatter(x=years, y=[b["median"] for b in rows], mode="lines+markers",
                    line={"color": colour, "width": 2}, marker={"size": 5},
                    name=prefix + "median", legendgroup=group,
                    customdata=[[b["combined_low95"], b["combined_high95"], b["combined_low50"],
                                 b["combined_high50"]] for b in rows],
                    hovertemplate=(f"{prefix}%{{x}}<br>median %{{y:,.4~g}}<br>95%: "
                                   "%{customdata[0]:,.4~g} to %{customdata[1]:,.4~g}<br>50%: "
                                   "%{customdata[2]:,.4~g} to %{customdata[3]:,.4~g}"
                                   "<extra></extra>"))


def _observed(fig: go.Figure, points: list[dict], against: str) -> None:
    """The observed points in four kinds: inside the 95% interval after the cut, outside it
    (any year), calibration years inside it, and years the prediction does not cover."""
    outside = (f"observed, outside {against}'s 95% interval" if against
               else "observed, outside the 95% interval")
    kinds = (
        ("observed", lambda p: p["predicted"] and p["after_cut"] and p.get("inside95", True),
         {"color": "#000000", "size": 9, "symbol": "circle"}),
        (outside, lambda p: p["predicted"] and not p.get("inside95", True),
         {"color": MISS_COLOUR, "size": 13, "symbol": "diamond",
          "line": {"color": "#000000", "width": 1}}),
        ("observed, calibration years", lambda p: p["predicted"] and not p["after_cut"]
         and p.get("inside95", True),
         {"color": "#000000", "size": 9, "symbol": "circle-open", "line": {"width": 2}}),
        ("observed, not predicted", lambda p: not p["predicted"],
         {"color": "#888888", "size": 8, "symbol": "x"}),
    )
    for name, chosen, marker in kinds:
        mine = [p for p in points if chosen(p) and p.get("observed") is not None]
        if not mine:
            continue
        fig.add_scatter(
            x=[p["year"] for p in mine], y=[p["observed"] for p in mine], mode="markers",
            marker=marker, name=name,
            customdata=[[text(p.get("source_id", "")),
                         "scored" if p["after_cut"] and p["predicted"] else "not scored",
                         _num(p.get("miss")) if p.get("miss") else "inside"]
                        for p in mine],
            hovertemplate=("%{x}: observed %{y:,.4~g}<br>%{customdata[1]}; beyond the 95% "
                           "interval: %{customdata[2]}<br>source %{customdata[0]}"
                           "<extra></extra>"))


# -- a page of backtests alone ------------------------------------------------------------------


def render_backtest_page(outputs: Sequence[BacktestOutput]) -> str:
    """A self-contained HTML page of backtests alone (no results store): plotly.js inlined
    once, the same style as the dashboard."""
    from plotly.offline import get_plotlyjs

    from simulation._version import __version__
    from simulation.reports.dashboard.page import PAGE_CSS, PRINT_CSS, PRINT_SCRIPT

    # a backtest's sections draw from its folders, not from a batch
    body = "".join(s.render(cast("DashboardData", None)) for s in sections_for(outputs))
    title = _e("Backtest" + "s" * (len(outputs) > 1) + ": " + ", ".join(o.name for o in outputs))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tipsim {_e(__version__)}">
<title>{title}</title>
<style>{PAGE_CSS}{PRINT_CSS}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script>{get_plotlyjs()}</script>
<script>{PRINT_SCRIPT}</script>
</head><body><main>
<header>
<h1>{title}</h1>
<p class="caveat"><strong>A prediction frozen before the observations were read, beside
them.</strong> Each backtest's lever file and prediction were fixed first; the observed series
were compared afterwards. A miss is a result, not a failure to hide.</p>
<p class="meta">Page by tipsim {_e(__version__)}, from the backtests' own files (the model was
not run again).</p>
</header>
{body}
</main></body></html>
"""


def build_backtest_page(folders: Iterable[str | Path], out: str | Path) -> Path:
    """Write the page of the backtests in ``folders`` to ``out`` (whole or not at all)."""
    from simulation.model.files import atomic_write

    page = render_backtest_page(read_outputs(folders))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(target, lambda tmp: tmp.write_text(page, encoding="utf-8"))


# the output folders' reader (simulation.reports.dashboard.backtest_output) keeps this import path
# too
__all__ = ["ALLOWED", "MAX_JSON_BYTES", "PREDICTION", "REPORT", "BacktestOutput",
           "backtest_sections", "build_backtest_page", "groups", "misses_sentence",
           "read_output", "read_outputs", "render_backtest_page", "section_html", "sections_for",
           "series_figure"]
