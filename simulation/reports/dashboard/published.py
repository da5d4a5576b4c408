"""The dashboard's table of the statistics as countries publish them (ODD 6.5): per scenario, a
year's referrals, confirmed victims and their profile, prosecutions and convictions, from the
store's ``statistics`` part (:func:`simulation.model.statistics.compare_published`). Empty for a
store written before issue 23, or one from an outside model."""

from __future__ import annotations

from html import escape as _e

from simulation.reports.dashboard.headline import display_name

ROWS = (
    ("referred", "Referrals by first responders"),
    ("confirmed", "Victims confirmed"),
    ("not_confirmed", "Referrals not confirmed"),
    ("confirmed_labour", "confirmed: forced labour"),
    ("confirmed_sexual", "confirmed: sexual exploitation"),
    ("confirmed_female", "confirmed: women and girls"),
    ("confirmed_child", "confirmed: children"),
    ("confirmed_national", "confirmed: in their own country"),
    ("prosecutions", "Prosecutions"),
    ("convictions", "Convictions"),
)
"""The statistics shown, with their labels."""
CAPTION = ("What a country's annual statistics would show, per year of the policy period (the "
           "region's totals, mean over runs): referrals counted in the year made, decisions "
           "in the year taken, as national referral mechanisms publish them. They are what the "
           "model's observers see, not the hidden number of victims.")

PUBLISHED_CSS = """
table.published { border-collapse: collapse; font-size: 13px; margin-top: 6px; }
table.published th, table.published td { padding: 3px 8px; border-top: 1px solid #e4e4e4;
       text-align: right; font-variant-numeric: tabular-nums; }
table.published th[scope="row"] { text-align: left; font-weight: normal; }
"""


def published_section(data) -> str:
    """The ``<section id="published">`` of the page, or '' when the store has no statistics."""
    from simulation.model.errors import UserError
    from simulation.model.statistics import compare_published

    try:
        table = compare_published(data.results, baseline=data.baseline)
    except (UserError, AttributeError, KeyError):
        return ""
    scenarios = [s for s in data.scenarios if s in set(table["scenario"])]
    values = table.set_index(["scenario", "statistic"])["mean_per_year"]
    head = "".join(f'<th scope="col">{_e(display_name(s))}</th>' for s in scenarios)
    rows = "".join(
        f'<tr data-statistic="{_e(name)}"><th scope="row">{_e(label)}</th>'
        + "".join(f"<td>{values[(s, name)]:,.1f}</td>" for s in scenarios) + "</tr>"
        for name, label in ROWS)
    return (f'<section id="published"><h2>The statistics as countries publish them</h2>'
            f'<p class="caption">{_e(CAPTION)}</p><style>{PUBLISHED_CSS}</style>'
            f'<table class="published"><thead><tr><th scope="col">A year</th>{head}</tr>'
            f"</thead><tbody>{rows}</tbody></table></section>\n")
