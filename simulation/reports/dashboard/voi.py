"""The report's value-of-information section: which research would change the decision.

Curves of EVPI and of the largest EVPPIs over the thresholds (cost per victim-year averted),
and the plain-words summary of :func:`simulation.inference.voi.summary`
(:mod:`simulation.inference.voi`)."""

from __future__ import annotations

import math

CAPTION = ("What perfect knowledge would be worth to the choice of policy, in CU over the "
           "policy period for the simulated region, at each price of a victim-year of "
           "exploitation averted (log scale). The thick line is the value of knowing every "
           "parameter (EVPI); the others the value of knowing one parameter (EVPPI, by "
           "regression over the draws: Strong, Oakley and Brennan 2014). Where a curve is near "
           "zero, research on that parameter would not change the choice.")
TOP = 5


def voi_section(data) -> str:
    """``<section id="value_of_information">`` ("" for a batch without parameter draws or with
    too few of them)."""
    if not data.uncertainty:
        return ""
    import plotly.graph_objects as go

    from simulation.reports.dashboard.page import escape as _e
    from simulation.reports.dashboard.page import figure_section
    from simulation.model.errors import UserError
    from simulation.inference.voi import value_of_information

    try:
        voi = value_of_information(data.results, data.baseline)
    except UserError:
        return ""
    x = [max(t, 1.0) for t in voi["thresholds"]]
    fig = go.Figure()
    fig.add_scatter(x=x, y=voi["evpi"], name="EVPI (every parameter)", line={"width": 4})
    ranked = sorted(voi["parameters"], key=lambda r: -max(
        (v for v in r["evppi"] if math.isfinite(v)), default=0.0))
    for r in ranked[:TOP]:
        fig.add_scatter(x=x, y=r["evppi"], name=_e(r["label"]), mode="lines+markers",
                        error_y={"type": "data", "array": r["se"], "visible": True,
                                 "thickness": 1})
    fig.update_layout(xaxis={"type": "log", "title": "CU per victim-year averted"},
                      yaxis={"title": "CU", "rangemode": "tozero"}, height=420,
                      margin={"t": 30}, legend={"orientation": "h", "y": -0.25})
    words = "".join(f"<li>{_e(line)}</li>" for line in voi["summary"])
    html = figure_section("value_of_information", "Which research would change the decision?",
                          fig, CAPTION)
    return html.replace("</section>", f'<ul class="voi-summary">{words}</ul></section>', 1)
