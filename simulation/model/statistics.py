"""The statistics as countries publish them (ODD 6.5, 7): per policy year and jurisdiction,
referrals by first responder, decisions, confirmed victims by form, sex, age group and whether
foreign or national, prosecutions and convictions, and how many people each list holds (the
lists that feed multiple systems estimation, ``simulation.inference.mse``).

National referral mechanisms publish referrals in the year they are made and decisions in the
year they are taken (Home Office, Modern Slavery: National Referral Mechanism statistics); the
table does the same, so a year's confirmed victims need not be that year's referrals. It is
built from a run's ``referrals`` and ``timeseries`` (:class:`~simulation.model.outcomes.RunResult`),
never from the model's hidden truth.

Example::

    import simulation
    from simulation.model.statistics import published
    table = published(simulation.run("scenarios/baseline.toml", seed=1))
    table[table.jurisdiction == "destination_a"][["year", "referred", "confirmed"]]
"""

from __future__ import annotations

import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import CHANNELS, FORMS, LISTS

BREAKDOWNS = {
    "form": FORMS,
    "sex": ("female", "male"),
    "age_group": ("adult", "child"),
    "origin": ("national", "foreign"),
}
"""How referrals and confirmed victims are broken down: columns ``referred_<value>`` and
``confirmed_<value>`` for each value."""
COLUMNS = (["year", "jurisdiction", "referred"] + [f"referred_{c}" for c in CHANNELS]
           + ["decisions", "confirmed", "not_confirmed"]
           + [f"confirmed_{v}" for values in BREAKDOWNS.values() for v in values]
           + ["prosecutions", "convictions"] + [f"listed_{name}" for name in LISTS]
           + [f"referred_{v}" for values in BREAKDOWNS.values() for v in values])
"""The table's columns, in order; after them, for each jurisdiction ``j`` of the run,
``referred_from_<j>`` and ``confirmed_from_<j>``: referrals and confirmed victims whose origin
(their nationality, in a country model) is ``j`` (:func:`origin_columns`)."""


def origin_columns(jurisdictions) -> list[str]:
    """The columns of referrals and confirmed victims by origin jurisdiction."""
    return ([f"referred_from_{j}" for j in jurisdictions]
            + [f"confirmed_from_{j}" for j in jurisdictions])


def published(result) -> pd.DataFrame:
    """One row per policy year (1, 2, ...) and jurisdiction: the statistics of
    :data:`COLUMNS` (referrals counted in the year made, decisions in the year taken)."""
    names = list(result.jurisdictions)
    weeks = int(result.provenance.get("weeks", 0))
    years = max(1, -(-weeks // WEEKS_PER_YEAR))
    index = pd.MultiIndex.from_product([range(1, years + 1), names],
                                       names=["year", "jurisdiction"])
    columns = COLUMNS[2:] + origin_columns(names)
    table = pd.DataFrame(0, index=index, columns=columns, dtype="int64")
    ref = result.referrals
    if len(ref):
        ref = ref.assign(origin_jurisdiction=ref["origin"],
                         origin=ref.foreign.map({True: "foreign", False: "national"}))
        made = ref[ref.week >= 0].assign(year=lambda d: d.week // WEEKS_PER_YEAR + 1)
        _add(table, made.groupby(["year", "jurisdiction"]).size(), "referred")
        for channel, rows in made.groupby("first_responder"):
            _add(table, rows.groupby(["year", "jurisdiction"]).size(), f"referred_{channel}")
        decided = ref[ref.decided.notna() & (ref.decided >= 0)].copy()
        decided["year"] = (decided.decided.astype("int64") // WEEKS_PER_YEAR + 1)
        _add(table, decided.groupby(["year", "jurisdiction"]).size(), "decisions")
        yes = decided[decided.confirmed.astype(bool)]
        _add(table, yes.groupby(["year", "jurisdiction"]).size(), "confirmed")
        _add(table, decided[~decided.confirmed.astype(bool)]
             .groupby(["year", "jurisdiction"]).size(), "not_confirmed")
        for stage, rows_of in (("referred", made), ("confirmed", yes)):
            for column in BREAKDOWNS:
                for value, rows in rows_of.groupby(column, observed=True):
                    _add(table, rows.groupby(["year", "jurisdiction"]).size(),
                         f"{stage}_{value}")
            for origin, rows in rows_of.groupby("origin_jurisdiction", observed=True):
                _add(table, rows.groupby(["year", "jurisdiction"]).size(),
                     f"{stage}_from_{origin}")
    ts = result.timeseries
    policy = ts[ts.week >= 0].assign(year=lambda d: d.week // WEEKS_PER_YEAR + 1)
    justice = policy.groupby(["year", "jurisdiction"], observed=True)[
        ["prosecutions", "convictions"]].sum()
    for column in ("prosecutions", "convictions"):
        _add(table, justice[column].round().astype("int64"), column)
    contacts = getattr(result, "contacts", None)
    if contacts is not None and len(contacts):
        seen = contacts[contacts.week >= 0].assign(year=lambda d: d.week // WEEKS_PER_YEAR + 1)
        for name, rows in seen.groupby("list"):
            _add(table, rows.groupby(["year", "jurisdiction"])["person"].nunique(),
                 f"listed_{name}")
    return table.reset_index()[COLUMNS + origin_columns(names)]


def _add(table: pd.DataFrame, counts: pd.Series, column: str) -> None:
    """Put ``counts`` (by year and jurisdiction) into ``column`` of ``table``."""
    counts = counts[counts.index.isin(table.index)]
    table.loc[counts.index, column] = counts.to_numpy()


def compare_published(results, baseline: str = "baseline") -> pd.DataFrame:
    """The published statistics of each scenario in a results store (``results.statistics``):
    one row per scenario and statistic, the region's count in each policy year (summed over
    jurisdictions, averaged over the scenario's runs), its mean per year, and the difference of
    that mean from ``baseline``'s. What ``tipsim compare --published`` prints."""
    from simulation.model.errors import UserError

    table = results.statistics
    if table.empty:
        raise UserError(f"{results.path}: no published statistics on record (a store written "
                        "before issue 23: rerun the batch)")
    scenarios = [s for s in results.scenarios if s in set(table["scenario"])]
    if baseline not in scenarios:
        raise UserError(f"--baseline {baseline!r}: no such scenario in {results.path} "
                        f"(scenarios: {', '.join(scenarios)})")
    names = [c for c in COLUMNS[2:] if c in table.columns]  # (older stores have fewer)
    per_run = table.groupby(["scenario", "run_id", "year"])[names].sum()
    per_year = per_run.groupby(["scenario", "year"]).mean()
    rows = []
    base = per_year.loc[baseline].mean()
    for scenario in scenarios:
        years = per_year.loc[scenario]
        for name in names:
            row = {"scenario": scenario, "statistic": name}
            row |= {f"year_{y}": float(v) for y, v in years[name].items()}
            row["mean_per_year"] = float(years[name].mean())
            row["difference"] = (float("nan") if scenario == baseline
                                 else row["mean_per_year"] - float(base[name]))
            rows.append(row)
    return pd.DataFrame(rows)


def court_case_shares(result, jurisdiction: str | None = None) -> pd.DataFrame:
    """Confirmed victims by first responder, among all victims confirmed and among those in
    prosecuted cases, the quantity of court-case summaries.

    UNODC's shares of victims by who identified them (GLOTIP 2022: own initiative 41%, law
    enforcement 28%, community and civil society 11%) come from the court cases it analysed:
    victims of traffickers who were prosecuted. Here a victim is in a prosecuted case when
    they were referred in the policy period from a network (the run's ``referrals.network``),
    confirmed, and at least one member of that network was charged with trafficking at some
    time in the run (``arrests.charged``). Returns one row per first responder with columns
    ``confirmed`` and ``in_prosecuted_cases`` (counts) and ``share_confirmed`` and
    ``share_in_prosecuted_cases`` (shares of each column's total; NaN when it is 0)."""
    ref = result.referrals
    ref = ref[(ref["week"] >= 0) & ref["confirmed"].fillna(False).astype(bool)]
    if jurisdiction is not None:
        ref = ref[ref["jurisdiction"] == jurisdiction]
    arrests = result.arrests
    charged = set(arrests.loc[arrests["charged"].astype(bool), "network"].tolist())
    in_case = ref["network"].isin(charged) & (ref["network"] != 0)
    table = pd.DataFrame({
        "confirmed": ref["first_responder"].value_counts(),
        "in_prosecuted_cases": ref.loc[in_case, "first_responder"].value_counts(),
    }).reindex(list(CHANNELS)).fillna(0).astype("int64")
    table.index.name = "first_responder"
    for column in ("confirmed", "in_prosecuted_cases"):
        total = table[column].sum()
        table[f"share_{column}"] = table[column] / total if total else float("nan")
    return table
