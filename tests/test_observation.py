"""The observation process (issue 23; docs/ODD.md 6.5): first responders refer, the referral
mechanism decides later; each channel and lever moves what is seen in the direction its
mechanism says, and the published statistics are the decided referrals, not the hidden truth."""

from __future__ import annotations

import numpy as np
import pytest

import simulation
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.registry import CHANNELS
from simulation.model.statistics import published

from conftest import small

SHORT = {"run.scale": 0.2, "run.weeks": 104, "run.burn_in_weeks": 52}


def run(overrides: dict | None = None, seed: int = 1, **levers):
    return simulation.run(small(SHORT | (overrides or {}), **levers), seed=seed)


@pytest.fixture(scope="module")
def result():
    return run()


def test_the_published_statistics_are_the_decided_referrals(result):
    table = published(result)
    o = result.outcomes
    assert table.confirmed.sum() == o["victims_identified"] > 0
    assert table.referred.sum() == o["victims_referred"] > table.confirmed.sum()
    assert table.not_confirmed.sum() == o["referrals_not_confirmed"] > 0
    assert table.confirmed_national.sum() == o["identified_domestic"]
    assert table.prosecutions.sum() == o["prosecutions"]
    assert table.convictions.sum() == o["convictions"]
    assert (table[[f"referred_{c}" for c in CHANNELS]].sum(axis=1) == table.referred).all()
    for breakdown in (("sexual", "labour", "criminal"), ("female", "male"),
                      ("adult", "child"), ("national", "foreign")):
        assert (table[[f"confirmed_{v}" for v in breakdown]].sum(axis=1)
                == table.confirmed).all()
        assert (table[[f"referred_{v}" for v in breakdown]].sum(axis=1)
                == table.referred).all()
    # by origin jurisdiction (a nationality in a country model): every referral and every
    # confirmed victim once, and the foreign ones are those from another jurisdiction
    places = list(result.jurisdictions)
    assert (table[[f"referred_from_{j}" for j in places]].sum(axis=1) == table.referred).all()
    assert (table[[f"confirmed_from_{j}" for j in places]].sum(axis=1)
            == table.confirmed).all()
    own = [table.loc[i, f"referred_from_{table.jurisdiction[i]}"] for i in table.index]
    assert (table.referred_national == own).all() and table.referred_foreign.sum() > 0
    made_by = result.referrals[result.referrals.week >= 0]
    assert table.referred_child.sum() == (made_by.age_group == "child").sum() > 0
    # each confirmed victim is counted under the responder that referred them
    r = result.referrals
    decided = r[r.decided.notna() & (r.decided >= 0) & r.confirmed.fillna(False)]
    for channel in CHANNELS:
        assert (decided.first_responder == channel).sum() == o[f"identified_{channel}"]
    assert set(table.year) == {1, 2}
    # each list holds at least the people its responders referred that year (and others it
    # recorded without their leaving exploitation)
    made = r[r.week >= 0].assign(year=lambda d: d.week // 52 + 1)
    on = table.set_index(["year", "jurisdiction"])
    for responder, lst in (("self", "hotline"), ("police", "police")):
        referred = made[made.first_responder == responder].groupby(
            ["year", "jurisdiction"]).person.nunique()
        assert (on.loc[referred.index, f"listed_{lst}"] >= referred).all()
    assert on.listed_ngo.sum() > on.referred_ngo.sum()  # outreach meets more than it refers


def test_same_seed_same_referrals_and_decisions():
    a, b = run(seed=4), run(seed=4)
    assert a.referrals.equals(b.referrals) and len(a.referrals) > 0


def test_decisions_come_after_the_referral_by_the_set_delay():
    def delays(weeks: float):
        r = run({"parameters.decision_weeks": weeks}).referrals
        d = r[r.decided.notna()]
        return (d.decided - d.week).astype(float)

    quick, slow = delays(2.0), delays(30.0)
    assert quick.min() >= 1 and slow.min() >= 1
    assert slow.mean() > 4 * quick.mean()


def test_a_referral_takes_out_of_exploitation_only_with_the_removal_chance():
    none = run({"parameters.referral_removal": 0.0}).referrals
    assert not none[none.first_responder != "border"].removed.any()
    assert none[none.first_responder == "border"].removed.all()
    every = run({"parameters.referral_removal": 1.0}).referrals
    assert every.removed.all()


def test_a_negative_decision_returns_a_removed_person_to_the_at_risk_population():
    model = TraffickingModel(small(SHORT | {"parameters.confirmation_probability": 0.0,
                                            "parameters.confirmation_child_gain": 0.0,
                                            "parameters.referral_removal": 1.0}), rng=2)
    model.run()
    refs = model.referrals
    decided = [i for i in range(len(refs)) if refs.confirmed[i] == 0]
    assert decided and not any(refs.confirmed[i] == 1 for i in range(len(refs)))
    column = simulation.model.trafficking_model.COLUMN["victims_identified"]
    assert model.series[:, column].sum() == 0
    for i in decided[:50]:
        history = model.victims.history_of(refs.person[i])
        after = [s for w, s in history if w >= refs.week[i]]
        at = after.index("referred")
        assert after[at + 1] == "returned", history


def test_children_are_confirmed_more_readily_under_the_child_rule():
    def confirmed(gain: float):
        r = run({"parameters.child_protection_rate": 0.003,
                 "parameters.confirmation_child_gain": gain}).referrals
        d = r[r.confirmed.notna()]
        return (d[d.age_group == "child"].confirmed.astype(float).mean(),
                d[d.age_group == "adult"].confirmed.astype(float).mean())

    child_none, adult_none = confirmed(0.0)
    child_all, adult_all = confirmed(1.0)
    assert child_all == 1.0
    assert child_none < 0.9 and abs(child_none - adult_none) < 0.2
    assert adult_all < 0.9


def test_child_protection_refers_only_children_and_raises_their_share():
    off = run({"parameters.child_protection_rate": 0.0001})
    on = run({"parameters.child_protection_rate": 0.002})
    r = on.referrals
    assert (r[r.first_responder == "child_protection"].age_group == "child").all()
    assert on.outcomes["identified_child_protection"] > 3 * off.outcomes[
        "identified_child_protection"]

    def child_share(res):
        return res.by_group["child"]["victims_identified"] / res.outcomes["victims_identified"]

    assert child_share(on) > child_share(off)


def test_health_services_refer_and_see_women_more_than_men():
    none = run({"parameters.health_services_rate": 0.0})
    some = run({"parameters.health_services_rate": 0.0008})
    assert none.outcomes["identified_health"] == 0
    assert some.outcomes["identified_health"] > 10
    r = some.referrals
    health = r[r.first_responder == "health"]
    # relative to who is exploited: men are seen at visibility_health_male (0.5) of women
    assert (health.sex == "female").mean() > (r.sex == "female").mean() - 0.05


def test_lower_self_referral_of_labour_victims_lowers_the_labour_share():
    def labour_share(visibility: float) -> float:
        res = run({"parameters.visibility_self_labour": visibility})
        r = res.referrals
        own = r[r.first_responder == "self"]
        return float((own.form == "labour").mean())

    assert labour_share(0.15) < labour_share(1.0) - 0.1


def test_confirmation_probability_sets_the_share_of_decisions_that_confirm():
    def share(p: float) -> float:
        r = run({"parameters.confirmation_probability": p,
                 "parameters.confirmation_child_gain": 0.0}).referrals
        d = r[r.confirmed.notna()]
        n, found = len(d), float(d.confirmed.astype(float).mean())
        assert n > 30 and abs(found - p) < 3.5 * np.sqrt(p * (1 - p) / n)  # binomial noise
        return found

    assert share(0.5) < share(0.9)


def test_domestic_victims_are_those_identified_in_their_own_country(result):
    r = result.referrals
    table = published(result)
    assert 0 < table.confirmed_national.sum() < table.confirmed.sum()
    # border referrals are always of people crossing into a country not their own
    assert r[r.first_responder == "border"].foreign.all()
    assert np.isin(r.jurisdiction.unique(), list(result.jurisdictions)).all()


def tiny_batch(tmp_path, *, replications: int, seed: int, weeks: int,
               burn_in_weeks: int):
    """A batch of the baseline and training at scale 0.2, run in one process; its folder."""
    from simulation.studies.executors import run_experiment

    experiment = tmp_path / "tiny.toml"
    experiment.write_text(f"""
name = "tiny"
scenarios = ["{simulation.SCENARIOS / 'baseline.toml'}", "{simulation.SCENARIOS / 'training.toml'}"]
replications = {replications}
seed = {seed}
[run]
scale = 0.2
weeks = {weeks}
burn_in_weeks = {burn_in_weeks}
""")
    out = tmp_path / "out"
    run_experiment(experiment, out, workers=1, progress=False)
    return out


def test_a_batch_keeps_the_published_statistics_and_compare_prints_them(tmp_path, capsys):
    from simulation.cli import main
    from simulation.model.statistics import compare_published
    from simulation.studies.store import load_results

    out = tiny_batch(tmp_path, replications=2, seed=5, weeks=104, burn_in_weeks=52)
    results = load_results(out)
    stats = results.statistics
    assert set(stats.year) == {1, 2} and len(stats) == 4 * 2 * 5  # runs x years x places
    totals = stats.groupby("run_id")[["confirmed", "referred", "convictions"]].sum()
    runs = results.runs.set_index("run_id").loc[totals.index]
    assert (totals.confirmed == runs.victims_identified).all()
    assert (totals.referred == runs.victims_referred).all()
    assert (totals.convictions == runs.convictions).all()
    table = compare_published(results).set_index(["scenario", "statistic"])
    base = runs[runs.scenario == "baseline"].victims_identified.mean() / 2  # a year
    assert table.loc[("baseline", "confirmed"), "mean_per_year"] == pytest.approx(base)
    trained = runs[runs.scenario == "training"].victims_identified.mean() / 2
    assert table.loc[("training", "confirmed"), "difference"] == pytest.approx(trained - base)
    assert main(["compare", str(out), "--published", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert "referred_child_protection" in printed and "confirmed_foreign" in printed


def test_the_dashboard_shows_the_published_statistics_of_a_store_that_has_them(tmp_path):
    from simulation.reports.dashboard.report import build_report
    from simulation.model.statistics import compare_published
    from simulation.studies.store import load_results

    out = tiny_batch(tmp_path, replications=1, seed=6, weeks=52, burn_in_weeks=26)
    page = build_report(out).read_text()
    table = compare_published(load_results(out)).set_index(["scenario", "statistic"])
    section = page[page.index('<section id="published">'):]
    section = section[:section.index("</section>")]
    row = section[section.index('data-statistic="confirmed"'):]
    row = row[:row.index("</tr>")]
    for scenario in ("baseline", "training"):
        assert f"<td>{table.loc[(scenario, 'confirmed'), 'mean_per_year']:,.1f}</td>" in row
    assert 'data-statistic="confirmed_child"' in section


def test_each_referral_records_where_the_person_comes_from(result):
    """The origin column (a country model's nationality, issue 25): the person's origin
    jurisdiction, foreign exactly where it is not the referring one, and the same for every
    referral of the same person."""
    ref = result.referrals
    assert len(ref) > 50
    assert set(ref["origin"]) <= set(result.jurisdictions)
    assert (ref["foreign"] == (ref["origin"] != ref["jurisdiction"])).all()
    assert (ref.groupby("person")["origin"].nunique() == 1).all()
    assert ref["origin"].nunique() >= 2


def test_first_responders_referrals_grow_each_year_at_the_set_rate():
    """first_responder_growth multiplies the first responders' hazards by (1 + g) ** year:
    referrals grow from year to year, self-referrals do not, and with g = 0 nothing moves."""
    over = {"run.weeks": 208}
    flat = run(over)
    grown = run(over | {"parameters.first_responder_growth": 0.5})

    def by_year(res, column):
        table = published(res).groupby("year")[column].sum()
        return table.to_numpy(dtype=float)

    responders = [f"referred_{c}" for c in CHANNELS if c not in ("self", "border")]
    flat_years = sum(by_year(flat, c) for c in responders)
    grown_years = sum(by_year(grown, c) for c in responders)
    # the first year is the same hazards (factor 1); by the fourth (factor 3.4) referrals by
    # first responders are well above the flat run's and above the grown run's first year
    assert grown_years[3] > 1.8 * flat_years[3]
    assert grown_years[3] > 1.8 * grown_years[0]
    assert grown_years[3] > grown_years[1] > grown_years[0] * 0.9
    # self-referral keeps its hazard: fewer victims left to come forward, never more
    assert by_year(grown, "referred_self")[3] <= 1.1 * by_year(flat, "referred_self")[3]


# -- victims in prosecuted cases: the quantity of court-case summaries -----------------------


def test_court_case_shares_count_confirmed_victims_of_networks_charged_with_trafficking():
    import pandas as pd
    from types import SimpleNamespace

    from simulation.model.statistics import court_case_shares

    referrals = pd.DataFrame({
        "week": [-3, 0, 1, 2, 3, 4, 5],
        "jurisdiction": ["a"] * 6 + ["b"],
        "first_responder": ["police", "police", "self", "self", "health", "ngo", "police"],
        "confirmed": pd.array([True, True, True, False, True, True, True], dtype="boolean"),
        "network": np.array([7, 7, 7, 7, 9, 0, 7], dtype=np.uint64)})
    arrests = pd.DataFrame({"network": np.array([7, 9, 0], dtype=np.uint64),
                            "charged": [True, False, True]})
    table = court_case_shares(SimpleNamespace(referrals=referrals, arrests=arrests))
    # week -3 is burn-in, the self referral at week 2 was not confirmed, network 9 was
    # arrested but not charged, and no network (0) is never a case
    assert table.loc["police", "confirmed"] == 2 and table.loc["police", "in_prosecuted_cases"] == 2
    assert table.loc["self", "in_prosecuted_cases"] == 1
    assert table.loc["health", "confirmed"] == 1 and table.loc["health", "in_prosecuted_cases"] == 0
    assert table.loc["ngo", "in_prosecuted_cases"] == 0
    assert table["confirmed"].sum() == 5 and table["in_prosecuted_cases"].sum() == 3
    assert table.loc["police", "share_in_prosecuted_cases"] == pytest.approx(2 / 3)
    assert list(table.index) == list(CHANNELS)
    only_b = court_case_shares(SimpleNamespace(referrals=referrals, arrests=arrests), "b")
    assert only_b["in_prosecuted_cases"].sum() == 1


def test_a_police_finding_that_always_opens_a_case_puts_more_police_referrals_in_court():
    """Police referrals open a case against the network with ``police_case_probability``
    (ODD 6.5): at certainty, police-referred victims make up more of the victims in
    prosecuted cases than at the least of its range."""
    from simulation.model.statistics import court_case_shares

    def police_share(chance):
        tables = [court_case_shares(run({"parameters.police_case_probability": chance},
                                        seed=s)) for s in (1, 2, 3)]
        total = sum(t["in_prosecuted_cases"] for t in tables)
        return total["police"] / total.sum()

    assert police_share(1.0) > police_share(0.1) + 0.03


def test_referrals_name_the_network_that_held_the_person(result):
    ref, arrests = result.referrals, result.arrests
    held = ref["network"] != 0
    assert held.mean() > 0.5  # most are referred from exploitation, a few from transit or home
    charged = set(arrests.loc[arrests["charged"], "network"])
    assert charged and ref.loc[held, "network"].isin(charged).any()
    ts = result.timeseries
    assert (arrests["charged"] & (arrests["week"] >= 0)).sum() \
        == ts.loc[ts["week"] >= 0, "prosecutions"].sum() == result.outcomes["prosecutions"]
