"""The United Kingdom country model (issue 25): its scenario, its calendar, its statistics in
the published categories, its calibration files and the frozen lever file of its backtest."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import simulation
from simulation.model.country_calendar import date_week, week_year, year_weeks
from simulation.model.country_data import load_country
from simulation.model.country_statistics import (SERIES, StatisticsMapError, country_statistics,
                                                 group_published, load_statistics_map)
from simulation.model.scenario import load_scenario, validate_file, with_overrides

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "scenarios" / "countries" / "uk"


@pytest.fixture(scope="module")
def uk():
    return load_country(UK)


@pytest.fixture(scope="module")
def smap():
    return load_statistics_map(UK / "statistics_map.toml")


@pytest.fixture(scope="module")
def small_run():
    """Two model years (2009-2010) of the UK at a twentieth of its scale."""
    spec = with_overrides(UK / "scenario.toml", {"run.scale": 0.05, "run.burn_in_weeks": 26})
    return simulation.run(spec, seed=5, weeks=104)


# -- the scenario --------------------------------------------------------------------------------

def test_uk_scenario_is_valid_and_covers_the_country_calendar(uk):
    assert validate_file(UK / "scenario.toml") == []
    spec = load_scenario(UK / "scenario.toml")
    cal = uk.country["calendar"]
    years = cal["last_year"] - cal["first_year"] + 1
    assert spec.weeks == 52 * years
    origins = set(uk.country["origin_grouping"]["groups"]) - {"united_kingdom"}
    roles = {j.name: j.role for j in spec.jurisdictions}
    assert roles.pop("united_kingdom") == "destination"
    assert set(roles) == origins and set(roles.values()) == {"origin"}


def test_every_source_the_scenario_cites_is_in_sources(uk):
    """A source id in scenario.toml or the calibration targets that is not in sources.toml is
    a typo or an uncited number (the lever file cites facts: checked below)."""
    pattern = re.compile(r"\b((?:pq|nca|tip|ons|salvation_army|silverman|hansard|ukhtc|flex|msa|"
                         r"si|ho|s54|icta|sparsemse|refugee_council|appg)_[a-z0-9_]*|"
                         r"silverman_2014)\b")
    for name in ("scenario.toml", "calibration_targets.toml"):
        cited = set(pattern.findall((UK / name).read_text(encoding="utf-8")))
        assert cited, name
        assert cited <= set(uk.sources), (name, sorted(cited - set(uk.sources)))


def test_uk_runs_at_small_scale(small_run):
    table = small_run.timeseries
    assert set(table.jurisdiction) >= {"united_kingdom", "albania", "vietnam"}
    uk_rows = table[(table.jurisdiction == "united_kingdom") & (table.week >= 0)]
    assert len(uk_rows) == 104
    assert uk_rows.victims_in_exploitation.mean() > 0
    assert (small_run.referrals.jurisdiction == "united_kingdom").any()


# -- the calendar --------------------------------------------------------------------------------

def test_dates_fall_in_the_week_of_their_year():
    assert date_week("2009-01-01", 2009) == 0
    assert date_week("2009-01-08", 2009) == 1
    assert date_week("2015-07-31", 2009) == 52 * 6 + 30
    assert date_week("2019-12-31", 2009) == 52 * 11 - 1  # the last week absorbs the drift
    assert date_week("2017-01", 2009) == 52 * 8
    for year in range(2009, 2020):
        weeks = year_weeks(year, 2009)
        assert len(weeks) == 52
        assert {week_year(w, 2009) for w in weeks} == {year}
        assert date_week(f"{year}-01-01", 2009) == weeks[0]
        assert date_week(f"{year}-12-31", 2009) == weeks[-1]
    assert week_year(-1, 2009) == 2008  # the burn-in is before the first year
    with pytest.raises(simulation.model.errors.UserError, match="before the first calendar year"):
        date_week("2008-12-31", 2009)


def test_shelter_places_change_when_the_victim_care_contract_years_start(uk):
    spec = load_scenario(UK / "scenario.toml")
    starts = sorted(p.start_week for p in spec.policies if p.lever == "shelter_places")
    contract = next(f for f in uk.policy_facts["fact"] if f["id"] == "adult_victim_care_contract")
    first = contract["date"]
    assert starts == [date_week(first.replace(year=first.year + k), 2009) for k in range(3)]


# -- statistics in the published categories --------------------------------------------------------

def test_statistics_use_the_published_categories_and_add_up(small_run, smap, uk):
    table = country_statistics(small_run, smap)
    assert sorted(set(table.year)) == [2009, 2010]
    assert set(table.series) == set(SERIES)
    published_age = set(uk.series("referrals", "age_group").index.get_level_values("category"))
    ages = set(table[(table.series == "referrals") & (table.breakdown == "age_group")].category)
    assert ages == published_age - {"unknown"} == {"adult", "minor"}
    grouped = group_published(uk.statistics, smap)
    responders = set(grouped[grouped.breakdown == "first_responder"].category)
    model_responders = set(table[table.breakdown == "first_responder"].category)
    assert responders <= model_responders
    scale = small_run.provenance["scale"]
    ref = small_run.referrals
    made = ref[(ref.jurisdiction == "united_kingdom") & (ref.week >= 0)]
    for series, breakdowns in SERIES.items():
        rows = table[table.series == series]
        total = rows[rows.breakdown == "total"].set_index("year").value
        for breakdown in breakdowns[1:]:
            parts = rows[rows.breakdown == breakdown].groupby("year").value.sum()
            pd.testing.assert_series_equal(parts, total, check_names=False)
    referrals = table[(table.series == "referrals") & (table.breakdown == "total")]
    assert referrals.value.sum() == pytest.approx(len(made) / scale)
    assert referrals.value.sum() > 0
    in_2010 = made[(made.week >= 52) & (made.week < 104)]
    minors = table[(table.series == "referrals") & (table.category == "minor")
                   & (table.year == 2010)].value.item()
    assert minors == pytest.approx((in_2010.age_group == "child").sum() / scale)


def test_published_first_responders_group_into_the_models(uk, smap):
    grouped = group_published(uk.statistics, smap)
    rows = grouped[(grouped.series == "referrals_apr_dec")
                   & (grouped.breakdown == "first_responder")].set_index("category").value
    assert rows["ngo"] == 27 + 19 + 9 + 8  # Poppy, Kalayaan, TARA, Migrant Helpline
    assert rows.sum() == 527


def test_a_statistics_map_missing_a_category_names_it(tmp_path):
    text = (UK / "statistics_map.toml").read_text(encoding="utf-8")
    bad = tmp_path / "map.toml"
    bad.write_text(text.replace('criminal = "criminal_exploitation"\n', ""), encoding="utf-8")
    with pytest.raises(StatisticsMapError, match=r"exploitation_type\.criminal.*not mapped"):
        load_statistics_map(bad)


# -- calibration ---------------------------------------------------------------------------------

def test_calibration_targets_are_the_published_means(uk):
    from simulation.inference.calibration.config import load_calibration
    from simulation.inference.calibration.targets import load_targets

    cal = load_calibration(UK / "calibration.toml")
    assert set(cal.priors) == {"recruitment_efficiency", "police_encounter_rate",
                               "child_share_criminal", "charge_base", "first_responder_growth"}
    assert cal.weeks == 52 * 6  # 2009-2014: the years before the Act only
    targets = {t.name: t for t in load_targets(UK / "calibration_targets.toml").targets}
    referrals = uk.series("referrals", source_id="pq_107708_nrm_by_age")
    by_year = referrals.groupby(level="year").sum()
    # the referrals' windows: policy year 1 is 2009, and each window is the published mean
    for name, (first, last) in {"nrm_referrals_2010_2011": (2010, 2011),
                                "nrm_referrals_2012": (2012, 2012),
                                "nrm_referrals_2013_2014": (2013, 2014)}.items():
        target = targets[name]
        assert target.years == (first - 2008, last - 2008)
        assert target.observed == pytest.approx(by_year.loc[first:last].mean(), abs=1)
    assert not any(t.years and t.years[0] == 1 for t in targets.values())  # 2009: 9 months
    ages = uk.series("referrals", "age_group")
    minor_share = ages.xs("minor", level="category").sum() / referrals.sum()
    low, high = targets["child_share_of_referrals"].interval
    assert low < minor_share < high
    mse = uk.series("mse_estimate", "interval").xs(2013, level="year")
    assert targets["own_mse_estimate"].observed == pytest.approx(mse.mean())
    assert targets["own_mse_estimate"].statistic == "own_mse_estimate"
    prosecuted = uk.series("proceeded_against")
    low, high = targets["prosecutions"].interval
    assert low < prosecuted.mean() < high


# -- the frozen lever file -----------------------------------------------------------------------

def _lever_blocks(text: str) -> list[tuple[set[str], dict]]:
    """Each [[add_policy]] of a lever file with the fact ids its comments name."""
    blocks = []
    facts: set[str] = set()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# fact:"):
            facts |= set(line.removeprefix("# fact:").split())
        if line.strip() == "[[add_policy]]":
            body = []
            for nxt in lines[i + 1:]:
                if not nxt.strip() or nxt.startswith("["):
                    break
                body.append(nxt)
            blocks.append((facts, tomllib.loads("\n".join(body))))
            facts = set()
    return blocks


def test_lever_file_cites_only_facts_and_starts_at_their_dates(uk):
    text = (UK / "backtest" / "act_levers.toml").read_text(encoding="utf-8")
    facts = {f["id"]: f for f in uk.policy_facts["fact"]}
    named = {w for line in text.splitlines() if line.startswith("# fact:")
             for w in line.removeprefix("# fact:").split()}
    assert named and named <= set(facts), sorted(named - set(facts))
    blocks = _lever_blocks(text)
    assert blocks
    for cited, policy in blocks:
        dated = [facts[f]["date"] for f in cited if "date" in facts[f]]
        assert cited and dated, policy
        assert policy["start_week"] in {date_week(str(d), 2009) for d in dated}, policy
        assert policy["start_week"] >= date_week("2015-01-01", 2009)  # after the cut year
    spec = load_scenario(UK / "backtest" / "act_levers.toml")
    base = load_scenario(UK / "scenario.toml")
    assert len(spec.policies) == len(base.policies) + len(blocks)


def test_backtest_file_points_at_the_scenario_levers_ensemble_and_observations():
    from simulation.studies.backtest import load_backtest

    bt = load_backtest(UK / "backtest" / "backtest.toml")
    assert (bt.first_year, bt.cut_year, bt.last_year) == (2009, 2014, 2019)
    assert bt.lever_scenario.name == "united_kingdom_modern_slavery_act"
    assert {c.series for c in bt.compare} == {"referrals", "conclusive_grounds_positive",
                                             "proceeded_against", "found_guilty"}
    # every compared series is observed or declared unobserved with why, never both
    observed = bt.observations()
    keys = {c.key for c in bt.compare}
    assert set(observed["key"]) | set(bt.unobserved) == keys
    assert not set(observed["key"]) & set(bt.unobserved)
    after = observed[observed["year"] > bt.cut_year]
    assert len(after) == 13 and after["year"].max() == 2018


def test_every_number_of_the_scenario_says_its_source_or_assumption(uk):
    """Each line of scenario.toml that sets a number carries a comment naming a source id of
    sources.toml, the word assumption, or the calendar arithmetic of a date (start_week)."""
    sources = set(uk.sources)
    for n, line in enumerate((UK / "scenario.toml").read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(("#", "[")) or "=" not in line:
            continue
        value, _, comment = line.partition("=")[2].partition("#")
        if not re.match(r"\s*[-\d{]", value):
            continue  # names, roles, lever names: not numbers
        said = ("assumption" in comment or any(s in comment for s in sources)
                or (line.startswith("start_week") and re.search(r"\d{4}-\d\d-\d\d", comment)))
        assert said, f"scenario.toml line {n}: {line.strip()}"
