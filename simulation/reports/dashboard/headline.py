"""The headline numbers and the one plain sentence per scenario, in words a reader can quote.

Numbers are shown to three significant figures. An interval that includes zero is never
reported as an effect: the card and the sentence say the change is not distinguishable from no
change. Relative intervals divide the interval of the difference by the baseline mean (the
baseline mean is treated as known; the methods section says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulation.inference.batch_runs import COST_EFFECTIVENESS
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.display import fmt_chance, fmt_number, fmt_percent  # noqa: F401 (re-exported)
from simulation.model.registry import OUTCOMES

# (outcome, label on the card, unit shown, divisor from the outcome's unit to the shown one)
HEADLINE = (
    ("new_victims", "People trafficked", "people", 1.0),
    ("victim_weeks_exploited", "Victim-years of exploitation", "victim-years", WEEKS_PER_YEAR),
    ("victims_identified", "Victims identified", "people", 1.0),
    ("convictions", "Convictions", "people", 1.0),
    ("networks_dismantled", "Networks dismantled", "networks", 1.0),
    ("policy_cost", "Policy cost", "CU", 1.0),
)
"""The outcomes on every scenario card, in order, then the cost per victim-year averted."""


@dataclass(frozen=True)
class CardLine:
    """One line of a scenario card: the change against the baseline and its interval, in the
    shown unit, with the raw ``compare`` numbers kept alongside for checking."""

    outcome: str
    label: str
    unit: str
    value: float  # difference (or, for the baseline and cost-effectiveness, the mean)
    low: float
    high: float
    relative: float  # relative change, NaN when there is none
    verdict: str  # "better", "worse", "higher", "lower", "unclear" or "" (no interval)
    raw: dict  # the compare() row this line was made from


ACRONYMS = {"ngo": "NGO", "ngos": "NGOs", "jit": "JIT", "jits": "JITs"}


def display_name(scenario: str) -> str:
    """'victim_centred' -> 'Victim centred'; 'ngo_partnership' -> 'NGO partnership'."""
    words = [ACRONYMS.get(w, w) for w in scenario.replace("_", " ").split(" ")]
    text = " ".join(words).strip()
    return text[:1].upper() + text[1:] if text else scenario


def card_lines(data, scenario: str) -> list[CardLine]:
    """The headline lines of one scenario's card (for the baseline: its levels)."""
    lines = []
    is_base = scenario == data.baseline
    for outcome, label, unit, per in HEADLINE:
        row = data.row(scenario, outcome)
        if row is None:
            continue
        if is_base:
            value, low, high, verdict = row["mean"], row["ci_low"], row["ci_high"], ""
        else:
            value, low, high = row["difference"], row["difference_low"], row["difference_high"]
            verdict = row["verdict"] if row["excludes_zero"] else "unclear"
        lines.append(CardLine(outcome, label, unit, value / per, low / per, high / per,
                              math.nan if is_base else row["relative_change"], verdict, row))
    if not is_base:
        row = data.row(scenario, COST_EFFECTIVENESS)
        if row is not None:
            # the ratio compare() gives, read as everywhere (simulation.reports.shown); without an
            # interval when exploitation is not clearly averted (the card says why)
            clear = math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])
            lines.append(CardLine(COST_EFFECTIVENESS, "Cost per victim-year averted", "CU",
                                  row["mean"], row["ci_low"], row["ci_high"], math.nan,
                                  "" if clear else "unclear", row))
    return lines


def interval_text(line: CardLine, signed: bool) -> str:
    """'low to high' in the shown unit ('no interval' when there is none)."""
    if not (math.isfinite(line.low) and math.isfinite(line.high)):
        return "no interval"
    return f"{fmt_number(line.low, signed)} to {fmt_number(line.high, signed)}"


def verdict_text(line: CardLine) -> str:
    if line.outcome == COST_EFFECTIVENESS:
        return ("" if line.verdict != "unclear" else
                "not estimable: exploitation not clearly reduced")
    if line.outcome == "policy_cost" and line.verdict in ("better", "worse"):
        return "costs more" if line.value > 0 else "costs less"
    return {"better": "better than baseline", "worse": "worse than baseline",
            "higher": "higher than baseline", "lower": "lower than baseline",
            "unclear": "not distinguishable from no change"}.get(line.verdict, "")


def sentence(data, scenario: str) -> str:
    """One plain-language sentence: what the scenario did to victim-years of exploitation,
    how sure we are, and what it cost."""
    name = display_name(scenario)
    if scenario == data.baseline:
        vy = data.row(scenario, "victim_weeks_exploited")
        if vy is None:
            return f"{name} is the reference every other scenario is compared with."
        return (f"{name} is the reference: about {fmt_number(vy['mean'] / WEEKS_PER_YEAR)} "
                f"victim-years of exploitation{_period(data) or ' over the policy period'}, with "
                "no policy change.")
    effect, clear = _effect(data, scenario, name)
    cost = _cost(data, scenario, ratio=clear)
    chance = chance_sentence(data, scenario)
    if not cost:
        text = effect + "."
    else:
        text = effect + (f" at {cost}." if clear else f"; it comes at {cost}.")
    return f"{text} {chance}" if chance else text


def _effect(data, scenario: str, name: str) -> tuple[str, bool]:
    """The clause on victim-years of exploitation, and whether its interval excludes zero."""
    row = data.row(scenario, "victim_weeks_exploited")
    what = "victim-years of exploitation"
    if row is None or not math.isfinite(row["difference"]):
        return f"{name}: no estimate of the change in {what}", False
    pct = int(round(100 * data.confidence))
    base = data.row(data.baseline, "victim_weeks_exploited")["mean"]
    if base and math.isfinite(row["relative_change"]):
        rel, lo, hi = (row["relative_change"], row["difference_low"] / base,
                       row["difference_high"] / base)
        biggest = max(abs(v) for v in (rel, lo, hi) if math.isfinite(v))

        def fmt(x, signed):
            return fmt_percent(x, signed, scale=biggest)
    else:  # no baseline level to divide by: absolute numbers
        rel, lo, hi = (row[k] / WEEKS_PER_YEAR for k in
                       ("difference", "difference_low", "difference_high"))
        fmt = fmt_number
    if not row["excludes_zero"]:
        return (f"{name}: the change in {what} is not distinguishable from no change "
                f"({fmt(rel, signed=True)}; {pct}% interval {fmt(lo, signed=True)} to "
                f"{fmt(hi, signed=True)})"), False
    if rel < 0:
        return (f"{name} cut {what} by {fmt(-rel, signed=False)} ({pct}% interval "
                f"{fmt(-hi, signed=False)} to {fmt(-lo, signed=False)})"), True
    return (f"{name} raised {what} by {fmt(rel, signed=False)} ({pct}% interval "
            f"{fmt(lo, signed=False)} to {fmt(hi, signed=False)})"), True


def _cost(data, scenario: str, ratio: bool = True) -> str:
    """'an extra cost of X CU over the policy period[, about Y CU per victim-year averted]'
    (the ratio only when ``ratio``: the sentence gives none for an unclear effect)."""
    cost = data.row(scenario, "policy_cost")
    if cost is None or not math.isfinite(cost["difference"]):
        return ""
    extra = cost["difference"]
    if abs(extra) < 0.5:
        return "no extra policy cost"
    if extra < 0:
        return f"a saving of {fmt_number(-extra)} CU{_period(data)}"
    text = f"an extra cost of {fmt_number(extra)} CU{_period(data)}"
    ce = data.shown(scenario, COST_EFFECTIVENESS)
    if ratio and ce.get("mean"):
        pct = int(round(100 * data.confidence))
        interval = (f"{pct}% interval {ce['ci_low']} to {ce['ci_high']}"
                    if ce.get("ci_low") and ce.get("ci_high") else "no interval")
        text += f", about {ce['mean']} CU per victim-year averted ({interval})"
    return text


def _period(data) -> str:
    weeks = data.policy_weeks
    if not weeks:
        return ""
    years = weeks / WEEKS_PER_YEAR
    span = f"{years:g}-year" if float(years).is_integer() else f"{weeks}-week"
    return f" over the {span} policy period"


def chance_sentence(data, scenario: str) -> str:
    """Under parameter uncertainty: in what share of the draws the policy did better than the
    baseline on victim-years of exploitation ('' for an ordinary batch)."""
    from simulation.inference.conclusions import HEADLINE_OUTCOME

    effect = data.effect(scenario, HEADLINE_OUTCOME) if scenario != data.baseline else None
    if effect is None or not math.isfinite(effect["probability_better"]):
        return ""
    return (f"Fewer victim-years of exploitation than the baseline in "
            f"{fmt_chance(effect['probability_better'])} of the {effect['draws']} parameter "
            "draws.")


def outcome_label(name: str) -> str:
    """The outcome's label as read (exploitation in victim-years,
    :mod:`simulation.reports.shown`)."""
    from simulation.reports.shown import READING_UNITS

    if name in READING_UNITS:
        return READING_UNITS[name][1]
    return OUTCOMES[name].label if name in OUTCOMES else name.replace("_", " ").capitalize()
