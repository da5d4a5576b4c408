"""The dashboard's scenario cards: each scenario's key outcomes with their intervals and
verdicts, and for a batch over parameter draws the second interval, the parameters' share, the
chance of being better and what the effect depends on, with the note above the cards."""

from __future__ import annotations

import math

from simulation.inference.batch_runs import COST_EFFECTIVENESS
from simulation.reports.dashboard.data import DashboardData
from simulation.reports.dashboard.headline import card_lines, fmt_chance, sentence, verdict_text
from simulation.reports.dashboard.page import attr as _attr
from simulation.reports.dashboard.page import interval_percent, shareable
from simulation.reports.dashboard.page import escape as _e
from simulation.model.display import fmt_number
from simulation.reports.shown import cost_per_victim_year

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
    interval_head = f"{interval_percent(data)} interval"
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
    :data:`simulation.reports.shown.NO_CHANCE`)."""
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
    :func:`simulation.inference.conclusions.depends_sentence`, and the parameters behind it."""
    from simulation.inference.conclusions import HEADLINE_OUTCOME

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
    pct = interval_percent(data)
    draws, reps = u["draws"], u["replications"]
    runs = draws * reps
    drawn, listing = drawn_parameters(shareable(data, u))
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


def drawn_parameters(u: dict) -> tuple[str, str]:
    """What was drawn: a sentence, and a ``<details>`` element listing every parameter drawn
    (the ensemble's with their labels, the sampled ones with their ranges); both escaped."""
    from simulation.model.registry import PARAMETERS

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
