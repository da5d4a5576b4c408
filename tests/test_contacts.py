"""Contacts on record and the true exploitation spells (issue 15; docs/ODD.md 6.5): every list
is fed by its channel, referrals make lists dependent, and the spells are a consistent truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simulation
from simulation.model.registry import LIST_OF_CHANNEL, LISTS

from conftest import small


@pytest.fixture(scope="module")
def result():
    return simulation.run(small({"run.scale": 0.5}), seed=2)


def test_every_referral_out_of_exploitation_is_on_its_responders_list(result):
    c = result.contacts
    policy = c[(c.week >= 0) & c.identified]
    r = result.referrals
    out = r[(r.week >= 0) & r.removed]
    list_of = {c.value: LISTS[i] for c, i in LIST_OF_CHANNEL.items()}
    for lst in LISTS:
        expected = (out.first_responder.map(list_of) == lst).sum()
        assert (policy["list"] == lst).sum() == expected > 0
    assert set(c["list"]) == set(LISTS)
    assert (~c.identified).sum() > 0  # and contacts that do not end exploitation


def test_contacts_happen_during_exploitation_or_at_a_border(result):
    c, e = result.contacts, result.exploited
    merged = c.reset_index().merge(e, on="person", suffixes=("", "_spell"))
    during = set(merged[(merged.week >= merged.start) & (merged.week <= merged.end)]["index"])
    outside = c.loc[~c.index.isin(during)]
    # the only contacts outside a spell: identifications at a border crossing (and the
    # referral that may come with them), before exploitation began
    border = c[c.identified & (c["list"] == "inspection")][["person", "week"]]
    assert len(outside) < len(c) / 5
    assert set(map(tuple, outside[["person", "week"]].to_numpy())) <= set(
        map(tuple, border.to_numpy()))


def test_spells_of_a_person_never_overlap_and_open_ones_are_the_stock(result):
    e = result.exploited.sort_values(["person", "start"])
    previous_end = e.groupby("person")["end"].shift()
    assert (e["start"] >= previous_end.fillna(-10**9)).all()
    assert (e["end"] >= e["start"]).all()
    last = result.timeseries["week"].max()
    open_now = (e["end"] == last + 1).sum()
    stock = result.timeseries.query("week == @last")["victims_in_exploitation"].sum()
    assert open_now == stock


def test_a_referral_partnership_puts_identified_victims_on_two_lists():
    def on_two_lists(partnership: float) -> float:
        c = simulation.run(small({"run.scale": 0.5}, ngo_police_partnership=partnership),
                           seed=3).contacts
        found = c[c.identified]
        lists = c[c.person.isin(found.person)].groupby("person")["list"].nunique()
        return float((lists >= 2).mean())

    assert on_two_lists(1.0) > 0.9
    assert on_two_lists(0.0) < 0.2


def test_contact_tables_have_the_documented_columns(result):
    assert list(result.contacts.columns) == ["person", "list", "week", "jurisdiction", "form",
                                             "sex", "age_group", "identified"]
    assert list(result.exploited.columns) == ["person", "start", "end", "jurisdiction",
                                              "form", "sex", "age_group"]
    assert isinstance(result.exploited, pd.DataFrame) and np.issubdtype(
        result.exploited["start"].dtype, np.integer)


def test_a_model_runs_lists_go_through_run_out_and_tipsim_estimate(tmp_path, capsys):
    import json

    from simulation.cli import main

    scenario = small({"run.scale": 1.0, "run.weeks": 156})
    out = tmp_path / "run"
    result = simulation.run(scenario, seed=4)
    import simulation.inference.mse as mse

    table = mse.estimate_vs_truth(result.contacts, result.exploited)
    assert len(table) == 3 and (table["truth"] > table["observed"]).all()
    assert table["estimate"].notna().any()
    assert main(["run", str(simulation.BASELINE), "--seed", "4", "--weeks", "156",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert (out / "contacts.parquet").is_file() and (out / "exploited.parquet").is_file()
    assert main(["estimate", str(out), "--year", "1", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and rows[0]["truth"] > rows[0]["observed"] > 0
