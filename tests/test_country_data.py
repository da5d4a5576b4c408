"""The UK country data (scenarios/countries/uk/) and the loader that checks it
(simulation/model/country_data.py): every number sourced, no post-Act year among the calibration
series, and the published breakdowns adding up as the sources say they do."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pandas as pd
import pytest

import simulation.model.datasets as datasets
from simulation.model.country_data import (COUNTRIES, CountryData, CountryDataError, breakdown_sums,
                                           load_country, load_statistics)


@pytest.fixture(scope="module")
def uk():
    return load_country("uk")


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the UK folder."""
    folder = tmp_path / "uk"
    shutil.copytree(COUNTRIES / "uk", folder)
    return folder


def _append(path, text):
    path.write_text(path.read_text() + text)


def test_shipped_uk_data_has_only_pre_act_years_and_known_sources(uk):
    stats = uk.statistics
    assert stats["year"].between(2009, 2014).all()
    assert set(stats["source_id"]) <= set(uk.sources)
    assert len(stats) > 150 and len(uk.policy_facts["fact"]) > 20


def test_every_listed_source_is_used(uk):
    """sources.toml lists what the numbers cite, nothing more."""
    used = set(uk.statistics["source_id"])

    def collect(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("source", "sources"):
                    used.update([item] if isinstance(item, str) else item)
                else:
                    collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(uk.policy_facts)
    collect(uk.country)
    # the published series a backtest compares after its cut cite sources.toml too
    for observed in Path(uk.folder).glob("backtest/*.csv"):
        used.update(pd.read_csv(observed)["source_id"].astype(str))
    assert set(uk.sources) - used == set()


def test_a_number_without_a_source_is_refused(copy):
    _append(copy / "country.toml", '\n[[support]]\nname = "beds"\nvalue = 40\nunit = "beds"\n')
    with pytest.raises(CountryDataError) as err:
        load_country(copy)
    message = str(err.value)
    assert "country.toml" in message and "'value'" in message and "allowed:" in message
    assert "beds" in message


def test_a_source_id_not_in_the_sources_file_is_refused(copy):
    _append(copy / "pre_act_statistics.csv",
            "2012,referrals,sex,female,700,persons,nca_nrm_2012,\n")
    with pytest.raises(CountryDataError, match=r"pre_act_statistics\.csv: line \d+, field "
                                               r"'source_id': 'nca_nrm_2012' is not in"):
        load_country(copy)


def test_a_post_act_year_is_refused_from_the_calibration_series(copy):
    _append(copy / "pre_act_statistics.csv",
            "2015,referrals,total,all,3000,persons,pq_107708_nrm_by_age,\n")
    with pytest.raises(CountryDataError) as err:
        load_country(copy)
    assert "field 'year': 2015" in str(err.value) and "from 2009 to 2014" in str(err.value)


def test_an_assumption_must_say_why(copy):
    _append(copy / "country.toml",
            '\n[[support]]\nname = "beds"\nvalue = "assumption"\nsource = "assumption"\n')
    with pytest.raises(CountryDataError, match="field 'why': is missing for an assumption"):
        load_country(copy)
    _append(copy / "country.toml", 'why = "no count of beds was published"\n')
    assert load_country(copy).country["support"][-1]["name"] == "beds"


def test_an_assumed_statistic_needs_a_note(uk, tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text("year,series,breakdown,category,value,unit,source_id,note\n"
                    "2013,referrals,total,all,1745,persons,assumption,\n")
    with pytest.raises(CountryDataError, match="field 'note': is empty for an assumption"):
        load_statistics(path, uk.sources)
    path.write_text(path.read_text().replace("assumption,\n", "assumption,read off a chart\n"))
    assert load_statistics(path, uk.sources)["value"].tolist() == [1745.0]


def test_a_missing_fact_may_not_carry_a_number(copy):
    _append(copy / "policy_facts.toml",
            '\n[[missing]]\nwhat = "trained first responders"\nwhy = "not found"\ncount = 900\n')
    with pytest.raises(CountryDataError, match=r"\[\[missing\]\] number \d+, field 'count'"):
        load_country(copy)


def test_a_wrong_header_is_refused(uk, tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text("year,series,breakdown,category,count,unit,source_id,note\n")
    with pytest.raises(CountryDataError, match="header, field 'value': missing"):
        load_statistics(path, uk.sources)


def test_breakdowns_add_up_to_their_published_totals(uk):
    """Each complete breakdown (age, sex, first responder, decision, offence...) sums exactly to
    the total its source gives for that year and series."""
    sums = breakdown_sums(uk.statistics)
    checked = set(zip(sums["series"], sums["breakdown"]))
    assert {("referrals", "age_group"), ("referrals_apr_dec", "first_responder"),
            ("reasonable_grounds_apr_dec", "decision"), ("known_potential_victims", "sex"),
            ("known_potential_victims", "age_group"), ("offences_charged", "offence"),
            ("conclusive_grounds_decisions_apr_dec", "time_from_referral")} <= checked
    assert (sums["difference"] == 0).all(), sums[sums["difference"] != 0]


def test_the_sum_check_finds_a_part_that_does_not_add_up(uk):
    stats = uk.statistics.copy()
    row = ((stats["series"] == "referrals") & (stats["category"] == "minor")
           & (stats["year"] == 2011))
    stats.loc[row, "value"] += 5
    sums = breakdown_sums(stats)
    wrong = sums[sums["difference"] != 0]
    assert wrong[["year", "series", "breakdown"]].values.tolist() == [[2011, "referrals",
                                                                       "age_group"]]


def test_first_published_and_revised_referral_totals_agree_within_one_percent(uk):
    revised = uk.series("referrals")
    first = uk.series("referrals_first_published")
    assert list(first.index) == [2013, 2014]
    assert ((first - revised.loc[first.index]).abs() / revised.loc[first.index] < 0.01).all()
    assert uk.series("referrals_apr_dec").loc[2009] <= revised.loc[2009]


def test_published_shares_agree_with_the_counts_of_another_source(uk):
    minors = uk.series("referrals", "age_group").loc[(2014, "minor")]
    share = uk.series("referrals_first_published", "age_group_share").loc[(2014, "minor")]
    assert abs(minors / uk.series("referrals").loc[2014] - share) <= 0.005  # 29%, rounded


def test_offences_of_one_answer_add_up_to_the_total_of_another(uk):
    """Two Ministry of Justice answers: by offence (2015) and in total (2014). They agree for
    2009-2012; 2013 was revised between them (40 against 36)."""
    total = uk.series("proceeded_against")
    by_offence = uk.series("proceeded_against_by_offence", "offence").groupby(level="year").sum()
    assert (by_offence.loc[2009:2012] == total.loc[2009:2012]).all()
    assert (by_offence.loc[2013], total.loc[2013]) == (40, 36)
    assert (uk.series("found_guilty") <= total).all()


def test_list_sizes_are_those_of_the_shipped_capture_histories(uk):
    table = datasets.load("uk_2013_five_lists")
    lists = uk.series("mse_list_size", "list_overlapping")
    for name in ("LA", "NG", "PFNCA", "GO", "GP"):
        assert lists.loc[(2013, name)] == table.loc[table[name] == 1, "count"].sum()
    assert uk.series("mse_list_size").loc[2013] == table["count"].sum()
    assert uk.series("known_potential_victims").loc[2013] == table["count"].sum()


def test_the_2013_estimate_brackets_more_than_the_known_victims(uk):
    interval = uk.series("mse_estimate", "interval")
    known = uk.series("known_potential_victims").loc[2013]
    assert known < interval.loc[(2013, "lower")] < interval.loc[(2013, "upper")]


def test_the_act_and_its_reforms_are_dated_in_order(uk):
    facts = {f["id"]: f for f in uk.policy_facts["fact"]}
    assent = facts["msa_royal_assent"]["date"]
    assert assent == datetime.date(2015, 3, 26)
    for later in ("msa_commencement_1", "s45_statutory_defence",
                  "s54_transparency_in_supply_chains", "s52_duty_to_notify",
                  "single_competent_authority"):
        assert facts[later]["date"] > assent
    assert facts["msa_commencement_1"]["date"] < facts["s52_duty_to_notify"]["date"]
    before = [f["date"] for f in facts.values() if isinstance(f.get("date"), datetime.date)
              and f["id"].startswith(("nrm_review", "modern_slavery_strategy"))]
    assert before and all(d < assent for d in before)


def test_a_series_given_by_two_sources_for_one_year_needs_a_source_id(uk, tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text("year,series,breakdown,category,value,unit,source_id,note\n"
                    "2013,referrals,total,all,1745,persons,pq_107708_nrm_by_age,\n"
                    "2013,referrals,total,all,1746,persons,nca_nrm_2013_press,\n")
    data = CountryData(tmp_path, uk.sources, load_statistics(path, uk.sources), {}, {})
    with pytest.raises(CountryDataError, match="source_id= one of nca_nrm_2013_press, pq_107708"):
        data.series("referrals")
    assert data.series("referrals", source_id="nca_nrm_2013_press").loc[2013] == 1746


@pytest.mark.parametrize("entry, field", [
    ('[[fact]]\nid = "iasc_appointed"\nwhat = "x"\ndate = 2014-11-01\nsource = "bbc"\n',
     "source"),
    ('[[fact]]\nid = "iasc_appointed"\nwhat = "x"\nsource = "si_2015_1476"\n'
     'sources = "guardian"\n', "sources"),
])
def test_a_fact_citing_an_unlisted_source_is_refused(copy, entry, field):
    _append(copy / "policy_facts.toml", "\n" + entry)
    with pytest.raises(CountryDataError, match=f"'iasc_appointed', field '{field}'"):
        load_country(copy)
