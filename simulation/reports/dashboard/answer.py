"""The answer first: what a minister reads in a minute, at the top of the report.

Which policy does best on the chosen outcome
(:data:`simulation.inference.conclusions.HEADLINE_OUTCOME`, victim-years of exploitation) and the
chance that it is best, what it does and costs per victim-year averted, how sure the tool is and
what the answer depends on, in plain sentences and one compact table. Every figure is one the rest
of the report and ``tipsim compare`` give: chances from
:func:`simulation.inference.conclusions.conclusions` (the ``ranks`` of ``tipsim compare --format
json``), numbers from :meth:`DashboardData.shown` (``tipsim compare``'s own cells).
"""

from __future__ import annotations

import html
import math
from typing import Any

from simulation.inference.analysis import COST_EFFECTIVENESS
from simulation.model.display import fmt_chance
from simulation.reports.dashboard.headline import chance_sentence, display_name, sentence

OUTCOME = "victim_weeks_exploited"
"""The outcome the answer is about (shown in victim-years); the rank chart's first."""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def chances_of_being_best(data, outcome: str = OUTCOME) -> dict[str, float]:
    """Each scenario's chance of coming first on ``outcome`` over the parameter draws (rank 1 of
    ``conclusions``' ``ranks``), best first; equal chances (often none) in the order of their
    expected rank, then the experiment's; {} for a batch without parameter draws."""
    ranks = (data.uncertainty or {}).get("ranks", {}).get(outcome) or []
    chances = {r["scenario"]: float(r["probabilities"][0]) for r in ranks}
    expected = {r["scenario"]: sum((k + 1) * p for k, p in enumerate(r["probabilities"]))
                for r in ranks}
    order = sorted(chances, key=lambda s: (-chances[s], expected[s], data.scenarios.index(s)
                                           if s in data.scenarios else len(data.scenarios)))
    return {s: chances[s] for s in order}


def best(data, outcome: str = OUTCOME) -> dict[str, Any] | None:
    """The scenario that does best on ``outcome``: under parameter uncertainty the one most
    often first (``chance``: how often); otherwise the policy with the largest clear
    improvement (``chance`` None). None when no policy clearly improves on the baseline in a
    batch without draws."""
    chances = chances_of_being_best(data, outcome)
    if chances:
        order = list(chances)
        runner = order[1] if len(order) > 1 else None
        return {"scenario": order[0], "chance": chances[order[0]], "next": runner,
                "next_chance": chances.get(runner, math.nan) if runner is not None else math.nan,
                "draws": int(data.uncertainty["draws"])}
    rows = [data.row(p, outcome) for p in data.policies]
    better = [(r["difference"], r["scenario"]) for r in rows
              if r is not None and r["verdict"] == "better"]
    if not better:
        return None
    from simulation.model.registry import OUTCOMES

    sign = 1 if OUTCOMES[outcome].higher_is_better else -1
    _, name = max(better, key=lambda b: sign * b[0])
    return {"scenario": name, "chance": None, "next": None, "next_chance": math.nan,
            "draws": 0}


def answer_section(data) -> str:
    """The ``<section id="answer">`` at the top of the report (every string escaped). Its table
    lists every policy best first: by the chance of being best, then by expected rank."""
    top = best(data)
    pct = f"{int(round(100 * data.confidence))}%"
    if top is None:
        lead = ("<p class=\"answer-lead\">No policy clearly reduces victim-years of exploitation "
                f"against the baseline: every {pct} interval includes no change.</p>")
        return (f'<section id="answer" data-outcome="{OUTCOME}" data-best="">'
                f"<h2>The answer in brief</h2>{lead}{_table(data)}</section>\n")
    name = top["scenario"]
    shown = display_name(name)
    if top["chance"] is not None:
        runner = ("" if top["next"] is None or not top["next_chance"] > 0 else
                  f" (next: {_e(display_name(top['next']))}, "
                  f"{_e(fmt_chance(top['next_chance']))})")
        lead = (f'<strong class="best-name">{_e(shown)}</strong> does best on victim-years of '
                f'exploitation: it comes first in <strong class="best-chance">'
                f'{_e(fmt_chance(top["chance"]))}</strong> of the {top["draws"]} parameter '
                f"draws{runner}.")
    else:
        lead = (f'<strong class="best-name">{_e(shown)}</strong> cuts victim-years of '
                "exploitation the most of the policies whose change is clear.")
    paras = [f'<p class="answer-lead">{lead}</p>']
    if name != data.baseline:
        said = sentence(data, name)
        chance = chance_sentence(data, name)  # said again, with more, under "How sure"
        said = said.removesuffix(" " + chance) if chance else said
        paras.append(f'<p class="answer-what">{_e(said)}</p>')
        paras += _how_sure(data, name, pct)
    else:
        paras.append('<p class="answer-what">No policy beats doing nothing new on this outcome '
                     "in most draws.</p>")
    attrs = (f'data-outcome="{OUTCOME}" data-best="{_e(name)}" '
             f'data-chance="{"" if top["chance"] is None else repr(float(top["chance"]))}"')
    return (f'<section id="answer" {attrs}><h2>The answer in brief</h2>{"".join(paras)}'
            f"{_table(data)}</section>\n")


def _how_sure(data, name: str, pct: str) -> list[str]:
    """How sure the tool is, and what the answer depends on (a batch over draws)."""
    effect = data.effect(name, OUTCOME)
    row = data.row(name, OUTCOME)
    if row is None:
        return []
    clear = bool(row["excludes_zero"])
    sure = (f"Its {pct} interval{' (chance and parameters)' if effect else ''} "
            + ("excludes no change." if clear else "includes no change, so the tool cannot "
               "rule out that it does nothing."))
    if effect is not None:
        sure = (f"How sure: it has fewer victim-years than the baseline in "
                f"{fmt_chance(effect['probability_better'])} of the draws. " + sure)
        share = effect.get("parameter_share", math.nan)
        if math.isfinite(share):
            sure += (f" {fmt_chance(share)} of that uncertainty comes from what is not known "
                     "about the model's parameters, the rest from chance.")
    else:
        sure = "How sure: " + sure + (" The intervals cover the model's randomness only, not "
                                      "what is not known about its parameters.")
    out = [f'<p class="answer-sure">{_e(sure)}</p>']
    if effect is not None and effect.get("sentence"):
        out.append(f'<p class="answer-depends"><strong>What it depends on:</strong> '
                   f'{_e(effect["sentence"])}</p>')
    return out


def _table(data) -> str:
    """One compact row per policy, best first: the chance of being best, the change in
    victim-years with its interval, the chance of doing better than the baseline, the extra
    cost and the cost per victim-year averted, each as ``tipsim compare`` prints it."""
    chances = chances_of_being_best(data)
    order = [s for s in chances if s != data.baseline] or data.policies
    order += [p for p in data.policies if p not in order]
    uncertain = bool(chances)
    rows = []
    for policy in order:
        vy = data.shown(policy, OUTCOME)
        cost = data.shown(policy, "policy_cost")
        ratio = data.shown(policy, COST_EFFECTIVENESS)
        interval = (f" ({vy['difference_low']} to {vy['difference_high']})"
                    if vy.get("difference_low") and vy.get("difference_high") else "")
        cells = []
        if uncertain:
            cells.append(f'<td class="chance-best">{_e(fmt_chance(chances.get(policy)))}</td>')
        cells += [f'<td class="change">{_e(vy.get("difference") or "n/a")}{_e(interval)}</td>']
        if uncertain:
            cells.append(f'<td class="chance-better">{_e(vy.get("probability_better") or "")}'
                         "</td>")
        cells += [f'<td class="cost">{_e(cost.get("difference") or "n/a")}</td>',
                  f'<td class="ratio">{_e(ratio.get("mean") or "n/a")}</td>']
        rows.append(f'<tr data-scenario="{_e(policy)}"><th scope="row">'
                    f'{_e(display_name(policy))}</th>{"".join(cells)}</tr>')
    pct = f"{int(round(100 * data.confidence))}%"
    heads = ["Policy"] + (["Chance of being best"] if uncertain else []) + [
        f"Change in victim-years of exploitation ({pct} interval)"] + (
        ["Chance better than baseline"] if uncertain else []) + [
        "Extra cost (CU)", "Cost per victim-year averted (CU)"]
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    return (f'<table class="answer"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def rank_table(data, outcome: str = OUTCOME) -> str:
    """Every scenario's chance of every rank on ``outcome`` (the detail behind the chart of
    the chance of being best), folded; '' for a batch without parameter draws."""
    ranks = {r["scenario"]: r["probabilities"]
             for r in (data.uncertainty or {}).get("ranks", {}).get(outcome) or []}
    if not ranks:
        return ""
    order = list(chances_of_being_best(data, outcome))
    n = len(next(iter(ranks.values())))
    head = "".join(f'<th scope="col">{k + 1}</th>' for k in range(n))
    rows = "".join(
        f'<tr data-scenario="{_e(s)}"><th scope="row">{_e(display_name(s))}</th>'
        + "".join(f"<td>{_e(fmt_chance(p))}</td>" for p in ranks[s]) + "</tr>" for s in order)
    return (f'<details class="rank-detail" data-outcome="{_e(outcome)}"><summary>Every rank on '
            f"victim-years of exploitation, every scenario (1 = best)</summary>"
            f'<table class="ranks"><thead><tr><th scope="col">Scenario</th>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")


ANSWER_CSS = """
#answer { background: #f3f7fb; border: 1px solid #c9d9ea; border-radius: 6px;
          padding: 4px 18px 12px; margin-top: 18px; }
#answer h2 { border-bottom: none; margin-top: 12px; }
#answer p { margin: 6px 0; max-width: 60em; } .answer-lead { font-size: 1.15em; }
table.answer { border-collapse: collapse; margin-top: 10px; font-size: 14px; }
table.answer th, table.answer td { text-align: left; padding: 4px 10px 4px 0;
       border-top: 1px solid #d8d8d8; vertical-align: top; }
table.answer thead th { color: #5a5a5a; font-weight: normal; border-top: none; }
table.answer td { font-variant-numeric: tabular-nums; }
table.ranks { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
table.ranks th, table.ranks td { padding: 2px 6px; border-top: 1px solid #e4e4e4;
       text-align: right; } table.ranks th[scope="row"] { text-align: left; }
"""
