"""The dashboard's charts: one plotting path for the static report and the live explorer.

Each builder takes a :class:`~simulation.reports.dashboard.data.DashboardData` and returns a plotly
figure. Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies;
Okabe & Ito 2008), the baseline always black; beyond seven policies colours repeat with a
different dash. Every name that came from a user (scenario, jurisdiction) is HTML-escaped
before plotly sees it, because plotly renders a subset of HTML in its text.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.reports.dashboard.headline import display_name, outcome_label
from simulation.reports.dashboard.style import (BASELINE_COLOUR, DASHES, FONT, PALETTE, rgba,
                                                styles, text)
from simulation.reports.dashboard.style import layout as _layout
from simulation.reports.dashboard.style import note_figure as _note
from simulation.reports.dashboard.uncertainty_figures import (RANK_OUTCOMES, acceptability_figure,
                                                              acceptability_frontier, rank_outcomes,
                                                              ranks_figure)
from simulation.model.display import fmt_number, fmt_percent
from simulation.model.registry import OUTCOMES
from simulation.reports.shown import MIN_BASE_FOR_PERCENT

SERIES = (("victims_in_exploitation", "stock"), ("new_victims", "flow"),
          ("victims_identified", "flow"), ("arrests", "flow"), ("convictions", "flow"),
          ("networks_active", "stock"))
"""Time-series panels: stocks are weekly means, flows are totals per BIN weeks."""
BIN = 4
ZCAP = 0.3  # changes beyond +-30% share the strongest colour, so modest ones stay visible
DISRUPTION = ("arrests", "prosecutions", "convictions", "networks_active", "networks_dismantled",
              "disruptions_major", "share_confiscated")


# -- time series ---------------------------------------------------------------------------


def series_bands(weekly: pd.DataFrame) -> pd.DataFrame:
    """Region series per scenario and BIN-week period: 10th, 50th and 90th percentile and the
    mean over runs. Columns: scenario, week (period start), outcome, q10, q50, q90, mean."""
    cols = [c for c, _ in SERIES if c in weekly.columns]
    keys = ["scenario", "point", "replication"]
    region = weekly.groupby(keys + ["week"], observed=True, sort=False)[cols].sum().reset_index()
    region["period"] = (region["week"] // BIN) * BIN
    grouped = region.groupby(keys + ["period"], observed=True, sort=False)
    per_run = grouped[cols].mean()
    flows = [c for c, kind in SERIES if kind == "flow" and c in cols]
    per_run[flows] = per_run[flows] * BIN  # a mean per week times BIN: a full period's total
    long = per_run.reset_index().melt(id_vars=keys + ["period"], var_name="outcome")
    q = long.groupby(["scenario", "period", "outcome"], observed=True, sort=False)["value"]
    out = pd.concat({f"q{int(p * 100)}": q.quantile(p) for p in (0.1, 0.5, 0.9)}
                    | {"mean": q.mean()}, axis=1)
    return out.reset_index().rename(columns={"period": "week"})


def timeseries_figure(data) -> go.Figure:
    """Key outcomes week by week: the 10-90% band over runs and, for stocks, the median; for
    flows (events counted per period: arrests, convictions...) the mean, since where events
    are rare most runs count none in a period and the median sits at zero under the band.
    Policy start marked. A menu shows the baseline against one scenario at a time, or every
    scenario's line."""
    weekly = data.results.weekly
    if weekly is None or weekly.empty:
        return _note("No weekly series in these results: set record = \"weekly\" in the "
                     "experiment file to see them.")
    bands = series_bands(weekly)
    panels = [c for c, _ in SERIES if c in set(bands["outcome"])]
    titles = [f"{outcome_label(c)}" + (f" (per {BIN} weeks)" if k == "flow" else " (weekly)")
              for c, k in SERIES if c in panels]
    rows = math.ceil(len(panels) / 2)
    fig = make_subplots(rows=rows, cols=2, subplot_titles=titles, vertical_spacing=0.11,
                        horizontal_spacing=0.08)
    style = styles(data)
    flows = {c for c, kind in SERIES if kind == "flow"}
    owners = []  # (scenario, is_band) per trace, for the menu
    for i, outcome in enumerate(panels):
        r, c = i // 2 + 1, i % 2 + 1
        centre, word = ("mean", "mean") if outcome in flows else ("q50", "median")
        for name in data.scenarios:
            b = bands[(bands["scenario"] == name) & (bands["outcome"] == outcome)]
            if b.empty:
                continue
            s = style[name]
            label = text(display_name(name))
            fig.add_trace(go.Scatter(x=b["week"], y=b["q90"], mode="lines", line=dict(width=0),
                                     hoverinfo="skip", showlegend=False, legendgroup=name),
                          row=r, col=c)
            fig.add_trace(go.Scatter(x=b["week"], y=b["q10"], mode="lines", line=dict(width=0),
                                     fill="tonexty", fillcolor=rgba(s["color"], 0.15),
                                     hoverinfo="skip", showlegend=False, legendgroup=name),
                          row=r, col=c)
            fig.add_trace(go.Scatter(
                x=b["week"], y=b[centre], mode="lines", name=label, legendgroup=name,
                line=dict(color=s["color"], dash=s["dash"], width=2), showlegend=i == 0,
                customdata=np.stack([b["q10"], b["q90"]], axis=1), meta={"centre": word},
                hovertemplate=(f"{label}<br>week %{{x}}: {word} %{{y:,.3~s}} (10-90%: "
                               "%{customdata[0]:,.3~s} to %{customdata[1]:,.3~s})"
                               "<extra></extra>")),
                row=r, col=c)
            owners += [(name, True), (name, True), (name, False)]
    starts = {0: "policy period starts"} | {w: "policy starts" for w in
                                            data.policy_starts.values() if w > 0}
    for week, label in starts.items():
        fig.add_vline(x=week, line=dict(color="#666", dash="dot", width=1))
        fig.add_annotation(x=week, y=0.02, xref="x", yref="y domain", text=f"{label} ",
                           showarrow=False, xanchor="right", yanchor="bottom", textangle=0,
                           font=dict(size=11, color="#555"))
    fig.update_xaxes(title_text="weeks since the policy period started", row=rows)
    buttons = _series_menu(data, owners)
    default = 0 if len(data.scenarios) <= 3 or len(buttons) == 1 else 1
    for trace, visible in zip(fig.data, buttons[default]["args"][0]["visible"]):
        trace.visible = visible
    menu = dict(buttons=buttons, active=default, x=0, xanchor="left", y=1.09, yanchor="bottom",
                direction="down", showactive=True)
    return _layout(fig, 250 * rows + 120, updatemenus=[menu], hovermode="closest",
                   legend=dict(orientation="h", y=-0.08, yanchor="top"),
                   margin=dict(l=60, r=30, t=110, b=60))


def _series_menu(data, owners: list[tuple[str, bool]]) -> list[dict]:
    show_bands = len(data.scenarios) <= 3
    buttons = [dict(label="All scenarios" + ("" if show_bands else " (medians)"),
                    method="restyle",
                    args=[{"visible": [show_bands or not band for _, band in owners]}])]
    for name in data.policies:
        buttons.append(dict(label=f"Baseline vs {text(display_name(name))}", method="restyle",
                            args=[{"visible": [s in (data.baseline, name) for s, _ in owners]}]))
    return buttons


# -- per jurisdiction ----------------------------------------------------------------------


def jurisdiction_figure(data) -> go.Figure:
    """Change against the baseline in each jurisdiction: victim-years of exploitation and
    victims identified, in percent of the baseline's level there. Colour says better (blue) or
    worse (orange) for victims; cells whose interval includes zero stay white and say
    'unclear'. Where the baseline's level is under ``MIN_BASE_FOR_PERCENT`` the cell gives the
    change itself, uncoloured (a percentage of almost nothing says little)."""
    table = data.by_jurisdiction
    if table.empty or not data.policies:
        return _note("No per-jurisdiction comparison (one scenario only, or no results).")
    outcomes = [o for o in ("victim_weeks_exploited", "victims_identified")
                if o in set(table["outcome"])]
    names = {"victim_weeks_exploited": "Victim-years of exploitation",
             "victims_identified": "Victims identified"}
    panel, gap = 40 + 44 * len(data.policies), 110  # pixels: room for labels and a title
    plot_height = panel * len(outcomes) + gap * (len(outcomes) - 1)
    fig = make_subplots(rows=len(outcomes), cols=1, vertical_spacing=gap / plot_height,
                        subplot_titles=[names[o] for o in outcomes])
    places = list(dict.fromkeys(table["jurisdiction"]))
    rows = list(reversed(data.policies))
    zmax = 0.05
    for k, outcome in enumerate(outcomes):
        per = WEEKS_PER_YEAR if outcome == "victim_weeks_exploited" else 1.0
        good = 1 if OUTCOMES[outcome].higher_is_better else -1
        part = table[table["outcome"] == outcome].set_index(["scenario", "jurisdiction"])
        base = table[(table["outcome"] == outcome) & (table["scenario"] == data.baseline)
                     ].set_index("jurisdiction")["mean"]
        z, cells, hover = [], [], []
        for name in rows:
            zr, tr, hr = [], [], []
            for place in places:
                row = part.loc[(name, place)] if (name, place) in part.index else None
                rel = float(row["relative_change"]) if row is not None else math.nan
                clear = bool(row["excludes_zero"]) if row is not None else False
                if not abs(base.get(place, math.nan)) / per >= MIN_BASE_FOR_PERCENT:
                    # a percentage of almost nothing (simulation.reports.shown): the change itself,
                    # uncoloured
                    diff = float(row["difference"]) / per if row is not None else math.nan
                    zr.append(0.0)
                    tr.append(fmt_number(diff, True) + ("" if clear else "<br>unclear"))
                    hr.append(_cell_hover(row, base.get(place, math.nan), per, clear)
                              if row is not None else "")
                    continue
                zr.append(good * rel if clear and math.isfinite(rel) else 0.0)
                tr.append(fmt_percent(rel) + ("" if clear else "<br>unclear"))
                hr.append(_cell_hover(row, base.get(place, math.nan), per, clear)
                          if row is not None else "")
            z.append(zr)
            cells.append(tr)
            hover.append(hr)
        finite = [abs(v) for zr in z for v in zr if math.isfinite(v)]
        zmax = min(max([zmax] + finite), ZCAP)
        fig.add_trace(go.Heatmap(
            z=z, x=[text(p) + f"<br>base {fmt_number(base.get(p, math.nan) / per)}"
                    for p in places],
            y=[text(display_name(n)) for n in rows], text=cells, texttemplate="%{text}",
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            coloraxis="coloraxis", xgap=2, ygap=2), row=k + 1, col=1)
    fig.update_layout(coloraxis=dict(
        cmin=-zmax, cmax=zmax, colorscale=[[0, "#E66101"], [0.25, "#FDB863"], [0.5, "#F7F7F7"],
                                           [0.75, "#B2ABD2"], [1, "#5E3C99"]],
        colorbar=dict(title=dict(text="worse | better<br>for victims", side="top"),
                      tickformat="+.0%", nticks=5, len=1.0, y=0.5, yanchor="middle")))
    fig.update_xaxes(side="bottom", tickangle=0)
    return _layout(fig, plot_height + 110, margin=dict(l=150, r=30, t=40, b=70))


def _cell_hover(row, base: float, per: float, clear: bool) -> str:
    return (f"{text(display_name(row.name[0]))}, {text(row.name[1])}<br>"
            f"mean {fmt_number(row['mean'] / per)} (baseline {fmt_number(base / per)})<br>"
            f"difference {fmt_number(row['difference'] / per, True)}, 95% interval "
            f"{fmt_number(row['difference_low'] / per, True)} to "
            f"{fmt_number(row['difference_high'] / per, True)}"
            + ("" if clear else "<br>not distinguishable from no change"))


# -- victim pathway ------------------------------------------------------------------------

_CHANNELS = ("identified_police", "identified_ngo", "identified_inspection", "identified_self")
PATHWAY_NODES = {
    "first": ("Trafficked for the first time", "#BBBBBB"),
    "again": ("Re-trafficked (former victims)", "#D55E00"),
    "trafficked": ("People trafficked", "#777777"),
    "identified": ("Identified", "#0072B2"),
    "misidentified": ("Treated as offenders", "#E69F00"),
    "self_rescued": ("Self-rescued", "#CC79A7"),
    "released": ("Released by the network", "#999999"),
    "not_identified": ("Still exploited or in transit at the end", "#BBBBBB"),
    "identified_police": ("Identified by police", "#0072B2"),
    "identified_ngo": ("Identified by NGOs", "#0072B2"),
    "identified_inspection": ("Identified at inspections", "#0072B2"),
    "identified_self": ("Self-referred", "#0072B2"),
    "identified_all": ("Identified (all channels)", "#56B4E9"),
    "supported": ("Given a shelter place", "#009E73"),
    "unsupported": ("No shelter place (yet)", "#E69F00"),
    "reintegrated": ("Reintegrated", "#009E73"),
    "other_exit": ("Still in support or returned", "#BBBBBB"),
}
PATHWAY_OUTCOMES = ("new_victims", "victims_retrafficked", "victims_misidentified",
                    "victims_self_rescued", "victims_released",
                    "victims_supported", "victims_reintegrated", *_CHANNELS)


def pathway_values(m: dict[str, float]) -> dict[str, float]:
    """Mean people at each pathway node, from a scenario's mean outcomes."""
    identified = sum(m[c] for c in _CHANNELS)
    return {"first": max(0.0, m["new_victims"] - m["victims_retrafficked"]),
            "again": m["victims_retrafficked"], "trafficked": m["new_victims"],
            "identified": identified, "misidentified": m["victims_misidentified"],
            "self_rescued": m["victims_self_rescued"], "released": m["victims_released"],
            "not_identified": max(0.0, m["new_victims"] - identified - m["victims_misidentified"]
                                  - m["victims_self_rescued"] - m["victims_released"]),
            **{c: m[c] for c in _CHANNELS}, "identified_all": identified,
            "supported": m["victims_supported"],
            "unsupported": max(0.0, identified - m["victims_supported"]),
            "reintegrated": m["victims_reintegrated"],
            "other_exit": max(0.0, m["victims_supported"] - m["victims_reintegrated"])}


def pathway_flows(v: dict[str, float]) -> tuple[list, list]:
    """Links (source, target, people) of the two diagrams: everyone trafficked, and what
    happens after identification. The model counts flows over the policy period, so people
    identified or supported then may have been trafficked before it; links are clipped so that
    no node gives out more than it took in."""
    again = min(v["again"], v["trafficked"])
    exits = ("identified", "misidentified", "self_rescued", "released")
    out = sum(v[k] for k in exits)
    # exits in the period include people trafficked before it: if they outnumber the people
    # trafficked in it, show the exits in proportion (the node labels keep the real counts)
    shrink = min(1.0, v["trafficked"] / out) if out > 0 else 1.0
    overview = [("first", "trafficked", v["trafficked"] - again), ("again", "trafficked", again)]
    overview += [("trafficked", k, v[k] * shrink) for k in exits]
    overview += [("trafficked", "not_identified", v["not_identified"])]
    supported = min(v["supported"], v["identified_all"])
    reintegrated = min(v["reintegrated"], supported)
    after = [(c, "identified_all", v[c]) for c in _CHANNELS]
    after += [("identified_all", "supported", supported),
              ("identified_all", "unsupported", v["identified_all"] - supported),
              ("supported", "reintegrated", reintegrated),
              ("supported", "other_exit", supported - reintegrated)]
    keep = lambda links: [(s, t, x) for s, t, x in links if x > 0]  # noqa: E731
    return keep(overview), keep(after)


def pathway_figure(data) -> go.Figure:
    """The victim pathway as two Sankey diagrams, one scenario at a time (menu): where everyone
    trafficked ends up, and, on its own scale, what happens to those identified. Each node is
    labelled with the scenario's mean and the baseline's."""
    runs = data.results.runs
    if any(n not in runs.columns for n in PATHWAY_OUTCOMES):
        return _note("These results lack the victim-pathway outcomes.")
    values = {s: pathway_values({n: data.mean(s, n) for n in PATHWAY_OUTCOMES})
              for s in data.scenarios}
    fig = go.Figure()
    for name in data.scenarios:
        for part, links in enumerate(pathway_flows(values[name])):
            keys = list(dict.fromkeys([k for s, t, _ in links for k in (s, t)]))
            labels = [f"{PATHWAY_NODES[k][0]}<br>{fmt_number(values[name][k])}"
                      + ("" if name == data.baseline else
                         f" (baseline {fmt_number(values[data.baseline][k])})") for k in keys]
            fig.add_trace(go.Sankey(
                name=text(display_name(name)), arrangement="snap", valueformat=",.3~s",
                domain=dict(x=[0, 1], y=[0.56, 1.0] if part == 0 else [0, 0.4]),
                node=dict(label=labels, color=[PATHWAY_NODES[k][1] for k in keys],
                          pad=30 - 8 * part, thickness=16, line=dict(width=0),
                          hovertemplate="%{label}<extra></extra>"),
                link=dict(source=[keys.index(s) for s, _, _ in links],
                          target=[keys.index(t) for _, t, _ in links],
                          value=[x for _, _, x in links], color="rgba(120,120,120,0.25)",
                          hovertemplate="%{value:,.3~s} people<extra></extra>"),
                visible=False))
    default = 1 if data.policies else 0
    fig.data[2 * default].visible = fig.data[2 * default + 1].visible = True
    buttons = [dict(label=text(display_name(n)) + (" (baseline)" if n == data.baseline else ""),
                    method="restyle",
                    args=[{"visible": [i // 2 == k for i in range(2 * len(data.scenarios))]}])
               for k, n in enumerate(data.scenarios)]
    menu = dict(buttons=buttons, active=default, x=0, xanchor="left", y=1.08, yanchor="bottom",
                direction="down")
    for y, title in ((1.0, "Everyone trafficked in the policy period"),
                     (0.44, "After identification (its own scale)")):
        fig.add_annotation(text=title, x=0.5, y=y, xref="paper", yref="paper", showarrow=False,
                           yanchor="bottom", font=dict(size=14))
    return _layout(fig, 720, updatemenus=[menu], margin=dict(l=20, r=20, t=80, b=20))


# -- disruption ----------------------------------------------------------------------------


def disruption_figure(data) -> go.Figure:
    """Arrests, prosecutions, convictions, networks active and dismantled, major disruptions
    and the share of criminal revenue confiscated: mean per scenario with its 95% interval.
    Faded bars: the difference from the baseline is not distinguishable from no change."""
    outcomes = [o for o in DISRUPTION if data.row(data.baseline, o) is not None]
    if not outcomes:
        return _note("These results lack the disruption outcomes.")
    fig = make_subplots(rows=1, cols=len(outcomes), shared_yaxes=True,
                        horizontal_spacing=0.025,
                        subplot_titles=[outcome_label(o).replace(" ", "<br>", 1)
                                        if len(outcome_label(o)) > 12 else outcome_label(o)
                                        for o in outcomes])
    style = styles(data)
    order = list(reversed(data.scenarios))
    labels = [text(display_name(n)) for n in order]
    for k, outcome in enumerate(outcomes):
        rows = [data.row(n, outcome) for n in order]
        clear = [n == data.baseline or bool(r["excludes_zero"]) for n, r in zip(order, rows)]
        means = np.array([r["mean"] for r in rows], float)
        fig.add_trace(go.Bar(
            x=means, y=labels, orientation="h", showlegend=False,
            marker=dict(color=[style[n]["color"] for n in order],
                        opacity=[1.0 if c else 0.35 for c in clear]),
            error_x=dict(type="data", symmetric=False, color="#444", thickness=1.2,
                         array=np.nan_to_num([r["ci_high"] for r in rows] - means),
                         arrayminus=np.nan_to_num(means - [r["ci_low"] for r in rows])),
            customdata=[_bar_hover(n, r, data.baseline) for n, r in zip(order, rows)],
            hovertemplate="%{customdata}<extra></extra>"), row=1, col=k + 1)
        fig.add_vline(x=data.row(data.baseline, outcome)["mean"], row=1, col=k + 1,
                      line=dict(color="#000", dash="dot", width=1))
        fig.update_xaxes(rangemode="tozero", row=1, col=k + 1)
    return _layout(fig, max(300, 140 + 30 * len(order)), bargap=0.25,
                   margin=dict(l=150, r=20, t=80, b=40))


FORM_COLOURS = {"sexual": "#b2182b", "labour": "#2166ac", "criminal": "#5aae61"}


def forms_figure(data) -> go.Figure:
    """Each policy's change from the baseline, form by form (sexual, labour, criminal side by
    side), in percent, with its 95% interval: a policy that works for one form of exploitation
    and not another shows here. Faded bars: not distinguishable from no change. No bar where
    the baseline's level for that form is under ``MIN_BASE_FOR_PERCENT`` (a percentage of
    almost nothing)."""
    table = data.by_form
    if table.empty or not data.policies:
        return _note("These results have no outcomes by form of exploitation (stores written "
                     "before results by form existed), or no policy to compare.")
    from simulation.reports.dashboard.data import FORM_CHART_OUTCOMES

    outcomes = [o for o in FORM_CHART_OUTCOMES if o in set(table["outcome"])]
    fig = make_subplots(rows=1, cols=len(outcomes), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[outcome_label(o) for o in outcomes])
    order = list(reversed(data.policies))
    labels = [text(display_name(n)) for n in order]
    for k, outcome in enumerate(outcomes):
        for form, colour in FORM_COLOURS.items():
            rows = table[(table["outcome"] == outcome) & (table["form"] == form)]
            if rows.empty:
                continue
            rows = rows.set_index("scenario")
            base = float(rows.loc[data.baseline, "mean"]) if data.baseline in rows.index else 0
            per = WEEKS_PER_YEAR if outcome == "victim_weeks_exploited" else 1.0
            if not abs(base) / per >= MIN_BASE_FOR_PERCENT:  # a percentage of almost nothing
                base = 0.0  # (simulation.reports.shown): no bar
            pct = [100 * rows.loc[n, "difference"] / base if base and n in rows.index
                   else np.nan for n in order]
            low = [100 * rows.loc[n, "difference_low"] / base if base and n in rows.index
                   else np.nan for n in order]
            high = [100 * rows.loc[n, "difference_high"] / base if base and n in rows.index
                    else np.nan for n in order]
            clear = [bool(rows.loc[n, "excludes_zero"]) if n in rows.index else False
                     for n in order]
            pct_arr = np.array(pct, float)
            fig.add_trace(go.Bar(
                x=pct_arr, y=labels, orientation="h", name=form, legendgroup=form,
                showlegend=k == 0, marker=dict(color=colour,
                                               opacity=[1.0 if c else 0.35 for c in clear]),
                error_x=dict(type="data", symmetric=False, color="#444", thickness=1,
                             array=np.nan_to_num(np.array(high, float) - pct_arr),
                             arrayminus=np.nan_to_num(pct_arr - np.array(low, float))),
                customdata=[f"{text(display_name(n))}, {form}: {fmt_number(p, True)}% "
                            f"({fmt_number(lo, True)}% to {fmt_number(hi, True)}%)"
                            for n, p, lo, hi in zip(order, pct, low, high)],
                hovertemplate="%{customdata}<extra></extra>"), row=1, col=k + 1)
        fig.add_vline(x=0, row=1, col=k + 1, line=dict(color="#000", width=1))
        fig.update_xaxes(ticksuffix="%", row=1, col=k + 1)
    return _layout(fig, max(320, 160 + 45 * len(order)), barmode="group", bargap=0.2,
                   margin=dict(l=150, r=20, t=80, b=40))


def _bar_hover(name: str, row: dict, baseline: str) -> str:
    head = (f"{text(display_name(name))}: {fmt_number(row['mean'])} (95% interval "
            f"{fmt_number(row['ci_low'])} to {fmt_number(row['ci_high'])})")
    if name == baseline:
        return head + "<br>baseline"
    verdict = ("" if row["excludes_zero"] else ", not distinguishable from no change")
    return (head + f"<br>vs baseline {fmt_number(row['difference'], True)} "
            f"({fmt_number(row['difference_low'], True)} to "
            f"{fmt_number(row['difference_high'], True)}){verdict}")


FIGURES = (
    ("timeseries", "Key outcomes over time", timeseries_figure),
    ("jurisdictions", "Where victims are exploited and identified", jurisdiction_figure),
    ("pathway", "The victim pathway", pathway_figure),
    ("disruption", "Disruption of trafficking networks", disruption_figure),
    ("forms", "Forms of exploitation side by side", forms_figure),
)
"""Every chart of the dashboard: (key, title, builder), in the order shown."""

UNCERTAINTY_FIGURES = (
    ("ranks", "Which policy is best, and how sure", ranks_figure),
    ("acceptability", "Is it worth the cost? Acceptability curves", acceptability_figure),
)
"""The charts a batch over parameter draws adds, shown before the others."""


def figures_for(data) -> tuple:
    """The charts of ``data``'s report: :data:`FIGURES`, after :data:`UNCERTAINTY_FIGURES`
    for a batch over parameter draws."""
    return (UNCERTAINTY_FIGURES if data.uncertainty else ()) + FIGURES


def all_figures(data) -> dict[str, go.Figure]:
    return {key: build(data) for key, _, build in figures_for(data)}


# the look (simulation.reports.dashboard.style) and the uncertainty charts
# (simulation.reports.dashboard.uncertainty_figures) keep this module as their import path too
__all__ = ["BASELINE_COLOUR", "DASHES", "FIGURES", "FONT", "PALETTE", "RANK_OUTCOMES", "SERIES",
           "UNCERTAINTY_FIGURES", "acceptability_figure", "acceptability_frontier",
           "all_figures", "disruption_figure", "figures_for", "forms_figure",
           "jurisdiction_figure", "pathway_figure", "pathway_flows", "pathway_values",
           "rank_outcomes", "ranks_figure", "series_bands", "styles", "text",
           "timeseries_figure"]
