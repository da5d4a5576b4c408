"""The policymaker report: one self-contained HTML file per batch of results.

plotly.js is inlined once in the page head, so the file opens from disk or an e-mail attachment
with no network and no Python. Every string that came from a user (experiment, scenario and
jurisdiction names, descriptions, file paths) is escaped with :func:`html.escape`; figure JSON
is serialised by plotly, which escapes ``<``, ``>`` and ``/`` so nothing can close the script
tag it sits in::

    from simulation.dashboard import build_report
    build_report("results/policy_comparison")   # -> results/policy_comparison/dashboard.html
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from simulation._version import __version__
from simulation.files import atomic_write
from simulation.dashboard.data import DashboardData, prepare
from simulation.dashboard.figures import FIGURES, all_figures
from simulation.dashboard.headline import card_lines, interval_text, sentence, verdict_text
from simulation.display import fmt_number, fmt_percent

CAPTIONS = {
    "timeseries": "Median over replications (line) and the 10th to 90th percentile of runs "
                  "(band), for the whole region. Negative weeks are the burn-in, before any "
                  "policy. Use the menu to put one policy beside the baseline.",
    "jurisdictions": "Change against the baseline in each jurisdiction, over the policy "
                     "period. Blue is better for victims, orange worse; white cells marked "
                     "'unclear' have a 95% interval that includes zero. A fall in one place "
                     "with a rise in another is displacement, not prevention. Under each "
                     "jurisdiction: its baseline level.",
    "pathway": "Mean number of people along the victim pathway over the policy period, for "
               "the scenario chosen in the menu (baseline in brackets). Re-trafficked former "
               "victims join the people trafficked on the left. Exits are counted over the "
               "policy period, so they include people trafficked before it; the last node is "
               "what remains: still exploited or in transit at the end.",
    "disruption": "Mean over replications with its 95% interval; the dotted line is the "
                  "baseline. Faded bars: the difference from the baseline is not "
                  "distinguishable from no change (paired intervals, which can be narrower "
                  "than the overlap of these bars suggests).",
    "forms": "Each policy's change from the baseline for each form of exploitation, in "
             "percent of the baseline's level for that form, with its 95% interval. Labour "
             "and sexual exploitation side by side: a policy can help one and not the "
             "other. Faded bars: not distinguishable from no change.",
}

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def build_report(results, out: str | os.PathLike | None = None, *,
                 baseline: str = "baseline") -> Path:
    """Write the report for ``results`` (a results directory or a
    :class:`~simulation.store.Results`) and return its path (default:
    ``RESULTS/dashboard.html``)."""
    data = prepare(results, baseline=baseline)
    target = Path(out) if out is not None else Path(data.results.path) / "dashboard.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(data)
    return atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"))


def render_report(data: DashboardData) -> str:
    """The whole page as one string."""
    m = data.results.manifest
    name = m.get("experiment_name") or Path(str(data.results.path)).name
    figures = all_figures(data)
    sections = "".join(_figure_section(key, title, figures[key]) for key, title, _ in FIGURES)
    runs = data.results.runs
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tipsim {_e(__version__)}">
<title>tipsim policy comparison: {_e(name)}</title>
<style>{PAGE_CSS}{CARD_CSS}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script>{get_plotlyjs()}</script>
</head><body><main>
<header>
<h1>Policy comparison: <span class="experiment-name">{_e(name)}</span></h1>
<p class="lede">{_e(m.get("description") or "")}</p>
<p class="caveat"><strong>A tool for comparing policies, not a forecast.</strong> Numbers are
what the tipsim model gives for a stylised region under stated assumptions; read them as
differences between policies, not as predictions for a real country.</p>
<p class="meta">{len(runs)} runs of {len(data.scenarios)} scenarios &middot; tipsim
{_e(m.get("tipsim_version", __version__))} &middot; results created {_e(m.get("created", "?"))}</p>
</header>
<section id="summary"><h2>What each policy does, at a glance</h2>
<p class="explain">Each card shows a scenario's change against the baseline over the policy
period, with its {_pct(data)} interval. Where the interval includes zero the card says the change
is <em>not distinguishable from no change</em>. Costs are in CU, a generic currency unit.</p>
<div class="cards">{"".join(card_html(data, s) for s in data.scenarios)}</div>
</section>
{sections}
{_methods(data)}
</main></body></html>
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _pct(data) -> str:
    return f"{int(round(100 * data.confidence))}%"


def _attr(value) -> str:
    """A number as a data attribute: the exact float ``compare`` gave, 'nan' when missing."""
    return "nan" if value is None or not math.isfinite(value) else repr(float(value))


def card_html(data: DashboardData, scenario: str) -> str:
    """One scenario's card: its sentence and headline numbers, every string escaped."""
    is_base = scenario == data.baseline
    rows = []
    for line in card_lines(data, scenario):
        raw = " ".join(f'data-{k.replace("_", "-")}="{_attr(line.raw[k])}"'
                       for k in ("mean", "ci_low", "ci_high", "difference", "difference_low",
                                 "difference_high", "relative_change"))
        signed = not is_base and line.outcome != "cost_per_victim_year_averted"
        value = fmt_number(line.value, signed)
        rel = ("" if not math.isfinite(line.relative) else
               f'<span class="relative">{fmt_percent(line.relative)}</span>')
        verdict = line.verdict
        if line.outcome == "policy_cost" and verdict in ("better", "worse"):
            verdict = "cost"  # dearer is not 'worse' for victims: shown without colour
        unit = line.unit if math.isfinite(line.value) else ""
        rows.append(
            f'<tr class="verdict-{_e(verdict or "none")}" data-outcome="{_e(line.outcome)}" '
            f'{raw}><th scope="row">{_e(line.label)}</th>'
            f'<td class="value"><span class="number">{_e(value)}</span> '
            f'<span class="unit">{_e(unit)}</span> {rel}</td>'
            f'<td class="interval"><span class="range">'
            f'{_e(interval_text(line, signed))}</span>'
            f'<span class="verdict">{_e(verdict_text(line))}</span></td></tr>')
    head = ("Level over the policy period" if is_base else "Change against the baseline")
    desc = data.descriptions.get(scenario, "")
    return f"""<article class="card{' baseline' if is_base else ''}" data-scenario="{_e(scenario)}">
<h3><span class="scenario-name">{_e(scenario)}</span>{' <span class="tag">baseline</span>'
    if is_base else ''}</h3>
<p class="description">{_e(desc)}</p>
<p class="sentence">{_e(sentence(data, scenario))}</p>
<table class="headline"><thead><tr><th scope="col">Outcome</th><th scope="col">{head}</th>
<th scope="col">{_pct(data)} interval</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</article>"""


def _figure_section(key: str, title: str, fig) -> str:
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"figure-{key}",
                      config=PLOTLY_CONFIG, default_width="100%")
    return (f'<section id="{key}" class="figure"><h2>{_e(title)}</h2>'
            f'<p class="caption">{_e(CAPTIONS.get(key, ""))}</p>{div}</section>\n')


def _methods(data: DashboardData) -> str:
    m = data.results.manifest
    runs = data.results.runs
    counts = runs.groupby("scenario", sort=False).size()
    seeds = m.get("seeds", {})
    run = (m.get("experiment") or {}).get("run") or {}
    settings = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in run.items() if v is not None)
    failed = len(data.results.failed)
    commit = m.get("git_commit")
    finished = ", ".join(f"{_e(s)}: {int(counts.get(s, 0))}" for s in data.scenarios)
    pairing = ("on (run r of every scenario shares its seed, so differences are paired)"
               if seeds.get("common_random_numbers") else "off")
    software = f"tipsim {_e(m.get('tipsim_version', '?'))}"
    if commit:
        dirty = " (with uncommitted changes)" if m.get("git_dirty") else ""
        software += f", git commit {_e(commit)}{dirty}"
    python = (m.get("platform") or {}).get("python", "?")
    experiment_file = (m.get("experiment_file") or {}).get("path") or "not recorded"
    items = [
        f"Replications: {_e(m.get('replications', '?'))} per scenario ({finished} finished)"
        + (f"; <strong>{failed} runs failed</strong> and are left out" if failed else "") + ".",
        f"Seeds: master seed {_e(seeds.get('master', '?'))}; common random numbers {pairing}; "
        f"derivation: {_e(seeds.get('derivation', 'not recorded'))}.",
        f"Run settings: {_e(settings or 'as in each scenario file')}.",
        f"Software: {software}; Python {_e(python)}; report by tipsim {_e(__version__)}.",
        f"Experiment: {_e(m.get('experiment_name', '?'))} (hash "
        f"{_e(m.get('experiment_hash', '?'))}), file {_e(experiment_file)}, results created "
        f"{_e(m.get('created', '?'))} in {_e(data.results.path)}.",
        "Scenarios: " + "; ".join(
            f"{_e(s.get('name'))} ({_e(s.get('source') or 'in memory')}, hash "
            f"{_e(s.get('hash', '?'))})" for s in m.get("scenarios", [])) + ".",
        f"Statistics: means over replications with {_pct(data)} bootstrap intervals (BCa, "
        f"{data.n_resamples} resamples, fixed seed), computed by the same function as "
        "<code>tipsim compare</code>. Relative changes and their intervals divide by the "
        "baseline mean, taken as known. Cost per victim-year averted is the extra policy cost "
        "divided by the victim-years of exploitation averted, given only where exploitation is "
        "clearly reduced.",
    ]
    text = (m.get("experiment_file") or {}).get("text")
    source = (f"<details><summary>Experiment file</summary><pre>{_e(text)}</pre></details>"
              if text else "")
    return f"""<section id="methods"><h2>Methods and caveats</h2>
<ul>{"".join(f"<li>{i}</li>" for i in items)}</ul>
<p><strong>What the intervals do and do not cover.</strong> They measure the model's own
chance variation between runs. They do not cover uncertainty in the model's behavioural
parameters or its structure; a sensitivity analysis (<code>tipsim sensitivity</code>) shows which
assumptions a conclusion depends on.</p>
<p><strong>This model is a tool for comparing policies, not a forecast.</strong> The region,
its populations and its costs are stylised; every assumption is listed in the model
description (docs/ODD.md). A result worth acting on should hold across plausible parameter
values, not only at the defaults used here.</p>
{source}
<script type="application/json" id="provenance">{_json(m)}</script>
</section>"""


def _json(value) -> str:
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
@media print {
  body { background: #fff; font-size: 11pt; } main { max-width: none; padding: 0; }
  .cards { grid-template-columns: 1fr 1fr; } .modebar, .updatemenu-container { display: none; }
  section.figure { page-break-before: always; } details { display: none; }
}
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
