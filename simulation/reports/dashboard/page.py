"""The parts every HTML page of tipsim shares: plotly's settings, the sections below a
dashboard's cards, escaping of user text, JSON safe in a script element, and the style sheets
(the dashboard, the calibration report and the backtest page use them)."""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import plotly.io as pio

if TYPE_CHECKING:
    from simulation.reports.dashboard.data import DashboardData

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


@dataclass(frozen=True)
class Section:
    """One part of the page below the cards.

    ``render(data)`` returns the whole ``<section id="KEY">`` element, or "" to leave it out
    (for a batch that has nothing to show there). :func:`figure_section` makes the element for
    a plotly chart. Every string from a user must be escaped (:func:`html.escape`)."""

    key: str
    render: Callable[[DashboardData], str]


def shareable(data: DashboardData, value):
    """``value`` (a manifest, a path) with every absolute path made relative to the experiment
    file's folder, so a report shared with others does not carry the folders of the machine
    that made it."""
    m = data.results.manifest
    start = (m.get("experiment_file") or {}).get("path")
    start = os.path.dirname(start) if start and os.path.isabs(start) else None

    def rel(text: str) -> str:
        if not os.path.isabs(text):
            return text
        if start is None:
            return os.path.basename(text.rstrip("/\\")) or text
        try:
            return os.path.normpath(os.path.relpath(text, start))
        except ValueError:  # another drive
            return os.path.basename(text)

    if isinstance(value, dict):
        return {k: shareable(data, v) for k, v in value.items()}
    if isinstance(value, list):
        return [shareable(data, v) for v in value]
    if isinstance(value, (str, os.PathLike)) and os.path.isabs(str(value)):
        return rel(str(value))
    return value


def interval_percent(data) -> str:
    """The confidence level as the page says it, e.g. '95%'."""
    return f"{int(round(100 * data.confidence))}%"


def escape(value) -> str:
    """A user's text as HTML text or a quoted attribute value."""
    return html.escape(str(value), quote=True)


def attr(value) -> str:
    """A number as a data attribute: the exact float ``compare`` gave, 'nan' when missing."""
    return "nan" if value is None or not math.isfinite(value) else repr(float(value))


def figure_section(key: str, title: str, fig, caption: str = "", below: str = "") -> str:
    """A chart as a ``<section>`` of the page: ``title`` and ``caption`` are escaped here; the
    figure's own text must already be (see :func:`simulation.reports.dashboard.figures.text`), and
    so must ``below`` (HTML under the chart)."""
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"figure-{key}",
                      config=PLOTLY_CONFIG, default_width="100%")
    return (f'<section id="{escape(key)}" class="figure"><h2>{escape(title)}</h2>'
            f'<p class="caption">{escape(caption)}</p>{div}{below}</section>\n')


def script_json(value) -> str:
    """JSON that is safe inside a script element."""
    text = json.dumps(value, default=str, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


PAGE_CSS = """
:root { --ink: #222; --muted: #5a5a5a; --line: #d8d8d8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 1.7em; margin: 0 0 6px; } h2 { font-size: 1.3em; margin: 36px 0 6px;
     border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
.lede { font-size: 1.05em; margin: 4px 0; } .meta, .caption, .explain { color: var(--muted); }
.caveat { background: #fff7e0; border-left: 4px solid #E69F00; padding: 6px 10px; }
section.figure { break-inside: avoid; page-break-inside: avoid; }
#methods li { margin-bottom: 4px; overflow-wrap: anywhere; }
pre { background: #f4f4f4; padding: 8px; overflow-x: auto; font-size: .85em; }
"""

PRINT_CSS = """
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { background: #fff; font-size: 10pt; } main { max-width: none; padding: 0; }
  .modebar-container, .modebar, .updatemenu-container { display: none !important; }
  #answer { break-after: page; } .cards, .cards.uncertain { grid-template-columns: 1fr; }
  .card, section.figure, table { break-inside: avoid; }
  h2, h3 { break-after: avoid; } .caveat { border-left-color: #999; }
  details > summary { list-style: none; }
  details > summary::-webkit-details-marker { display: none; }
}
"""

PRINT_SCRIPT = """
(function () {
  // printed, the folded parts are open and the charts fit the page's width; back as they were
  // after printing
  var opened = [];
  function charts() { return document.querySelectorAll('.js-plotly-plot'); }
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) {
      d.open = true; opened.push(d); });
    charts().forEach(function (g) { Plotly.relayout(g, {width: 700}); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; }); opened = [];
    charts().forEach(function (g) { Plotly.relayout(g, {width: null, autosize: true}); });
  });
})();
"""

CARD_CSS = """
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr));
         gap: 14px; margin-top: 12px; color: #222; font-size: 14px; line-height: 1.4; }
.card { border: 1px solid #d8d8d8; border-radius: 6px; padding: 12px 14px; background: #fff;
        break-inside: avoid; page-break-inside: avoid; }
.card.baseline { background: #f4f4f4; }
.card h3 { font-size: 1.08em; margin: 0 0 4px; }
.card .tag { font-size: .75em; font-weight: normal; background: #333; color: #fff;
             padding: 1px 6px; border-radius: 3px; margin-left: 6px; vertical-align: middle; }
.card .scenario-name { font-family: ui-monospace, Menlo, Consolas, monospace;
                       overflow-wrap: anywhere; }
.card .description { color: #5a5a5a; margin: 0 0 6px; font-size: .93em; overflow-wrap: anywhere; }
.card .sentence { margin: 6px 0 10px; font-weight: 600; }
table.headline { width: 100%; border-collapse: collapse; }
.cards table.headline th, .cards table.headline td { text-align: left; padding: 4px 4px;
       vertical-align: top; border-top: 1px solid #d8d8d8; font-size: 13px; line-height: 1.35; }
.cards table.headline thead th { color: #5a5a5a; font-weight: normal; border-top: none; }
table.headline td.value { white-space: nowrap; }
table.headline .number { font-weight: 700; font-size: 14px; }
table.headline .unit, table.headline .relative { color: #5a5a5a; }
table.headline .relative::before { content: "("; }
table.headline .relative::after { content: ")"; }
table.headline .range { display: block; }
table.headline .verdict { display: block; font-size: .9em; }
tr.verdict-better .number, tr.verdict-better .verdict { color: #0a5c96; }
tr.verdict-worse .number, tr.verdict-worse .verdict { color: #b34700; }
tr.verdict-better .verdict::before { content: "\\2714 "; }
tr.verdict-worse .verdict::before { content: "\\2716 "; }
tr.verdict-unclear .verdict { color: #5a5a5a; font-style: italic; }
"""

UNCERTAINTY_CSS = """
.cards.uncertain { grid-template-columns: 1fr; }
table.headline td.randomness, table.headline td.share, table.headline td.chance {
       white-space: nowrap; }
table.headline .range-randomness, table.headline .parameter-share { color: #5a5a5a; }
table.headline .probability { font-weight: 700; font-size: 14px; }
.card .depends-on { margin-top: 8px; font-size: .93em; }
.card .depends-on p { margin: 4px 0; }
.card .depends-on .lead { font-weight: 600; }
.card .depends-on summary { cursor: pointer; color: #5a5a5a; }
table.depends { border-collapse: collapse; font-size: 12px; margin-top: 4px; }
table.depends th, table.depends td { text-align: left; padding: 2px 6px 2px 0;
       border-top: 1px solid #e4e4e4; vertical-align: top; }
.uncertainty-note { background: #f3f7fb; border-left: 4px solid #0072B2; padding: 4px 12px;
                    margin: 10px 0; font-size: .95em; }
.uncertainty-note p { margin: 6px 0; } .uncertainty-note code { overflow-wrap: anywhere; }
.uncertainty-note details { margin: 4px 0 8px; } .uncertainty-note summary { cursor: pointer; }
"""
