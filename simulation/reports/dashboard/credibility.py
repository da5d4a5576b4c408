"""The report's model-credibility section: how far the model's baseline can be trusted.

Drawn from :func:`simulation.inference.credibility.credibility`, computed on the batch's own
baseline runs (under parameter uncertainty: what the calibrated ensemble simulates): every
calibration target beside what the runs give, the held-out and out-of-sample checks beside their
published figures, and the stylised facts the model reproduces or not, each with its source. A chart
puts every target on one scale, its published band stretched to the same width, so a reader sees at
a glance which sit inside; tables give the exact numbers (as data attributes too, for the tests).
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from simulation.reports.dashboard.style import layout as _layout
from simulation.reports.dashboard.style import text
from simulation.reports.dashboard.page import PLOTLY_CONFIG
from simulation.reports.dashboard.page import attr as _attr
from simulation.reports.dashboard.page import escape as _e
from simulation.model.display import fmt_number

SECTIONS = (("targets", "Calibration targets (fitted)"),
            ("held_out", "Held-out checks (not fitted)"),
            ("out_of_sample", "Out-of-sample checks by form and by group (never fitted)"))
COLOURS = {"targets": "#0072B2", "held_out": "#009E73", "out_of_sample": "#CC79A7"}
BASIS_LABELS = {"by_construction": "by construction", "fitted": "fitted",
                "emergent": "emergent"}
"""What a check or fact rests on (issue 23); only emergent ones are checks of the model."""


def _basis(row: dict) -> str:
    """The 'Rests on' cell: the label, why, and whether it counts as a check of the model."""
    basis = row.get("basis") or "fitted"
    note = "" if basis == "emergent" else " (not a check of the model)"
    return (f'<td class="basis" data-basis="{_e(basis)}"><strong>'
            f'{_e(BASIS_LABELS.get(basis, basis))}</strong>{_e(note)}<br>'
            f'<span class="reason">{_e(row.get("basis_reason") or "")}</span></td>')


def _num(value) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if 0 < abs(value) < 1:
        return f"{value:.3g}"
    return fmt_number(value)


def credibility_data(data) -> dict[str, Any] | None:
    """The credibility of ``data``'s batch, or None when it cannot be computed (no baseline
    runs with the tables it needs); computed once per report."""
    if data.credibility is not None:
        return data.credibility or None
    from simulation.inference.credibility import credibility
    from simulation.model.errors import UserError

    try:
        value = credibility(data.results, baseline=data.baseline)
    except UserError:
        value = {}
    data.credibility = value
    return value or None


def _scaled(target: dict[str, Any], value: float) -> float:
    """``value`` as a position in the target's published band: 0 its low end, 1 its high."""
    low, high = target["interval"]
    return (value - low) / (high - low)


def credibility_figure(cred: dict[str, Any]) -> go.Figure:
    """Every target on one scale: its published band from 0 to 1, the published value (a
    diamond) and the runs' median with their 5th to 95th percentiles (a dot and a bar)."""
    rows = [(key, t) for key, _ in SECTIONS for t in cred[key]
            if t.get("median") is not None and t["interval"][1] > t["interval"][0]]
    fig = go.Figure()
    labels = [text(t["name"].replace("_", " ")) for _, t in rows]
    for key, title in SECTIONS:
        mine = [(i, t) for i, (k, t) in enumerate(rows) if k == key]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[_scaled(t, t["median"]) for _, t in mine], y=[labels[i] for i, _ in mine],
            mode="markers", name=text(title.split(" (")[0]) + ": simulated median",
            marker=dict(color=COLOURS[key], size=10),
            error_x=dict(type="data", symmetric=False,
                         array=[_scaled(t, t["p95"]) - _scaled(t, t["median"]) for _, t in mine],
                         arrayminus=[_scaled(t, t["median"]) - _scaled(t, t["p5"])
                                     for _, t in mine],
                         color=COLOURS[key], thickness=1.5),
            customdata=[[_num(t["median"]), _num(t["p5"]), _num(t["p95"]),
                         _num(t["interval"][0]), _num(t["interval"][1]),
                         "inside" if t["inside"] else "outside"] for _, t in mine],
            hovertemplate=("%{y}<br>simulated median %{customdata[0]} (5-95%: "
                           "%{customdata[1]} to %{customdata[2]})<br>published band "
                           "%{customdata[3]} to %{customdata[4]}: %{customdata[5]}"
                           "<extra></extra>")))
    fig.add_trace(go.Scatter(
        x=[_scaled(t, t["observed"]) for _, t in rows],
        y=labels, mode="markers", name="published value",
        marker=dict(symbol="diamond-open", color="#222", size=9),
        hovertemplate="%{y}<br>published value<extra></extra>"))
    fig.add_vrect(x0=0, x1=1, fillcolor="#999", opacity=0.15, line_width=0,
                  annotation_text="published band", annotation_position="top left",
                  annotation_font=dict(size=11, color="#555"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="position in the published band (0 = its low end, 1 = its high "
                                "end)", zeroline=False)
    return _layout(fig, 120 + 28 * len(rows),
                   legend=dict(orientation="h", y=-0.25 if len(rows) < 8 else -0.12))


def _target_table(key: str, title: str, targets: list[dict]) -> str:
    if not targets:
        return ""
    labelled = key != "targets"  # fitted targets are fitted: no label to show
    rows = []
    for t in targets:
        low, high = t["interval"]
        verdict = ("not assessed" if t["inside"] is None else
                   "inside" if t["inside"] else "outside")
        simulated = (f"{_num(t['median'])} <span class='range'>({_num(t['p5'])} to "
                     f"{_num(t['p95'])})</span>" if t["median"] is not None
                     else _e(t.get("reason") or ""))
        rows.append(
            f'<tr class="check {verdict.replace(" ", "-")}" data-name="{_e(t["name"])}" '
            f'data-median="{_attr(t["median"])}" data-p5="{_attr(t["p5"])}" '
            f'data-p95="{_attr(t["p95"])}" data-low="{_attr(low)}" data-high="{_attr(high)}" '
            f'data-inside="{_e(verdict)}">'
            f'<th scope="row">{_e(t["description"])}</th>'
            f'<td>{_num(t["observed"])} <span class="range">({_num(low)} to {_num(high)})'
            f'</span></td><td>{simulated}</td><td class="verdict">{_e(verdict)}</td>'
            + (_basis(t) if labelled else "")
            + f'<td class="source">{_e(t["source"])}</td></tr>')
    basis_head = '<th scope="col">Rests on</th>' if labelled else ""
    return (f'<h3>{_e(title)}</h3><table class="credibility" data-part="{_e(key)}"><thead><tr>'
            '<th scope="col">What</th><th scope="col">Published (band)</th>'
            '<th scope="col">Simulated median (5-95%)</th><th scope="col">Verdict</th>'
            f'{basis_head}<th scope="col">Source</th></tr></thead><tbody>{"".join(rows)}'
            '</tbody></table>')


def _facts_table(facts: list[dict]) -> str:
    rows = []
    for f in facts:
        verdict = ("not assessed" if f["reproduced"] is None else
                   "reproduced" if f["reproduced"] else "not reproduced")
        values = ", ".join(f"{k.replace('_', ' ')} {_num(v) if isinstance(v, float) else v}"
                           for k, v in (f.get("values") or {}).items()
                           if isinstance(v, (int, float)) and not isinstance(v, bool))
        why = f'<br><span class="reason">{_e(f["reason"])}</span>' if f.get("reason") else ""
        rows.append(
            f'<tr class="fact {verdict.replace(" ", "-")}" data-name="{_e(f["name"])}" '
            f'data-reproduced="{_e(verdict)}"><th scope="row">{_e(f["statement"])}</th>'
            f'<td>{_e(f["rule"])}<br><span class="range">{_e(values)}</span></td>'
            f'<td class="verdict">{_e(verdict)}{why}</td>{_basis(f)}'
            f'<td class="source">{_e(f["source"])}</td></tr>')
    return ('<h3>Stylised facts</h3><table class="credibility facts"><thead><tr>'
            '<th scope="col">Pattern in the literature</th><th scope="col">How it is checked, '
            'and what the runs give</th><th scope="col">Verdict</th>'
            '<th scope="col">Rests on</th>'
            f'<th scope="col">Source</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def credibility_section(data) -> str:
    """The ``<section id="credibility">`` of the report ("" when it cannot be computed)."""
    cred = credibility_data(data)
    if cred is None:
        return ""
    import plotly.io as pio

    p, s = cred["provenance"], cred["summary"]
    where = ("each run drawing its parameters from the calibrated ensemble"
             + (" and the sampled ranges" if data.uncertainty and
                (data.uncertainty.get("sampled") or {}) else "")
             if p["parameters"] == "ensemble" else
             "each run drawing its parameters from their ranges" if p["parameters"] == "sampled"
             else "at the default parameters")
    labels = s.get("labels", {})
    others = sum(n for part in labels.values() for b, n in part.items() if b != "emergent")
    counts = (f'{s["targets"]["inside"]} of {s["targets"]["total"]} calibration targets, '
              f'{s["held_out"]["inside"]} of {s["held_out"]["total"]} held-out checks and '
              f'{s["out_of_sample"]["inside"]} of {s["out_of_sample"]["total"]} out-of-sample '
              f'checks sit inside their published bands; '
              f'{s["stylised_facts"]["reproduced"]} of {s["stylised_facts"]["total"]} stylised '
              'facts are reproduced. These counts take only emergent checks and facts, those '
              'independent of the fitted targets and of the model\'s rules'
              + (f'; {others} more are shown, labelled fitted or by construction, but are not '
                 'checks of the model.' if others else '.'))
    div = pio.to_html(credibility_figure(cred), include_plotlyjs=False, full_html=False,
                      div_id="figure-credibility", config=PLOTLY_CONFIG,
                      default_width="100%")
    tables = "".join(_target_table(key, title, cred[key]) for key, title in SECTIONS)
    return f"""<section id="credibility" class="credibility-page">
<h2>How credible is the model?</h2>
<p class="explain">A comparison is only as good as the model's picture of the baseline. Here
the batch's own {p["baseline_runs"]} baseline runs ({_e(where)}) are set beside the published
figures the model was calibrated to, those it was not (held out, and by form and by group), and
patterns the literature describes. <strong class="summary">{_e(counts)}</strong> Bands are the
published uncertainty; simulated values are medians over the runs with their 5th to 95th
percentiles, per year at full scale where they are counts.</p>
<p class="caption">Each target's published band is stretched to the same width (grey); the
diamond is the published value, the dot and bar what the runs give.</p>
{div}{tables}{_facts_table(cred["stylised_facts"])}
<p class="explain">Files: {_e(p["files"]["targets"])}, {_e(p["files"]["out_of_sample"])} and
{_e(p["files"]["stylised_facts"])}. A missed check is a known limit of the stylised region,
not a hidden one: docs/ODD.md section 7 discusses each.</p>
</section>
"""


CREDIBILITY_CSS = """
table.credibility { border-collapse: collapse; width: 100%; margin: .5em 0 1.2em;
  font-size: .9em; }
table.credibility th, table.credibility td { border-top: 1px solid #ddd; padding: .35em .5em;
  text-align: left; vertical-align: top; }
table.credibility thead th { border-top: none; color: #555; font-weight: 600; }
table.credibility .range, table.credibility .reason { color: #666; font-size: .92em; }
table.credibility .source { color: #555; font-size: .88em; max-width: 28em; }
tr.inside .verdict, tr.reproduced .verdict { color: #0b6b3a; font-weight: 600; }
tr.outside .verdict, tr.not-reproduced .verdict { color: #a4451a; font-weight: 600; }
tr.not-assessed .verdict { color: #777; }
td.basis[data-basis="fitted"], td.basis[data-basis="by_construction"] { color: #777; }
"""
