"""The policymaker report: one self-contained HTML file per batch of results.

plotly.js is inlined once in the page head, so the file opens from disk or an e-mail attachment
with no network and no Python. Every string that came from a user (experiment, scenario and
jurisdiction names, descriptions, file paths) is escaped with :func:`html.escape`; figure JSON
is serialised by plotly, which escapes ``<``, ``>`` and ``/`` so nothing can close the script
tag it sits in::

    from simulation.reports.dashboard import build_report
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

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from plotly.offline import get_plotlyjs

from simulation._version import __version__
from simulation.model.files import atomic_write
from simulation.reports.dashboard.data import DashboardData, prepare
from simulation.reports.dashboard.figures import figures_for
from simulation.reports.dashboard.cards import card_html, uncertainty_note
from simulation.reports.dashboard.cards import drawn_parameters as _drawn
from simulation.reports.dashboard.page import (CARD_CSS, PAGE_CSS, PRINT_CSS, PRINT_SCRIPT,
                                               UNCERTAINTY_CSS, Section, figure_section, shareable)
from simulation.reports.dashboard.page import interval_percent as _pct
from simulation.reports.dashboard.page import escape as _e
from simulation.reports.dashboard.page import script_json as _json

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

def sections(data: DashboardData) -> list[Section]:
    """The page below its header, in order: the answer in brief
    (:mod:`simulation.reports.dashboard.answer`), the cards, the charts
    (:func:`~simulation.reports.dashboard.figures.figures_for`: those of parameter uncertainty
    first), then how credible the model is (:mod:`simulation.reports.dashboard.credibility`), then
    the methods. A new section goes here, before the methods, as one more :class:`Section`."""
    from simulation.reports.dashboard.answer import answer_section
    from simulation.reports.dashboard.credibility import credibility_section
    from simulation.reports.dashboard.published import published_section
    from simulation.reports.dashboard.voi import voi_section

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
    from simulation.reports.dashboard.answer import rank_table

    return rank_table(data) if key == "ranks" else ""


def build_report(results, out: str | os.PathLike | None = None, *,
                 baseline: str = "baseline", extra_sections: Sequence[Section] = ()) -> Path:
    """Write the report for ``results`` (a results directory or a
    :class:`~simulation.studies.store.Results`) and return its path (default:
    ``RESULTS/dashboard.html``). ``extra_sections`` go before the methods."""
    data = prepare(results, baseline=baseline)
    target = Path(out) if out is not None else Path(data.results.path) / "dashboard.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(data, extra_sections)
    return atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"))


def render_report(data: DashboardData, extra_sections: Sequence[Section] = ()) -> str:
    """The whole page as one string: header, then :func:`sections` with ``extra_sections``
    before the methods."""
    from simulation.reports.dashboard.answer import ANSWER_CSS
    from simulation.reports.dashboard.credibility import CREDIBILITY_CSS

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


