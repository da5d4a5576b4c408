"""Multiple systems estimation (simulation.inference.mse) on synthetic lists with known answers."""

import numpy as np
import pandas as pd
import pytest

import simulation.inference.mse as mse
from simulation.inference.mse import EstimationError


def synthetic_cells(rng, size, probabilities, lists=mse.LISTS, together=None):
    """Capture histories of a closed population of ``size``: each person is on list i with
    ``probabilities[i]``, independently, unless ``together=(i, j, p)``: then a person on list i
    is also on list j with probability p (a referral that makes the lists dependent)."""
    k = len(probabilities)
    seen = rng.random((size, k)) < np.asarray(probabilities)
    if together is not None:
        i, j, p = together
        seen[:, j] |= seen[:, i] & (rng.random(size) < p)
    codes = (seen * (1 << np.arange(k))).sum(axis=1)
    patterns = np.arange(1, 2 ** k)
    cells = pd.DataFrame({lists[b]: (patterns >> b) & 1 for b in range(k)})
    cells["count"] = np.bincount(codes, minlength=2 ** k)[1:]
    return cells


def contacts_table(rows):
    """A contacts table from (person, list, week[, jurisdiction, form, sex, age_group])."""
    full = [r + ("destination_a", "sexual", "female", "adult")[len(r) - 3:] for r in rows]
    out = pd.DataFrame(full, columns=["person", "list", "week", "jurisdiction", "form", "sex",
                                      "age_group"])
    out["identified"] = False
    return out


def test_capture_histories_count_distinct_persons_per_pattern():
    contacts = contacts_table([
        (1, "police", 3), (1, "police", 9), (1, "ngo", 20),   # police and ngo
        (2, "ngo", 4),                                         # ngo only
        (3, "ngo", 5), (3, "hotline", 6),                      # ngo and hotline
        (4, "police", 60),                                     # next year
        (5, "police", -3),                                     # burn-in
    ])
    cells = mse.capture_histories(contacts, year=0)
    assert list(cells.columns) == ["police", "ngo", "hotline", "count"]
    got = {tuple(r[:3]): r[3] for r in cells.itertuples(index=False)}
    assert got == {(1, 0, 0): 0, (0, 1, 0): 1, (1, 1, 0): 1, (0, 0, 1): 0, (1, 0, 1): 0,
                   (0, 1, 1): 1, (1, 1, 1): 0}
    assert mse.capture_histories(contacts, year=1)["count"].tolist() == [1]
    assert mse.capture_histories(contacts)["count"].sum() == 4  # every policy week, not burn-in


def test_capture_histories_narrow_to_a_scope():
    contacts = contacts_table([
        (1, "police", 1, "origin", "labour", "male", "adult"),
        (1, "ngo", 2, "origin", "labour", "male", "adult"),
        (2, "ngo", 3, "destination_a", "sexual", "female", "child"),
    ])
    assert mse.capture_histories(contacts, 0, jurisdiction="origin")["count"].tolist() == [0, 0, 1]
    assert mse.capture_histories(contacts, 0, form="sexual")["count"].tolist() == [1]
    assert mse.capture_histories(contacts, 0, group="child")["count"].tolist() == [1]
    assert mse.capture_histories(contacts, 0, group="male")["count"].sum() == 1


def test_true_count_is_distinct_persons_with_a_spell_overlapping_the_year():
    spells = pd.DataFrame({
        "person": [1, 1, 2, 3, 4, 5],
        "start": [0, 30, 40, 52, -10, 104],
        "end": [10, 60, 52, 80, 1, 110],       # end is exclusive: person 2 ends in year 0
        "jurisdiction": ["a", "a", "b", "a", "b", "a"],
        "form": ["sexual", "sexual", "labour", "labour", "sexual", "sexual"],
        "sex": ["female", "female", "male", "female", "male", "female"],
        "age_group": ["adult", "adult", "adult", "child", "adult", "adult"],
    })
    assert mse.true_count(spells, 0) == 3       # persons 1 (twice), 2, 4
    assert mse.true_count(spells, 1) == 2       # persons 1 (to week 59), 3
    assert mse.true_count(spells, 2) == 1
    assert mse.true_count(spells, 0, jurisdiction="b") == 2
    assert mse.true_count(spells, 1, form="labour", group="child") == 1


def test_two_lists_give_the_lincoln_petersen_estimate():
    cells = pd.DataFrame({"police": [1, 0, 1], "ngo": [0, 1, 1], "count": [60, 40, 20]})
    est = mse.estimate(cells, interval="profile")
    assert est.total == pytest.approx(80 * 60 / 20, rel=1e-6)
    assert est.model == () and est.low < 240 < est.high


def test_interval_covers_the_truth_with_independent_lists():
    rng = np.random.default_rng(20261201)
    covered = sum(
        est.low <= 1000 <= est.high
        for est in (mse.estimate(synthetic_cells(rng, 1000, (0.3, 0.25, 0.2)))
                    for _ in range(100)))
    assert covered >= 90


def test_strongly_dependent_lists_are_modelled_by_their_interaction():
    rng = np.random.default_rng(5)
    cells = synthetic_cells(rng, 2000, (0.2, 0.2, 0.15, 0.1), together=(0, 1, 0.6))
    for criterion in ("aic", "bic"):
        est = mse.estimate(cells, criterion=criterion)
        assert "police:ngo" in est.model
        assert est.low <= 2000 <= est.high
    independence = mse.estimate(cells[["police", "ngo", "count"]]
                                .groupby(["police", "ngo"], as_index=False).sum()
                                .query("police + ngo > 0"))
    assert independence.total < 0.75 * 2000  # the two dependent lists alone undercount badly


def test_no_overlap_one_list_and_unknown_scope_are_clear_errors():
    apart = contacts_table([(1, "police", 1), (2, "ngo", 2), (3, "hotline", 3)])
    with pytest.raises(EstimationError, match="no person is on more than one list"):
        mse.estimate(apart, 0)
    alone = contacts_table([(1, "police", 1), (2, "police", 2)])
    with pytest.raises(EstimationError, match="only one list"):
        mse.estimate(alone, 0)
    with pytest.raises(EstimationError, match="no one is on any list"):
        mse.estimate(alone, 3)
    with pytest.raises(EstimationError, match="unknown jurisdiction 'nowhere'"):
        mse.estimate(alone, 0, jurisdiction="nowhere")
    with pytest.raises(EstimationError, match="unknown form"):
        mse.capture_histories(alone, 0, form="domestic")
    with pytest.raises(EstimationError, match="unknown criterion"):
        mse.estimate(alone, 0, criterion="dic")


def test_a_pair_that_never_overlaps_gets_no_interaction():
    cells = pd.DataFrame({"police": [1, 0, 1, 0, 1, 0, 1], "ngo": [0, 1, 1, 0, 0, 1, 1],
                          "hotline": [0, 0, 0, 1, 1, 1, 1], "count": [50, 40, 10, 30, 8, 0, 0]})
    est = mse.estimate(cells)
    assert "ngo:hotline" not in " ".join(est.models["model"])
    assert np.isfinite(est.total) and est.low <= est.total <= est.high


def test_estimate_vs_truth_reports_each_run_and_year_with_its_error():
    rng = np.random.default_rng(3)
    rows, spells = [], []
    for run in ("baseline-r000", "baseline-r001"):
        for year in (0, 1):
            for person in range(500):
                pid = year * 1000 + person
                spells.append((run, pid, 52 * year, 52 * year + 52))
                for name, p in zip(mse.LISTS, (0.3, 0.3, 0.2, 0.2)):
                    if rng.random() < p:
                        rows.append((run, pid, name, 52 * year + 5))
    contacts = pd.DataFrame(rows, columns=["run_id", "person", "list", "week"])
    exploited = pd.DataFrame(spells, columns=["run_id", "person", "start", "end"])
    table = mse.estimate_vs_truth(contacts, exploited, criterion="bic")
    assert list(table.columns) == mse.COLUMNS
    assert len(table) == 4 and set(table["truth"]) == {500}
    assert table["relative_error"].abs().max() < 0.25
    assert (table["relative_error"] == (table["estimate"] - 500) / 500).all()
    assert table["covers"].sum() >= 3 and (table["problem"] == "").all()
    lonely = mse.estimate_vs_truth(contacts.assign(list="police"), exploited, years=0)
    assert lonely["estimate"].isna().all() and lonely["problem"].str.contains("one list").all()


def test_victims_harder_to_see_make_mse_undercount_and_stratifying_helps():
    rng = np.random.default_rng(11)
    rows, spells = [], []
    for person in range(4000):
        hidden = person % 2 == 1  # half the victims are four times harder to see
        scale = 0.25 if hidden else 1.0
        spells.append((person, 0, 52, "male" if hidden else "female"))
        for name, p in zip(mse.LISTS, (0.4, 0.35, 0.3, 0.25)):
            if rng.random() < p * scale:
                rows.append((person, name, 10, "male" if hidden else "female"))
    contacts = pd.DataFrame(rows, columns=["person", "list", "week", "sex"])
    exploited = pd.DataFrame(spells, columns=["person", "start", "end", "sex"])
    region = mse.estimate_vs_truth(contacts, exploited, 0).iloc[0]
    strata = [mse.estimate_vs_truth(contacts, exploited, 0, group=g).iloc[0]
              for g in ("female", "male")]
    assert region["relative_error"] < -0.1
    stratified = sum(s["estimate"] for s in strata) / 4000 - 1
    assert abs(stratified) < abs(region["relative_error"]) / 2


def test_docstring_examples_hold():
    import doctest

    assert doctest.testmod(mse).failed == 0


def test_a_weakly_identified_model_gives_an_unbounded_interval_not_an_error():
    """A model whose log-scale bound runs past what a float holds (found on a model run's
    criminal-exploitation lists) reports an infinite upper bound."""
    from simulation.inference.mse.models import safe_exp

    assert safe_exp(800.0) == float("inf") and safe_exp(1.0) == pytest.approx(2.718281828)
