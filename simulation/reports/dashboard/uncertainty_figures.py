"""The dashboard's charts for a batch over parameter draws: the rank probabilities with the
chance that one scenario beats another, and the cost-effectiveness acceptability curves
(:mod:`simulation.reports.dashboard.figures` lists them with the others)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.reports.dashboard.headline import display_name, fmt_chance, outcome_label
from simulation.reports.dashboard.style import BASELINE_COLOUR, PALETTE, styles, text
from simulation.reports.dashboard.style import layout as _layout
from simulation.reports.dashboard.style import note_figure as _note
from simulation.model.display import fmt_number
from simulation.model.registry import OUTCOMES

RANK_OUTCOMES = ("victim_weeks_exploited", "new_victims", "victims_identified", "convictions",
                 "networks_dismantled")
"""The outcomes the rank chart's menu offers, the first shown when the page opens."""
DIVERGING = [[0, "#E66101"], [0.25, "#FDB863"], [0.5, "#F7F7F7"], [0.75, "#B2ABD2"],
             [1, "#5E3C99"]]


def rank_outcomes(data) -> list[str]:
    """The :data:`RANK_OUTCOMES` the batch's conclusions rank."""
    ranks = (data.uncertainty or {}).get("ranks", {})
    return [o for o in RANK_OUTCOMES if o in ranks]


def ranks_figure(data) -> go.Figure:
    """Which scenario is best, and how sure: for the outcome chosen in the menu, each
    scenario's chance of coming first (one bar each, baseline included; its hover gives the
    chance of every rank) and the chance that the scenario in the row beats the one in the
    column (heatmap), both over the parameter draws.

    Every trace's ``meta`` names its outcome (and ``rank`` 1 for the bars), so what is drawn
    can be checked against :func:`simulation.inference.conclusions.conclusions`."""
    u = data.uncertainty or {}
    outcomes = rank_outcomes(data)
    if not outcomes:
        return _note("No ranks: the batch has no parameter draws of the key outcomes.")
    names = data.scenarios
    labels = [text(display_name(n)) for n in names]
    n = len(names)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.45, 0.55],
                        horizontal_spacing=0.04,
                        subplot_titles=["Chance of being best",
                                        "Chance that the row beats the column"])
    owners = []
    for outcome in outcomes:
        label = outcome_label(outcome)
        ranks = {r["scenario"]: r["probabilities"] for r in u["ranks"][outcome]}
        first = [ranks[s][0] if s in ranks else math.nan for s in names]
        top = max(range(n), key=lambda i: -1 if math.isnan(first[i]) else first[i])
        detail = [f"{lab} on {text(label)}: " + "; ".join(
            f"rank {k + 1} in {fmt_chance(p)}" for k, p in enumerate(ranks.get(s, []))
            if p > 0) + " of the draws" for s, lab in zip(names, labels)]
        fig.add_trace(go.Bar(
            x=first, y=labels, orientation="h", name="Chance of being best",
            marker=dict(color=[BASELINE_COLOUR if s == data.baseline else
                               ("#D55E00" if i == top else PALETTE[0])
                               for i, s in enumerate(names)]),
            text=[fmt_chance(p) for p in first], textposition="outside", cliponaxis=False,
            customdata=detail, hovertemplate="%{customdata}<extra></extra>", showlegend=False,
            meta={"outcome": outcome, "rank": 1}), row=1, col=1)
        owners.append(outcome)
        beats = {(b["scenario"], b["other"]): b["probability"]
                 for b in u.get("beats", {}).get(outcome, [])}
        z = [[None if a == b else beats.get((a, b), math.nan) for b in names] for a in names]
        fig.add_trace(go.Heatmap(
            z=z, x=labels, y=labels, zmin=0, zmax=1, colorscale=DIVERGING, xgap=2, ygap=2,
            text=[["" if v is None else fmt_chance(v) for v in row] for row in z],
            texttemplate="%{text}",
            customdata=[[("" if a == b else f"{la} does better than {lb} on {text(label)} in "
                          f"{fmt_chance(z[i][j])} of the draws")
                         for j, (b, lb) in enumerate(zip(names, labels))]
                        for i, (a, la) in enumerate(zip(names, labels))],
            hovertemplate="%{customdata}<extra></extra>",
            colorbar=dict(title=dict(text="chance row<br>beats column", side="top"),
                          tickformat=".0%", len=0.9, thickness=14),
            meta={"outcome": outcome, "kind": "beats"}), row=1, col=2)
        owners.append(outcome)
    buttons = [dict(label=_ranks_title(o), method="restyle",
                    args=[{"visible": [owner == o for owner in owners]}]) for o in outcomes]
    for trace, owner in zip(fig.data, owners):
        trace.visible = owner == outcomes[0]
    menu = dict(buttons=buttons, active=0, x=0, xanchor="left", y=1.0, yanchor="bottom",
                direction="down", showactive=True, pad=dict(b=40))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 1.12], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     row=1, col=1)
    fig.update_xaxes(side="bottom", tickangle=-35, row=1, col=2)
    return _layout(fig, max(380, 240 + 40 * n), updatemenus=[menu], showlegend=False,
                   margin=dict(l=190, r=30, t=130, b=150))


def _ranks_title(outcome: str) -> str:
    """The menu's entry: the outcome and which way is better."""
    word = "fewer" if OUTCOMES[outcome].higher_is_better is False else "more"
    return f"{outcome_label(outcome)} ({word} is better)"


def acceptability_figure(data) -> go.Figure:
    """Cost-effectiveness acceptability curves: for each threshold (what one would pay to avert
    a victim-year of exploitation), the chance over the parameter draws that the policy is
    worth its extra cost. The threshold axis is logarithmic; a threshold of 0 (is the policy
    cost-saving as well as effective?) is drawn one decade left of the smallest positive one,
    past a dotted break, and labelled 0. Each point's real threshold is in its
    ``customdata[0]``."""
    acc = (data.uncertainty or {}).get("acceptability") or {}
    thresholds = np.asarray(acc.get("thresholds", []), dtype=float)
    curves = acc.get("curves", [])
    positive = thresholds[thresholds > 0]
    if not curves or len(positive) < 2:
        return _note("No acceptability curves: these results have no policy costs, or no draw "
                     "of any policy averts exploitation at a positive extra cost.")
    smallest, largest = float(positive.min()), float(positive.max())
    zero_at = smallest / 10
    x = np.where(thresholds > 0, thresholds, zero_at)
    style = styles(data)
    fig = go.Figure()
    for curve in curves:
        name = curve["scenario"]
        label = text(display_name(name))
        share = curve.get("share_averting", math.nan)
        probs = np.asarray(curve["probabilities"], dtype=float)
        fig.add_trace(go.Scatter(
            x=x, y=probs, mode="lines", opacity=0.6,
            line=dict(color=style[name]["color"], dash=style[name]["dash"], width=1.5),
            name=f"{label} (averts exploitation in {fmt_chance(share)} of the draws)",
            customdata=[[float(t), f"{label}: at {fmt_number(t)} CU per victim-year averted, "
                         f"worth its cost in {fmt_chance(p)} of the draws"]
                        for t, p in zip(thresholds, probs)],
            hovertemplate="%{customdata[1]}<extra></extra>", meta={"scenario": name}))
    front = acceptability_frontier(data, thresholds)
    if front is not None:
        best_at, chance = front
        fig.add_trace(go.Scatter(
            x=x, y=chance, mode="lines", line=dict(color="#222", width=4), opacity=0.85,
            name="<b>Acceptability frontier</b>: the choice with the highest expected net "
                 "benefit at that price, and the chance that it is the best choice",
            customdata=[[float(t), f"at {fmt_number(t)} CU per victim-year averted, the best "
                         f"choice is {text(display_name(b))} (best in {fmt_chance(p)} of the "
                         "draws)"] for t, b, p in zip(thresholds, best_at, chance)],
            hovertemplate="%{customdata[1]}<extra></extra>",
            meta={"scenario": None, "kind": "frontier", "best": list(best_at)}))
    decades = 10.0 ** np.arange(math.floor(math.log10(smallest)),
                                math.ceil(math.log10(largest)) + 1)
    ticks = [zero_at] * bool((thresholds == 0).any()) + list(decades)
    fig.update_xaxes(type="log", tickvals=ticks,
                     ticktext=[("0" if t == zero_at else fmt_number(t)) for t in ticks],
                     title_text="What averting one victim-year of exploitation is worth "
                                "(CU, log scale)", showgrid=True)
    if (thresholds == 0).any():
        fig.add_vline(x=math.sqrt(zero_at * smallest), line=dict(color="#999", dash="dot",
                                                                 width=1))
    fig.add_hline(y=0.5, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%",
                     title_text="Chance the policy is worth its cost")
    legend = 21 * (len(curves) + 2)  # a line per curve and two for the frontier, below
    return _layout(fig, 420 + legend, hovermode="closest",
                   legend=dict(orientation="h", y=-0.2, yanchor="top"),
                   margin=dict(l=70, r=30, t=30, b=80 + legend))


def acceptability_frontier(data, thresholds) -> tuple[list[str], np.ndarray] | None:
    """The cost-effectiveness acceptability frontier (Fenwick, Claxton and Sculpher 2001): at
    each threshold (CU one would pay to avert a victim-year of exploitation), the choice, the
    baseline included, with the highest expected net benefit over the parameter draws, and the
    share of draws in which that choice has the highest net benefit of all (ties count as
    shared). Net benefit of a policy in a draw: threshold x victim-years it averts against the
    baseline - its extra cost, each the draw's mean over the runs every scenario has. None
    when the batch has no draws or no costs."""
    results = getattr(data, "results", None)
    runs = getattr(results, "runs", None)
    needed = {"scenario", "point", "replication", "policy_cost", "victim_weeks_exploited"}
    if runs is None or not needed <= set(runs.columns) or len(data.scenarios) < 2:
        return None
    keys = ["point", "replication"]
    wide = {s: runs[runs["scenario"] == s].set_index(keys)[["policy_cost",
                                                            "victim_weeks_exploited"]]
            for s in data.scenarios}
    common = None
    for frame in wide.values():
        common = frame.index if common is None else common.intersection(frame.index)
    if common is None or len(common) == 0:
        return None
    per_draw = {s: w.loc[common].groupby(level="point").mean() for s, w in wide.items()}
    base = per_draw[data.baseline]
    names = list(per_draw)
    t = np.asarray(thresholds, dtype=float)
    net = np.stack([  # options x draws x thresholds
        np.outer((base["victim_weeks_exploited"] - d["victim_weeks_exploited"]).to_numpy()
                 / WEEKS_PER_YEAR, t) - (d["policy_cost"] - base["policy_cost"]).to_numpy()[
            :, None] for d in per_draw.values()])
    optimal = net.mean(axis=1).argmax(axis=0)  # the choice with the highest expected net benefit
    top = net.max(axis=0)
    wins = net == top[None]  # which options have the highest net benefit in each draw
    share = wins / wins.sum(axis=0)[None]  # ties shared
    chance = np.array([share[optimal[j], :, j].mean() for j in range(len(t))])
    return [names[j] for j in optimal], chance
