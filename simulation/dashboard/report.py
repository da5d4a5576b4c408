"""The policymaker report: one self-contained HTML file per batch of results.

plotly.js is inlined once in the page head, so the file opens from disk or an e-mail attachment
with no network and no Python. Every string that came from a user (experiment, scenario and
jurisdiction names, descriptions, file paths) is escaped with :func:`html.escape`; figure JSON
is serialised by plotly, which escapes ``<``, ``>`` and ``/`` so nothing can close the script
tag it sits in::

    from simulation.dashboard import build_report
    build_report("results/policy_comparison")   # -> results/policy_comparison/dashboard.html

A batch run over parameter draws (an ``[uncertainty]`` table) gets more on the same page: each
card gives both intervals (randomness only; randomness and parameters), the parameters' share
of the variance, the chance the policy beats the baseline and what its effect on victim-years
depends on, with a plain-words explanation above the cards, and two charts come first: the
rank probabilities with the chance that one scenario beats another, and the
cost-effectiveness acceptability curves.

The page below the cards is a list of :class:`Section` objects (:func:`sections`). A new part,
such as a model-credibility section, is one more ``Section`` in that list, or passed to
:func:`render_report` and :func:`build_report` as ``extra_sections``; it goes before the
methods.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from simulation._version import __version__
from simulation.files import atomic_write
from simulation.dashboard.data import DashboardData, prepare
from simulation.dashboard.figures import figures_for
from simulation.dashboard.headline import card_lines, fmt_chance, sentence, verdict_text
from simulation.analysis import COST_EFFECTIVENESS
from simulation.display import fmt_number
from simulation.shown import cost_per_victim_year

CAPTIONS = {
    "timeseries": "Median over runs (line; for events counted per period, such as arrests "
                  "and convictions, the mean, since most runs count none in a period where "
                  "events are rare) and the 10th to 90th percentile of runs (band), for the "
                  "whole region. Negative weeks are the burn-in, before any "
                  "policy. Use the menu to put one policy beside the baseline.",
    "jurisdictions": "Change against the baseline in each jurisdiction, over the policy "
                     "period. Blue is better for victims, orange worse; white cells marked "
                     "'unclear' have a 95% interval that includes zero. A fall in one place "
                     "with a rise in another is displacement, not prevention. Under each "
                     "jurisdiction: its baseline level; where it is under 10, a cell gives "
                     "the change itself, uncoloured, not a percentage of almost nothing.",
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
    "ranks": "For the outcome chosen in the menu, over the parameter draws (each draw's mean "
             "over its runs). Left: each scenario's chance of coming first (best), the "
             "baseline included; the most likely best in orange. Hover over a bar, or open "
             "the table under the chart, for the chance of every rank. Right: the chance that "
             "the scenario in the row does better than the one in the column. A policy that "
             "comes first in most draws is a choice that holds whatever the uncertain "
             "parameters are; one whose rank changes from draw to draw is best only for some "
             "parameter values.",
    "acceptability": "Cost-effectiveness acceptability curves and frontier. Along the "
                     "bottom: what a decision-maker would pay to avert one victim-year of "
                     "exploitation (log scale; the leftmost tick is 0, past the dotted break). "
                     "Thin lines, one per policy: the chance, over the parameter draws, that "
                     "the policy is worth its extra cost against the baseline at that price. "
                     "Thick dark line, the acceptability frontier (Fenwick, Claxton and "
                     "Sculpher 2001): at each price, the choice with the highest expected net "
                     "benefit (hover to see which) and the chance that it is the best of all "
                     "the choices. Click a policy in the legend to hide its curve, double-click "
                     "to show it alone. A curve that levels off below 100% belongs to a policy "
                     "that does not avert exploitation in every draw (the legend says in how "
                     "many).",
}

UNCERTAINTY_CAPTIONS = {
    "timeseries": "Under parameter uncertainty the runs span every parameter draw, so the "
                  "band includes what is not known about the parameters.",
    "jurisdictions": "Here the intervals include the parameters' uncertainty as well as the "
                     "model's randomness.",
    "disruption": "Here the intervals include the parameters' uncertainty as well as the "
                  "model's randomness.",
    "forms": "Here the intervals include the parameters' uncertainty as well as the model's "
             "randomness.",
}
"""What a chart's caption adds for a batch over parameter draws."""

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


def sections(data: DashboardData) -> list[Section]:
    """The page below its header, in order: the answer in brief
    (:mod:`simulation.dashboard.answer`), the cards, the charts
    (:func:`~simulation.dashboard.figures.figures_for`: those of parameter uncertainty first),
    then how credible the model is (:mod:`simulation.dashboard.credibility`), then the methods.
    A new section goes here, before the methods, as one more :class:`Section`."""
    from simulation.dashboard.answer import answer_section
    from simulation.dashboard.credibility import credibility_section
    from simulation.dashboard.published import published_section
    from simulation.dashboard.voi import voi_section

    out = [Section(key, _chart(key, title, build)) for key, title, build in figures_for(data)]
    return ([Section("answer", answer_section), Section("summary", _cards)] + out
            + [Section("published", published_section),
               Section("value_of_information", voi_section),
               Section("credibility", credibility_section), Section("methods", _methods)])


def _chart(key: str, title: str, build) -> Callable[[DashboardData], str]:
    return lambda data: figure_section(key, title, build(data), _caption(data, key),
                                       _below(data, key))


def _below(data: DashboardData, key: str) -> str:
    """What a chart has under it: the rank chart, every rank in a folded table."""
    from simulation.dashboard.answer import rank_table

    return rank_table(data) if key == "ranks" else ""


def build_report(results, out: str | os.PathLike | None = None, *,
                 baseline: str = "baseline", extra_sections: Sequence[Section] = ()) -> Path:
    """Write the report for ``results`` (a results directory or a
    :class:`~simulation.store.Results`) and return its path (default:
    ``RESULTS/dashboard.html``). ``extra_sections`` go before the methods."""
    data = prepare(results, baseline=baseline)
    target = Path(out) if out is not None else Path(data.results.path) / "dashboard.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(data, extra_sections)
    return atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"))


def render_report(data: DashboardData, extra_sections: Sequence[Section] = ()) -> str:
    """The whole page as one string: header, then :func:`sections` with ``extra_sections``
    before the methods."""
    from simulation.dashboard.answer import ANSWER_CSS
    from simulation.dashboard.credibility import CREDIBILITY_CSS

    m = data.results.manifest
    name = m.get("experiment_name") or Path(str(data.results.path)).name
    parts = sections(data)
    parts[-1:-1] = list(extra_sections)
    body = "".join(("\n" if s.key == "methods" else "") + s.render(data) for s in parts)
    runs = data.results.runs
    title, rest = title_of(m.get("description") or "", name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tipsim {_e(__version__)}">
<title>{_e(title)}</title>
<style>{PAGE_CSS}{CARD_CSS}{UNCERTAINTY_CSS if data.uncertainty else ""}{CREDIBILITY_CSS}{
ANSWER_CSS}{PRINT_CSS}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script>{get_plotlyjs()}</script>
<script>{PRINT_SCRIPT}</script>
</head><body><main>
<header>
<h1>{_e(title)}</h1>
<p class="lede">{_e(rest)}</p>
<p class="caveat"><strong>A tool for comparing policies, not a forecast.</strong> Numbers are
what the tipsim model gives for a stylised region under stated assumptions; read them as
differences between policies, not as predictions for a real country.</p>
<p class="meta">Experiment <span class="experiment-name">{_e(name)}</span> &middot; {len(runs)}
runs of {len(data.scenarios)} scenarios &middot; tipsim
{_e(m.get("tipsim_version", __version__))} &middot; results created {_e(m.get("created", "?"))}</p>
</header>
{body}
</main></body></html>
"""


def title_of(description: str, name: str) -> tuple[str, str]:
    """The page's title and the lede under it: the description's first sentence and the rest
    ('Policy comparison: NAME' when there is no description)."""
    text = " ".join(description.split())
    if not text:
        return f"Policy comparison: {name}", ""
    for i, char in enumerate(text):
        if char in ".?!" and (i + 1 == len(text) or text[i + 1] == " ") and i >= 12:
            return text[:i + (char != ".")], text[i + 1:].strip()
    return text, ""


def _cards(data: DashboardData) -> str:
    """Every scenario's card: what each policy does, at a glance."""
    return f"""<section id="summary"><h2>What each policy does, at a glance</h2>
<p class="explain">Each card shows a scenario's change against the baseline over the policy
period, with its {_pct(data)} interval. Where the interval includes zero the card says the change
is <em>not distinguishable from no change</em>. Costs are in CU, a generic currency unit;
exploitation is counted in victim-years (one person exploited for one year).</p>
{uncertainty_note(data)}<div class="cards{' uncertain' if data.uncertainty else ''}">{
"".join(card_html(data, s) for s in data.scenarios)}</div>
</section>
"""


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


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _pct(data) -> str:
    return f"{int(round(100 * data.confidence))}%"


def _attr(value) -> str:
    """A number as a data attribute: the exact float ``compare`` gave, 'nan' when missing."""
    return "nan" if value is None or not math.isfinite(value) else repr(float(value))


CARD_NUMBERS = ("mean", "ci_low", "ci_high", "difference", "difference_low", "difference_high",
                "relative_change")
"""The ``compare`` numbers every card line carries as data attributes."""
UNCERTAINTY_NUMBERS = ("randomness_low", "randomness_high", "parameter_share",
                       "probability_better")
"""The ones a batch over parameter draws adds."""


def card_html(data: DashboardData, scenario: str) -> str:
    """One scenario's card: its sentence and headline numbers, every string escaped. For a
    batch over parameter draws each line also gives the interval of randomness alone, the
    parameters' share of the variance and the chance of being better than the baseline, and the
    card says what its effect on victim-years of exploitation depends on."""
    is_base = scenario == data.baseline
    uncertain = data.uncertainty is not None
    numbers = CARD_NUMBERS + (UNCERTAINTY_NUMBERS if uncertain else ())
    rows = []
    for line in card_lines(data, scenario):
        raw = " ".join(f'data-{k.replace("_", "-")}="{_attr(line.raw.get(k))}"'
                       for k in numbers)
        # every figure as tipsim compare prints it (DashboardData.shown): one source of numbers
        cells = data.shown(scenario, line.outcome)
        ratio = line.outcome == COST_EFFECTIVENESS
        value, low, high = (("mean", "ci_low", "ci_high") if is_base or ratio else
                            ("difference", "difference_low", "difference_high"))
        shown_value = cells.get(value) or "n/a"
        rel = ("" if not cells.get("relative_change") else
               f'<span class="relative">{_e(cells["relative_change"])}</span>')
        verdict = line.verdict
        if line.outcome == "policy_cost" and verdict in ("better", "worse"):
            verdict = "cost"  # dearer is not 'worse' for victims: shown without colour
        unit = line.unit if cells.get(value) else ""
        extra = _uncertain_cells(cells) if uncertain and not is_base else ""
        said = verdict_text(line)
        if ratio:
            said = cost_per_victim_year(line.raw)["why"]
        interval = (f"{cells[low]} to {cells[high]}" if cells.get(low) and cells.get(high)
                    else "no interval")
        rows.append(
            f'<tr class="verdict-{_e(verdict or "none")}" data-outcome="{_e(line.outcome)}" '
            f'{raw}><th scope="row">{_e(line.label)}</th>'
            f'<td class="value"><span class="number">{_e(shown_value)}</span> '
            f'<span class="unit">{_e(unit)}</span> {rel}</td>'
            f'<td class="interval"><span class="range">{_e(interval)}</span>'
            f'<span class="verdict">{_e(said)}</span></td>{extra}</tr>')
    head = ("Level over the policy period" if is_base else "Change against the baseline")
    interval_head = f"{_pct(data)} interval"
    more_heads = ""
    if uncertain:
        interval_head += ", randomness and parameters"
        if not is_base:
            more_heads = ('<th scope="col">Randomness only</th>'
                          '<th scope="col">Share of variance from parameters</th>'
                          '<th scope="col">Chance better than baseline</th>')
    desc = data.descriptions.get(scenario, "")
    return f"""<article class="card{' baseline' if is_base else ''}" data-scenario="{_e(scenario)}">
<h3><span class="scenario-name">{_e(scenario)}</span>{' <span class="tag">baseline</span>'
    if is_base else ''}</h3>
<p class="description">{_e(desc)}</p>
<p class="sentence">{_e(sentence(data, scenario))}</p>
<table class="headline"><thead><tr><th scope="col">Outcome</th><th scope="col">{head}</th>
<th scope="col">{interval_head}</th>{more_heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>
{_depends_html(data, scenario) if uncertain and not is_base else ""}</article>"""


def _uncertain_cells(cells: dict[str, str]) -> str:
    """The cells a batch over parameter draws adds to a policy's card line, as tipsim compare
    prints them: the interval of randomness alone, the parameters' share of the variance and
    the chance of being better than the baseline (none for costs,
    :data:`simulation.shown.NO_CHANCE`)."""
    low, high = cells.get("randomness_low"), cells.get("randomness_high")
    text = f"{low} to {high}" if low and high else ""
    chance = ("" if not cells.get("probability_better") else
              f'<span class="probability">{_e(cells["probability_better"])}</span>')
    share = ("" if not cells.get("parameter_share") else
             f'<span class="parameter-share">{_e(cells["parameter_share"])}</span>')
    rand = "" if not text else f'<span class="range-randomness">{_e(text)}</span>'
    return (f'<td class="randomness">{rand}</td><td class="share">{share}</td>'
            f'<td class="chance">{chance}</td>')


def _depends_html(data: DashboardData, scenario: str) -> str:
    """What the policy's effect on victim-years of exploitation depends on: the sentence of
    :func:`simulation.conclusions.depends_sentence`, and the parameters behind it."""
    from simulation.conclusions import HEADLINE_OUTCOME

    effect = data.effect(scenario, HEADLINE_OUTCOME)
    if effect is None or not effect["sentence"]:
        return ""
    rows = "".join(
        f'<tr data-parameter="{_e(d["parameter"])}"><td>{_e(d["label"])}</td>'
        f'<td>{"calibrated" if d["fitted"] else "assumed range"}</td>'
        f'<td>{_e(fmt_chance(d["index"]))}</td><td>{"yes" if d["clear"] else "no"}</td></tr>'
        for d in effect["depends_on"])
    table = ("" if not rows else
             '<details><summary>The parameters most associated with it</summary>'
             '<table class="depends"><thead><tr><th scope="col">Parameter</th>'
             '<th scope="col">Evidence</th><th scope="col">Share of the spread it explains '
             '(squared rank correlation)</th><th scope="col">Clear after Holm\'s '
             f'correction</th></tr></thead><tbody>{rows}</tbody></table></details>')
    return (f'<div class="depends-on" data-outcome="{_e(HEADLINE_OUTCOME)}"><p>'
            f'<span class="lead">What the change in victim-years of exploitation depends '
            f'on:</span> <span class="text">{_e(effect["sentence"])}</span></p>{table}</div>')


def uncertainty_note(data: DashboardData) -> str:
    """Above the cards of a batch over parameter draws: what the two intervals, the share and
    the chance mean, how many draws and runs, and what was drawn ("" for an ordinary batch)."""
    u = data.uncertainty
    if not u:
        return ""
    pct = _pct(data)
    draws, reps = u["draws"], u["replications"]
    runs = draws * reps
    drawn, listing = _drawn(shareable(data, u))
    same = ("" if not u["fixed_parameters"] else
            " <strong>In this batch every draw has the same parameter values</strong>, so the "
            "two intervals are the same.")
    return f"""<div class="uncertainty-note" data-draws="{draws}" data-replications="{reps}">
<p><strong>Two intervals: what is not known about the parameters, and chance.</strong> Each
scenario was run with {draws} parameter draws, {reps} runs each ({runs} runs per scenario); every
scenario used the same draws, so the comparisons are paired. Runs of one draw differ only by
chance; the draws differ by their parameters. The first interval on a card, <em>randomness and
parameters</em>, is where the change may lie given both: it includes what is not known about the
model's parameters, so it is the wider one, and it is the interval every verdict on the cards
uses. The second, <em>randomness only</em>, is the {pct} interval the batch would give if the
parameters were known: what an ordinary comparison reports. When the wider interval includes
zero and the narrower one does not, the conclusion depends on parameter values the evidence does
not pin down.{same}</p>
<p><strong>Share of the variance from parameters</strong>: how much of the wider interval's width
(as variance) comes from the parameters. Near 100%, more runs would not narrow it; better
evidence on the parameters would. <strong>Chance better than baseline</strong>: the share of the
{draws} draws in which the policy, averaged over its {reps} runs, did better than the baseline
(ties count half). <strong>What it depends on</strong>: the parameters whose values go with the
size of the change in victim-years of exploitation, named only when the link is clear after
allowing for the many parameters tried.</p>
<p><strong>What was drawn.</strong> {drawn}</p>
{listing}</div>
"""


def _drawn(u: dict) -> tuple[str, str]:
    """What was drawn: a sentence, and a ``<details>`` element listing every parameter drawn
    (the ensemble's with their labels, the sampled ones with their ranges); both escaped."""
    from simulation.registry import PARAMETERS

    def name(p: str) -> str:
        return PARAMETERS[p].label if p in PARAMETERS else p

    parts, lists = [], []
    ens = u.get("ensemble")
    if ens:
        ess = ens.get("effective_sample_size")
        fitted = ens.get("parameters", [])
        ess_text = (f"; effective sample size {fmt_number(float(ess))}"
                    if isinstance(ess, (int, float)) and math.isfinite(ess) else "")
        parts.append(
            f"one of the {_e(ens.get('members', '?'))} parameter sets of the calibrated "
            f"ensemble <code>{_e(ens.get('path', '?'))}</code> (fitted to published "
            f"figures{ess_text}), which sets {len(fitted)} parameters")
        lists.append(f"<li>From the ensemble: {_e('; '.join(name(p) for p in fitted))}.</li>")
    sampled = u.get("sampled") or {}
    if sampled:
        groups = sorted({PARAMETERS[p].group for p in sampled if p in PARAMETERS})
        parts.append(
            f"{len(sampled)} parameters drawn evenly from their assumed ranges (a Latin "
            f"hypercube over the draws), from the group{'s' * (len(groups) != 1)} "
            f"<code>{_e(', '.join(f'{g}.*' for g in groups))}</code>")
        lists.append("<li>From their ranges: " + _e("; ".join(
            f"{name(p)} {_range(r)}" for p, r in sampled.items())) + ".</li>")
    if not parts:
        return "", ""
    count = len((ens or {}).get("parameters", [])) + len(sampled)
    text = ("Each draw takes " + " and ".join(parts) + "; every other parameter keeps its "
            "value in the scenario.")
    return text, (f'<details class="drawn"><summary>The {count} parameters drawn</summary>'
                  f'<ul>{"".join(lists)}</ul></details>')


def _range(r) -> str:
    low, high = (r.get("low"), r.get("high")) if isinstance(r, dict) else r
    return f"({fmt_number(low)} to {fmt_number(high)})"


def figure_section(key: str, title: str, fig, caption: str = "", below: str = "") -> str:
    """A chart as a ``<section>`` of the page: ``title`` and ``caption`` are escaped here; the
    figure's own text must already be (see :func:`simulation.dashboard.figures.text`), and so
    must ``below`` (HTML under the chart)."""
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"figure-{key}",
                      config=PLOTLY_CONFIG, default_width="100%")
    return (f'<section id="{_e(key)}" class="figure"><h2>{_e(title)}</h2>'
            f'<p class="caption">{_e(caption)}</p>{div}{below}</section>\n')


def _caption(data: DashboardData, key: str) -> str:
    text = CAPTIONS.get(key, "")
    if data.uncertainty and key in UNCERTAINTY_CAPTIONS:
        text += " " + UNCERTAINTY_CAPTIONS[key]
    return text


def _methods(data: DashboardData) -> str:
    m = shareable(data, data.results.manifest)
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
    where = shareable(data, str(Path(data.results.path).resolve()))
    u = data.uncertainty
    runs_per = ("" if not u else f" per parameter draw, {u['draws']} draws, so "
                f"{u['draws'] * u['replications']} runs")
    items = [
        f"Replications: {_e(m.get('replications', '?'))}{runs_per} per scenario ({finished} "
        "finished)"
        + (f"; <strong>{failed} runs failed</strong> and are left out" if failed else "") + ".",
        f"Seeds: master seed {_e(seeds.get('master', '?'))}; common random numbers {pairing}; "
        f"derivation: {_e(seeds.get('derivation', 'not recorded'))}.",
        f"Run settings: {_e(settings or 'as in each scenario file')}.",
        f"Software: {software}; Python {_e(python)}; report by tipsim {_e(__version__)}.",
        f"Experiment: {_e(m.get('experiment_name', '?'))} (hash "
        f"{_e(m.get('experiment_hash', '?'))}), file {_e(experiment_file)}, results created "
        f"{_e(m.get('created', '?'))} in {_e(where)}.",
        "Scenarios: " + "; ".join(
            f"{_e(s.get('name'))} ({_e(s.get('source') or 'in memory')}, hash "
            f"{_e(s.get('hash', '?'))})" for s in m.get("scenarios", [])) + ".",
        _statistics(data),
    ]
    if u:
        items.insert(2, f"Parameter draws: {_drawn(shareable(data, u))[0]} Draw derivation: "
                        f"{_e((m.get('uncertainty') or {}).get('derivation', 'not recorded'))}.")
    text = (m.get("experiment_file") or {}).get("text")
    source = (f"<details><summary>Experiment file</summary><pre>{_e(text)}</pre></details>"
              if text else "")
    return f"""<section id="methods"><details class="methods"><summary><h2>Methods and caveats
</h2></summary>
<p class="explain">Paths are relative to the folder of the experiment file.</p>
<ul>{"".join(f"<li>{i}</li>" for i in items)}</ul>
{_coverage(data)}
<p><strong>This model is a tool for comparing policies, not a forecast.</strong> The region,
its populations and its costs are stylised; every assumption is listed in the model
description (docs/ODD.md). A result worth acting on should hold across plausible parameter
values, not only at the defaults used here.</p>
{source}
<script type="application/json" id="provenance">{_json(m)}</script>
</details></section>"""


def _statistics(data: DashboardData) -> str:
    if not data.uncertainty:
        return (f"Statistics: means over replications with {_pct(data)} bootstrap intervals "
                f"(BCa, {data.n_resamples} resamples, fixed seed), computed by the same function "
                "as <code>tipsim compare</code>. Relative changes and their intervals divide by "
                "the baseline mean, taken as known. Cost per victim-year averted is the extra "
                "policy cost divided by the victim-years of exploitation averted, given only "
                "where exploitation is clearly reduced.")
    return (f"Statistics: computed by the same functions as <code>tipsim compare</code> (its "
            "JSON output has every number). Each draw counts once: a mean is the mean of the "
            "draws' means. A one-way random-effects analysis of variance over the draws "
            "separates the variance within draws (the model's randomness) from the variance "
            "between them (the parameters'; method of moments, floored at zero), as O'Hagan, "
            "Stevenson and Madan (2007) recommend for probabilistic sensitivity analysis of "
            f"simulations. The {_pct(data)} interval of randomness alone uses the within-draw "
            "variance; the interval of randomness and parameters adds the between-draw variance "
            "(times 1 + 1/draws), with Satterthwaite's degrees of freedom. Chances are shares "
            "of the draws, each draw's effect being the mean of its paired runs, ties counting "
            "half. What an effect depends on: the squared Spearman rank correlation between each "
            "varied parameter and the draws' effects, named when distinguishable from zero after "
            "Holm's correction over all the parameters varied. Relative changes divide by the "
            "baseline mean, taken as known. Cost per victim-year averted is the extra policy cost "
            "divided by the victim-years of exploitation averted; its interval is the central "
            f"{_pct(data)} of the draws' own ratios, given only when every draw averts "
            "exploitation; the acceptability curves (Fenwick, Claxton and Sculpher 2001) give "
            "the rest.")


def _coverage(data: DashboardData) -> str:
    """What the intervals cover, in words."""
    if not data.uncertainty:
        return """\
<p><strong>What the intervals do and do not cover.</strong> They measure the model's own
chance variation between runs. They do not cover uncertainty in the model's behavioural
parameters or its structure; a sensitivity analysis (<code>tipsim sensitivity</code>) shows which
assumptions a conclusion depends on.</p>"""
    return """\
<p><strong>What the intervals do and do not cover.</strong> The wider interval on each
card, and the intervals of every chart, cover the model's own chance variation between runs and
what is not known about the parameters that were drawn (listed above), within the ranges and
the calibrated ensemble used. They do not cover parameters left at their defaults, ranges that
are themselves wrong, or uncertainty in the model's structure.</p>"""


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
