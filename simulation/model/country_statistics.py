"""A country scenario's statistics in the categories its government publishes (issue 25).

:func:`simulation.model.statistics.published` counts referrals and decisions per policy year (1, 2,
...) in the model's own categories. A country publishes per calendar year, in its own words:
the UK's National Referral Mechanism (NRM) counts referrals by "age at exploitation" (adult,
minor), exploitation type, nationality and first responder (the referring agency), and the
Ministry of Justice counts defendants "proceeded against" and "found guilty". A country's
``statistics_map.toml`` says which model category is which published one and which jurisdiction
is the mechanism's; this module applies it to a run, in the long format of the country's
published series (``pre_act_statistics.csv``: ``year, series, breakdown, category, value``), so
a simulated and a published number sit on the same row.

Series (counted as the Home Office counts them: referrals in the year made, decisions in the
year taken, :mod:`simulation.model.statistics`):

- ``referrals``: by ``total``, ``age_group``, ``exploitation_type``, ``nationality``,
  ``first_responder``;
- ``conclusive_grounds_positive`` (confirmed victims): by ``total``, ``age_group``,
  ``exploitation_type``, ``nationality``;
- ``proceeded_against`` (prosecutions) and ``found_guilty`` (convictions): ``total``.

Values are per year at scale 1 (a run's counts divided by its scale), as the published ones.

Example::

    import simulation
    from simulation.model.country_statistics import country_statistics, load_statistics_map
    uk = load_statistics_map("scenarios/countries/uk/statistics_map.toml")
    table = country_statistics(simulation.run("scenarios/countries/uk/scenario.toml"), uk)
    table[(table.series == "referrals") & (table.breakdown == "age_group")]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.country_calendar import week_year
from simulation.model.errors import UserError
from simulation.model.files import read_toml
from simulation.model.registry import CHANNELS, FORMS

MODEL_CATEGORIES = {
    "age_group": ("adult", "child"),
    "exploitation_type": FORMS,
    "nationality": ("national", "foreign"),
    "first_responder": CHANNELS,
}
"""Each breakdown of a statistics map and the model categories it must name, all of them."""
_COLUMN = {"age_group": "age_group", "exploitation_type": "form", "nationality": "origin",
           "first_responder": "first_responder"}
"""The referral table's column each breakdown reads."""
SERIES = {"referrals": ("total", "age_group", "exploitation_type", "nationality",
                        "first_responder"),
          "conclusive_grounds_positive": ("total", "age_group", "exploitation_type",
                                          "nationality"),
          "proceeded_against": ("total",),
          "found_guilty": ("total",)}
"""The series :func:`country_statistics` gives and their breakdowns."""


class StatisticsMapError(UserError, ValueError):
    """A statistics map that cannot be used: the message names the file, the field and what is
    allowed."""


@dataclass(frozen=True)
class StatisticsMap:
    """Which model category is which published one (see ``statistics_map.toml``)."""

    path: Path
    first_year: int
    mechanism: str
    categories: dict[str, dict[str, str]]
    published_first_responder: dict[str, str]

    def published(self, breakdown: str) -> tuple[str, ...]:
        """The published categories a breakdown's model categories map to, in order, once."""
        return tuple(dict.fromkeys(self.categories[breakdown].values()))


def load_statistics_map(path: str | Path) -> StatisticsMap:
    """A country's ``statistics_map.toml``, checked: every model category mapped, to a name."""
    path = Path(path)
    doc: dict[str, Any] = read_toml(path, "a statistics map", StatisticsMapError)

    def fail(field: str, problem: str, allowed: str) -> NoReturn:
        raise StatisticsMapError(f"{path}: field '{field}': {problem}; allowed: {allowed}")

    first = doc.get("first_year")
    if not isinstance(first, int) or isinstance(first, bool) or not 1900 <= first <= 2100:
        fail("first_year", f"{first!r}", "the calendar year of the scenario's week 0, e.g. 2009")
    mechanism = doc.get("mechanism")
    if not isinstance(mechanism, str) or not mechanism:
        fail("mechanism", f"{mechanism!r}", "the name of the jurisdiction whose referrals are "
             "the published mechanism's")
    known = set(MODEL_CATEGORIES) | {"first_year", "mechanism", "published_first_responder"}
    for key in doc:
        if key not in known:
            fail(key, "is not a field of a statistics map", ", ".join(sorted(known)))
    categories: dict[str, dict[str, str]] = {}
    for breakdown, model in MODEL_CATEGORIES.items():
        table = doc.get(breakdown)
        if not isinstance(table, dict):
            fail(breakdown, "is missing", f"a [{breakdown}] table mapping {', '.join(model)}")
        for name, value in table.items():
            if name not in model:
                fail(f"{breakdown}.{name}", "is not a model category", ", ".join(model))
            if not isinstance(value, str) or not value:
                fail(f"{breakdown}.{name}", f"{value!r}", "the published category's name")
        missing = [m for m in model if m not in table]
        if missing:
            fail(f"{breakdown}.{missing[0]}", "is not mapped", "every model category mapped: "
                 + ", ".join(model))
        categories[breakdown] = {m: table[m] for m in model}
    grouping = doc.get("published_first_responder", {})
    groups = set(categories["first_responder"].values())
    if not isinstance(grouping, dict):
        fail("published_first_responder", "is not a table", "published agency = group")
    for agency, group in grouping.items():
        if group not in groups:
            fail(f"published_first_responder.{agency}", f"{group!r} is not a group of "
                 "[first_responder]", ", ".join(sorted(groups)))
    return StatisticsMap(path, first, mechanism, categories, dict(grouping))


def country_statistics(result, statistics_map: StatisticsMap, *,
                       per_scale: bool = True) -> pd.DataFrame:
    """A run's statistics in the country's published categories (module docstring): one row per
    calendar year, series, breakdown and category, every category of the map present (0 when
    none), for the policy years the run covered. ``per_scale``: divide by the run's scale."""
    smap = statistics_map
    if smap.mechanism not in result.jurisdictions:
        raise UserError(f"{smap.path}: field 'mechanism': {smap.mechanism!r} is not a "
                        "jurisdiction of the run; allowed: " + ", ".join(result.jurisdictions))
    weeks = int(result.provenance.get("weeks", 0))
    years = [week_year(w, smap.first_year) for w in range(0, max(weeks, 1), WEEKS_PER_YEAR)]
    scale = float(result.provenance.get("scale", 1.0)) if per_scale else 1.0
    rows: list[dict] = []

    def add(series: str, breakdown: str, category: str, counts: pd.Series) -> None:
        for year in years:
            rows.append({"year": year, "series": series, "breakdown": breakdown,
                         "category": category, "value": float(counts.get(year, 0)) / scale})

    ref = result.referrals
    ref = ref[ref.jurisdiction == smap.mechanism].assign(
        origin=lambda d: d.foreign.astype(bool).map({True: "foreign", False: "national"}))
    made = ref[ref.week >= 0].assign(year=lambda d: [week_year(int(w), smap.first_year)
                                                    for w in d.week])
    decided = ref[ref.decided.notna()]
    decided = decided[(decided.decided >= 0) & decided.confirmed.fillna(False).astype(bool)]
    decided = decided.assign(year=[week_year(int(w), smap.first_year) for w in decided.decided])
    for series, table in (("referrals", made), ("conclusive_grounds_positive", decided)):
        add(series, "total", "all", table.groupby("year").size())
        for breakdown in SERIES[series][1:]:
            column = _COLUMN[breakdown]
            published = table[column].map(smap.categories[breakdown])
            for category in smap.published(breakdown):
                add(series, breakdown, category,
                    table[published == category].groupby("year").size())
    ts = result.timeseries
    ts = ts[(ts.jurisdiction == smap.mechanism) & (ts.week >= 0)]
    ts = ts.assign(year=[week_year(int(w), smap.first_year) for w in ts.week])
    for series, column in (("proceeded_against", "prosecutions"),
                           ("found_guilty", "convictions")):
        add(series, "total", "all", ts.groupby("year")[column].sum().round())
    return pd.DataFrame(rows, columns=["year", "series", "breakdown", "category", "value"])


def group_published(statistics: pd.DataFrame, statistics_map: StatisticsMap) -> pd.DataFrame:
    """Published rows by first responder summed into the map's groups (so the 2009 referring
    agencies meet the model's channels); other rows unchanged. An agency the map does not group
    is refused, naming it."""
    rows = statistics["breakdown"] == "first_responder"
    agencies = statistics.loc[rows, "category"]
    unknown = sorted(set(agencies) - set(statistics_map.published_first_responder))
    if unknown:
        raise StatisticsMapError(f"{statistics_map.path}: field 'published_first_responder': "
                                 f"{unknown[0]!r} is not grouped; allowed: a line "
                                 f"{unknown[0]} = one of "
                                 + ", ".join(statistics_map.published(("first_responder"))))
    grouped = statistics[rows].assign(
        category=agencies.map(statistics_map.published_first_responder))
    keys = ["year", "series", "breakdown", "category"]
    summed = grouped.groupby(keys, as_index=False)["value"].sum()
    return pd.concat([statistics[~rows], summed], ignore_index=True)


__all__ = ["MODEL_CATEGORIES", "SERIES", "StatisticsMap", "StatisticsMapError",
           "country_statistics", "group_published", "load_statistics_map"]
