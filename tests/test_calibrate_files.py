"""Target and calibration files: what they accept, and one clear error for each mistake."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulation.model.parameters import PARAMETERS

from simulation.inference.calibration import (CalibrationError, TargetError, load_calibration,
                                              load_targets)
from simulation.inference.calibration.targets import Target
from simulation.cli import main

from conftest import BASELINE, ROOT

GOOD_TARGET = """
[targets.conviction_ratio]
ratio = ["convictions", "prosecutions"]
band = [0.35, 0.80]
source = "UNODC GLOTIP 2022"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def calibration_file(tmp_path: Path, body: str = "", *, fit='["conviction_base"]',
                     budget="population = 10\ngenerations = 2", targets=GOOD_TARGET) -> Path:
    write(tmp_path, "targets.toml", targets)
    return write(tmp_path, "cal.toml", f"""
name = "test"
scenario = "{BASELINE}"
targets = "targets.toml"
fit = {fit}
{body}
[budget]
{budget}
""")


@pytest.mark.parametrize("table, field, words", [
    ('outcome = "victims_identifed"', "targets.t.outcome", "did you mean 'victims_identified'"),
    ('ratio = ["convictions", "prosecution"]', "targets.t.ratio", "unknown outcome"),
    ('share = ["identified_self", "identified_self"]', "targets.t", "both"),
    ('outcome = "arrests"\nform = "organ"', "targets.t.form", "allowed: sexual, labour"),
    ('outcome = "arrests"\ngroup = "elderly"', "targets.t.group", "female, male, adult, child"),
])
def test_unknown_names_are_one_error_naming_file_and_field(tmp_path, table, field, words):
    path = write(tmp_path, "t.toml", f'[targets.t]\n{table}\nband = [0.1, 0.2]\nsource = "s"\n')
    with pytest.raises(TargetError) as err:
        load_targets(path)
    message = str(err.value)
    assert message.startswith(str(path)) and field in message and words in message
    assert "\n" not in message


@pytest.mark.parametrize("uncertainty, words", [
    ("band = [0.5, 0.5]", "empty or reversed band"),
    ("band = [0.8, 0.3]", "empty or reversed band"),
    ("band = [0.3, 1.2]", "a share lies between 0 and 1"),
    ("mean = 0.4", "needs its uncertainty"),
    ("mean = 0.4\nsd = 0", "greater than 0"),
    ("mean = 0.4\nsd = 0.1\nband = [0.3, 0.5]", "either band or mean and sd"),
])
def test_bad_uncertainty_is_refused(tmp_path, uncertainty, words):
    path = write(tmp_path, "t.toml", '[targets.s]\nshare = ["identified_self", '
                 f'"victims_identified"]\n{uncertainty}\nsource = "s"\n')
    with pytest.raises(TargetError, match=words):
        load_targets(path)


def test_a_target_needs_a_source_and_one_quantity(tmp_path):
    path = write(tmp_path, "t.toml", '[targets.t]\noutcome = "arrests"\nband = [1, 2]\n')
    with pytest.raises(TargetError, match=r"targets\.t\.source: missing"):
        load_targets(path)
    path = write(tmp_path, "u.toml", '[targets.t]\nband = [1, 2]\nsource = "s"\n')
    with pytest.raises(TargetError, match="exactly one of outcome, ratio, share or statistic"):
        load_targets(path)


def test_only_held_out_targets_leave_nothing_to_fit(tmp_path):
    path = write(tmp_path, "t.toml", GOOD_TARGET + 'held_out = true\nbasis = "emergent"\n'
                 'basis_reason = "planted"\n')
    with pytest.raises(TargetError, match="at least one must be fitted"):
        load_targets(path)


def test_counts_are_per_year_at_scale_one_and_ratios_as_they_are():
    result = SimpleNamespace(outcomes={"victims_identified": 30.0, "victims_in_exploitation": 50.0,
                                       "convictions": 3.0, "prosecutions": 6.0,
                                       "identification_rate": 0.02},
                             jurisdictions={"a": {"convictions": 1.0, "prosecutions": 0.0}})
    flow = Target(name="f", outcome="victims_identified", mean=100, sd=10, source="s")
    stock = Target(name="s", outcome="victims_in_exploitation", mean=100, sd=10, source="s")
    ratio = Target(name="r", ratio=("convictions", "prosecutions"), mean=0.5, sd=0.1, source="s")
    rate = Target(name="i", outcome="identification_rate", mean=0.02, sd=0.01, source="s")
    assert flow.simulated(result, years=3, scale=0.2) == pytest.approx(50)
    assert stock.simulated(result, years=3, scale=0.2) == pytest.approx(250)
    assert ratio.simulated(result, 3, 0.2) == 0.5 and rate.simulated(result, 3, 0.2) == 0.02
    per_year = Target(name="p", ratio=("victims_identified", "victims_in_exploitation"),
                      mean=0.2, sd=0.05, source="s")
    assert per_year.simulated(result, years=3, scale=0.2) == pytest.approx(30 / 3 / 50)
    nowhere = Target(name="j", ratio=("convictions", "prosecutions"), jurisdiction="a",
                     mean=0.5, sd=0.1, source="s")
    assert math.isnan(nowhere.simulated(result, 3, 0.2))


def test_form_and_group_targets_read_by_form_and_by_group_once_the_model_has_them():
    share = Target(name="sexual_convictions", form="sexual",
                   ratio=("convictions", "prosecutions"), band=[0.3, 0.7], source="s")
    child = Target(name="children", group="child", outcome="victims_identified",
                   mean=10, sd=2, source="s")
    result = SimpleNamespace(
        outcomes={}, jurisdictions={},
        by_form={"sexual": {"convictions": 2.0, "prosecutions": 4.0}},
        by_group={"child": {"victims_identified": 6.0}})
    assert share.simulated(result, 1, 1) == 0.5
    assert child.simulated(result, years=2, scale=0.5) == 6.0
    older = SimpleNamespace(outcomes={}, jurisdictions={})
    with pytest.raises(TargetError, match=r"'sexual_convictions'.*no outcomes by form "
                                          r"\(RunResult\.by_form\)"):
        share.simulated(older, 1, 1)


def test_a_good_calibration_file_records_priors_and_fixed_parameters(tmp_path):
    cal = load_calibration(calibration_file(
        tmp_path, '[priors.conviction_base]\nlow = 0.1\nhigh = 0.3\n[run]\nscale = 0.2\n',
        fit='["conviction_base", "self_referral_hazard"]'))
    assert cal.priors["conviction_base"] == (0.1, 0.3)
    spec = PARAMETERS["self_referral_hazard"]
    assert cal.priors["self_referral_hazard"] == (spec.low, spec.high)  # registry range
    assert "conviction_base" not in cal.fixed and cal.fixed["trial_weeks"] == 40.0
    assert cal.scenario.scale == 0.2 and cal.hash


@pytest.mark.parametrize("body, fit, budget, words", [
    ("", '["convictio_base"]', "population = 10\ngenerations = 2",
     "fit: unknown parameter 'convictio_base' (did you mean 'conviction_base'?)"),
    ("", '["justice.nothing"]', "population = 10\ngenerations = 2",
     "no parameter 'nothing' in group 'justice'"),
    ("", '["nogroup.*"]', "population = 10\ngenerations = 2", "unknown parameter group"),
    ("[priors.conviction_base]\nlow = -0.1\nhigh = 0.3", '["conviction_base"]',
     "population = 10\ngenerations = 2",
     "priors.conviction_base: prior [-0.1, 0.3] leaves the hard bounds"),
    ("[priors.conviction_base]\nlow = 0.3\nhigh = 0.3", '["conviction_base"]',
     "population = 10\ngenerations = 2", "priors.conviction_base: empty prior"),
    ("[priors.trial_weeks]\nlow = 1\nhigh = 3", '["conviction_base"]',
     "population = 10\ngenerations = 2", "priors.trial_weeks: not a fitted parameter"),
    ("", '["conviction_base"]', "population = 0\ngenerations = 2",
     "budget.population: Input should be greater than or equal to 1"),
    ("", '["conviction_base"]', "population = 10\ngenerations = 0",
     "budget.generations: Input should be greater than or equal to 1"),
    ("", '["conviction_base"]', "population = 10", "otherwise the calibration never stops"),
    ("seed = -1", '["conviction_base"]', "population = 10\ngenerations = 2", "seed: got -1"),
    ("colour = 1", '["conviction_base"]', "population = 10\ngenerations = 2",
     "colour: unknown field"),
])
def test_bad_calibration_files_get_one_error_naming_the_field(tmp_path, body, fit, budget,
                                                             words):
    path = calibration_file(tmp_path, body, fit=fit, budget=budget)
    with pytest.raises(CalibrationError) as err:
        load_calibration(path)
    assert str(err.value).startswith(str(path)) and words in str(err.value)


def test_a_target_in_a_jurisdiction_the_scenario_lacks_is_refused(tmp_path):
    targets = GOOD_TARGET + 'jurisdiction = "atlantis"\n'
    with pytest.raises(TargetError, match=r"targets\.conviction_ratio\.jurisdiction: unknown "
                                          r"jurisdiction 'atlantis'.*destination_a"):
        load_calibration(calibration_file(tmp_path, targets=targets))


def test_the_command_prints_one_line_and_exits_1(tmp_path, capsys):
    path = calibration_file(tmp_path, fit='["no_such_parameter"]')
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("tipsim: error: ") and "no_such_parameter" in err and "\n" not in err


@pytest.mark.parametrize("name", ["baseline.toml", "netherlands.toml"])
def test_shipped_calibration_files_load(name):
    path = ROOT / "scenarios" / "calibration" / name
    if not path.exists():
        pytest.fail(f"{path} is missing")
    for quick in (False, True):
        cal = load_calibration(path, quick=quick)
        assert cal.targets.fitted and cal.priors


def test_a_place_share_of_the_region_total_reads_its_denominator_in_the_region():
    sexual = Target(name="sexual_share", form="sexual", share_of_region=True,
                    share=("victims_identified", "victims_identified"), band=[0.3, 0.5],
                    source="UNODC GLOTIP 2022")
    result = SimpleNamespace(outcomes={"victims_identified": 40.0}, jurisdictions={},
                             by_form={"sexual": {"victims_identified": 16.0}})
    assert sexual.simulated(result, 1, 1) == 0.4
    with pytest.raises(ValueError, match="share_of_region"):
        Target(name="x", share=("victims_identified", "victims_identified"), band=[0.3, 0.5],
               source="s")


def test_a_numerator_may_sum_outcomes_of_one_kind():
    """A published "other channels" share is the sum of channels the model names apart."""
    other = Target(name="other", share=(("identified_health", "identified_child_protection"),
                                        "victims_identified"), band=[0.1, 0.3], source="s")
    result = SimpleNamespace(outcomes={"victims_identified": 40.0, "identified_health": 6.0,
                                       "identified_child_protection": 4.0}, jurisdictions={})
    assert other.simulated(result, years=3, scale=0.2) == pytest.approx(0.25)
    assert other.numerator == ("identified_health", "identified_child_protection")
    assert other.description == ("(identified_health + identified_child_protection) / "
                                 "victims_identified (region)")
    single = Target(name="s", share=("identified_health", "victims_identified"),
                    band=[0.1, 0.3], source="s")
    assert single.numerator == ("identified_health",) and single.simulated(result, 3, 0.2) == 0.15


@pytest.mark.parametrize("share, words", [
    ('[[], "victims_identified"]', "an empty list of outcomes to sum"),
    ('[["identified_health", "identified_helth"], "victims_identified"]',
     "did you mean 'identified_health'"),
    ('[["identified_health", "identified_health"], "victims_identified"]', "summed twice"),
    ('[["identified_health", "victims_in_exploitation"], "victims_identified"]',
     "must be of one kind (got identified_health (flow), victims_in_exploitation (stock))"),
    ('[["identified_health", "victims_identified"], "victims_identified"]', "both"),
])
def test_a_bad_summed_numerator_is_one_error_naming_the_field(tmp_path, share, words):
    path = write(tmp_path, "t.toml", f'[targets.t]\nshare = {share}\nband = [0.1, 0.2]\n'
                 'source = "s"\n')
    with pytest.raises(TargetError) as err:
        load_targets(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "targets.t" in message and words in message
    assert "\n" not in message


def test_a_group_target_on_an_outcome_not_reported_by_group_is_refused(tmp_path):
    path = write(tmp_path, "t.toml", '[targets.c]\nshare = ["victims_in_exploitation", '
                 '"victims_in_exploitation"]\ngroup = "child"\nshare_of_region = true\n'
                 'band = [0.1, 0.2]\nsource = "s"\n')
    with pytest.raises(TargetError, match="'victims_in_exploitation' is not reported by victim "
                                          "group; allowed there: new_victims"):
        load_targets(path)


def test_record_statistics_are_computed_from_the_lists_and_spells_per_year_at_scale_one(
        tmp_path):
    """A published MSE estimate is compared with the model's own estimate on its own lists, and
    an annual count with the people exploited at some time in each year (issue 23)."""
    import pandas as pd

    from simulation.inference import mse

    rng = np.random.default_rng(3)
    rows = []
    for year in (0, 1):  # two policy years, 400 people each, three independent lists
        for person in range(400):
            for lst, p in (("police", 0.3), ("ngo", 0.25), ("hotline", 0.2)):
                if rng.random() < p:
                    rows.append({"person": 1000 * year + person, "list": lst,
                                 "week": 52 * year + 10, "jurisdiction": "a", "form": "sexual",
                                 "sex": "female", "age_group": "adult", "identified": False})
    contacts = pd.DataFrame(rows)
    exploited = pd.DataFrame({"person": [1, 2, 2, 3], "start": [0, 0, 60, 50],
                              "end": [10, 20, 90, 60], "jurisdiction": ["a", "a", "a", "b"],
                              "form": ["sexual"] * 4, "sex": ["female"] * 4,
                              "age_group": ["adult"] * 4})
    result = SimpleNamespace(contacts=contacts, exploited=exploited)
    own = Target(name="m", statistic="own_mse_estimate", mean=4000, sd=500, source="s")
    by_year = [mse.estimate(contacts, y).total for y in (0, 1)]
    assert own.simulated(result, years=2, scale=0.1) == pytest.approx(np.mean(by_year) / 0.1)
    assert 300 < np.mean(by_year) < 500  # the estimate sees the unlisted: 400 people a year
    count = Target(name="c", statistic="annual_count", jurisdiction="a", mean=10, sd=1,
                   source="s")
    # year 0: persons 1, 2 in a (3 is in b); year 1: person 2 again
    assert count.simulated(result, years=2, scale=0.5) == pytest.approx((2 + 1) / 2 / 0.5)
    empty = SimpleNamespace(contacts=contacts[contacts["list"] == "police"], exploited=exploited)
    assert math.isnan(own.simulated(empty, 2, 1.0))  # one list: no estimate, never accepted
    with pytest.raises(ValueError, match="allowed with it: jurisdiction"):
        Target(name="x", statistic="annual_count", form="sexual", mean=1, sd=1, source="s")
    path = write(tmp_path, "t.toml", '[targets.t]\nstatistic = "own_mse"\nmean = 1\nsd = 1\n'
                 'source = "s"\n')
    with pytest.raises(TargetError, match="statistic"):
        load_targets(path)


def test_a_target_over_some_policy_years_reads_only_their_weeks():
    """``years = [first, last]`` averages a flow over those policy years of the weekly series
    (policy year 1 is weeks 0-51); a window beyond the run is never accepted (NaN)."""
    import pandas as pd

    weeks = np.arange(-52, 3 * 52)
    rows = []
    for name, per_week in (("a", 1.0), ("b", 10.0)):
        # "a" refers 1 a week in year 1, 2 in year 2, 3 in year 3 (none in the burn-in)
        rows.append(pd.DataFrame({"week": weeks, "jurisdiction": name,
                                  "victims_referred": np.where(
                                      weeks < 0, 99.0, per_week * (weeks // 52 + 1))}))
    result = SimpleNamespace(timeseries=pd.concat(rows, ignore_index=True))
    late = Target(name="late", outcome="victims_referred", jurisdiction="a", years=(2, 3),
                  mean=100, sd=10, source="s")
    assert late.simulated(result, years=3, scale=0.5) == pytest.approx((104 + 156) / 2 / 0.5)
    first = Target(name="first", outcome="victims_referred", years=(1, 1), mean=1, sd=1,
                   source="s")
    assert first.simulated(result, years=3, scale=1.0) == pytest.approx(52 + 520)
    assert math.isnan(late.model_copy(update={"years": (3, 4)}).simulated(result, 3, 1.0))
    assert "in policy years 2-3" in late.description


@pytest.mark.parametrize("table, words", [
    ('outcome = "victims_referred"\nyears = [3, 2]', "1 <= first <= last"),
    ('ratio = ["convictions", "prosecutions"]\nyears = [1, 2]', "weekly flow"),
    ('outcome = "victims_in_exploitation"\nyears = [1, 2]', "weekly flow"),
])
def test_bad_target_years_are_one_error_naming_the_field(tmp_path, table, words):
    path = write(tmp_path, "t.toml", f"[targets.t]\n{table}\nmean = 1\nsd = 1\n"
                                     'source = "s"\n')
    with pytest.raises(TargetError, match=words) as err:
        load_targets(path)
    assert "t.toml" in str(err.value) and "targets.t" in str(err.value)
