"""The evidence map, prior distributions and elicited priors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.model import evidence
from simulation.model.distributions import DistributionError, parse
from simulation.studies.elicitation import ElicitationError, fit, load_elicitation
from simulation.model.parameters import PARAMETERS, in_group


def test_every_lever_effect_parameter_has_an_evidence_entry():
    entries, sources = evidence.load()
    missing = [n for n in in_group("lever_effects") if n not in entries]
    assert not missing, f"no entry in simulation/model/evidence.toml for {missing}"
    for name in in_group("lever_effects"):
        e = entries[name]
        assert e.kind in evidence.KINDS and e.says and e.derivation
        assert all(s in sources for s in e.sources)


def test_lever_effect_ranges_reach_zero_without_an_evaluation_and_keep_their_defaults():
    for name in in_group("lever_effects"):
        p, e = PARAMETERS[name], evidence.evidence(name)
        assert p.low <= p.default <= p.high, name
        assert p.bounds[0] <= p.low and p.high <= p.bounds[1], name
        if e.kind in ("none", "expert_judgement") and name != "recognition_trained":
            assert p.low <= 0.0, f"{name}: no evaluation, yet its range excludes no effect"
    # no effect of training is recognition at the untrained value
    assert PARAMETERS["recognition_trained"].low == PARAMETERS["recognition_untrained"].default
    assert PARAMETERS["awareness_recruitment"].low < 0  # the discussed backfire


def test_calibrated_parameters_say_so():
    import tomllib
    from pathlib import Path

    fit_ = tomllib.loads(Path("scenarios/calibration/baseline.toml").read_text())["fit"]
    assert all(evidence.evidence(n).kind == "calibrated" for n in fit_)
    assert evidence.kind_phrase(fit_[0]) == "calibrated to published figures"


def test_depends_on_sentence_names_the_kind_of_evidence():
    from simulation.inference.conclusions import parameter_phrase

    assert parameter_phrase("awareness_recruitment", False).endswith(
        "(assumed -20% to 80%; evidence: none on its size, an assumption)")
    assert "expert judgement" in parameter_phrase("joint_delay_effect", False)


def test_levers_evidence_lists_the_map(capsys):
    from simulation.cli import main

    assert main(["levers", "--evidence"]) == 0
    text = capsys.readouterr().out
    assert "awareness_recruitment  [none]" in text and "Campbell Systematic Reviews" in text


@pytest.mark.parametrize("spec, mean", [
    ({"distribution": "uniform"}, 0.5),
    ({"distribution": "triangular", "mode": 0.2}, (0 + 0.2 + 1) / 3),
    ({"distribution": "pert", "mode": 0.2}, (0 + 4 * 0.2 + 1) / 6),
    ({"distribution": "beta", "alpha": 2, "beta": 6}, 0.25),
])
def test_priors_map_uniforms_to_their_distribution(spec, mean):
    d = parse(spec, "t", low=0.0, high=1.0)
    u = (np.arange(20000) + 0.5) / 20000
    x = d.ppf(u)
    assert abs(x.mean() - mean) < 1e-3
    assert np.all(np.diff(x) >= 0) and x.min() >= 0 and x.max() <= 1


def test_lognormal_prior_is_truncated_to_its_support():
    d = parse({"distribution": "lognormal", "median": 0.0005, "sigma": 0.8}, "t", low=0.0,
              high=0.002)
    x = d.ppf(np.linspace(0, 1, 101))
    assert x.max() <= 0.002 and x.min() >= 0
    assert abs(float(d.ppf(d.cdf(0.0005))) - 0.0005) < 1e-9


@pytest.mark.parametrize("spec, message", [
    ({"distribution": "gamma"}, "allowed: uniform, triangular, pert, beta, lognormal"),
    ({"distribution": "pert"}, "needs mode"),
    ({"distribution": "pert", "mode": 2.0}, "outside"),
    ({"distribution": "beta", "alpha": -1, "beta": 2}, "positive"),
    ({"distribution": "uniform", "low": -5.0}, "hard bounds"),
    ({"distribution": "uniform", "width": 1}, "unknown field 'width'"),
])
def test_bad_priors_get_one_clear_error(spec, message):
    with pytest.raises(DistributionError, match=message):
        parse(spec, "exp.toml: uncertainty.priors.x", low=0.0, high=1.0, bounds=(0.0, 1.0))


def test_experiment_priors_shape_the_draws_and_the_same_seed_gives_the_same_draws(tmp_path):
    from simulation.model.errors import UserError
    from simulation.studies.experiment import Experiment

    doc = {"name": "p", "scenarios": ["scenarios/baseline.toml"], "replications": 2,
           "uncertainty": {"sample": ["awareness_recruitment", "online_identification_rate"],
                           "draws": 400, "priors": {"awareness_recruitment": {
                               "distribution": "pert", "low": 0.0, "mode": 0.1,
                               "high": 0.8}}}}
    a = Experiment.load(doc, base_dir=".").draws
    b = Experiment.load(doc, base_dir=".").draws
    pd.testing.assert_frame_equal(a, b)
    x = a["parameters.awareness_recruitment"]
    assert abs(x.mean() - (0 + 4 * 0.1 + 0.8) / 6) < 0.01 and x.min() >= 0
    # the evidence map's lognormal for the other: median near 0.0005, inside the range
    y = a["parameters.online_identification_rate"]
    assert y.max() <= 0.002 and 0.0004 < y.median() < 0.0006
    doc["uncertainty"]["priors"] = {"sentence_years": {"distribution": "uniform"}}
    with pytest.raises(UserError, match="priors: 'sentence_years' is not a sampled parameter"):
        Experiment.load(doc, base_dir=".")


def test_fit_recovers_a_beta_from_its_own_quantiles():
    from scipy import stats

    true = stats.beta(3, 5, -0.2, 1.0)
    probs = [0.1, 0.25, 0.5, 0.75, 0.9]
    d, misfit = fit(probs, true.ppf(probs), (-0.2, 0.8), "beta")
    assert misfit < 1e-6 and abs(d.alpha - 3) < 1e-3 and abs(d.beta - 5) < 1e-3


def test_illustrative_elicitation_pools_the_experts_linearly():
    e = load_elicitation("scenarios/elicitation/illustrative.toml")
    assert e.illustrative and abs(sum(e.weights.values()) - 1) < 1e-12
    pooled = e.pooled["awareness_recruitment"]
    own = [j.fitted for j in e.judgements if j.parameter == "awareness_recruitment"]
    x = 0.1
    assert abs(float(pooled.cdf(x)) - np.mean([float(d.cdf(x)) for d in own])) < 1e-12
    assert abs(float(pooled.cdf(pooled.ppf(0.3))) - 0.3) < 1e-3


def test_elicitation_mistakes_name_the_file_and_field(tmp_path):
    f = tmp_path / "e.toml"
    f.write_text('[experts]\nA = 1\n[parameters.awareness_recruitment]\nlimits = [-0.3, 0.9]\n'
                 'probabilities = [0.25, 0.5, 0.75]\nA = [0.3, 0.2, 0.4]\n')
    with pytest.raises(ElicitationError, match=r"e\.toml: parameters\.awareness_recruitment\.A: "
                                               r".*allowed: 3 increasing numbers"):
        load_elicitation(f)
    f.write_text('[experts]\nA = 1\n[parameters.nope]\nlimits = [0, 1]\n')
    with pytest.raises(ElicitationError, match="unknown parameter"):
        load_elicitation(f)


def test_a_calibration_prior_can_have_a_shape(tmp_path):
    from simulation.inference.calibration.abc import natural
    from simulation.inference.calibration.config import CalibrationError, load_calibration

    src = Path("scenarios/calibration/baseline.toml").read_text()
    src = src.replace('scenario = "../baseline.toml"',
                      f'scenario = "{Path("scenarios/baseline.toml").resolve()}"')
    targets = Path("scenarios/calibration/baseline_targets.toml").resolve()
    src = src.replace('targets = "baseline_targets.toml"', f'targets = "{targets}"')
    shaped = src + ('\n[priors.charge_base]\ndistribution = "pert"\nlow = 0.1\nmode = 0.2\n'
                    'high = 0.6\n')
    f = tmp_path / "cal.toml"
    f.write_text(shaped)
    cal = load_calibration(f)
    assert cal.shapes["charge_base"].kind == "pert" and cal.priors["charge_base"] == (0.1, 0.6)
    # z ~ N(0, 1) maps to the PERT: its median at z = 0
    value = natural({"charge_base": 0.0}, {"charge_base": (0.1, 0.6)}, cal.shapes)
    assert abs(value["charge_base"] - float(cal.shapes["charge_base"].ppf(0.5))) < 1e-12
    plain = tmp_path / "plain.toml"
    plain.write_text(src)
    assert "shapes" not in load_calibration(plain).fingerprint()  # old hashes kept
    f.write_text(src + '\n[priors.charge_base]\ndistribution = "pert"\n')
    with pytest.raises(CalibrationError, match=r"priors\.charge_base: a pert prior needs mode"):
        load_calibration(f)


def test_batch_elicitation_option_draws_from_the_pooled_experts(tmp_path):
    from simulation.commands.batch import _with_elicitation

    exp = _with_elicitation("scenarios/experiments/policy_comparison.toml",
                            "scenarios/elicitation/illustrative.toml", False)
    assert exp.name == "policy_comparison_elicited"
    pooled = load_elicitation("scenarios/elicitation/illustrative.toml").pooled
    prior = exp.uncertainty.sampled_priors["awareness_recruitment"]
    assert prior.kind == "mixture" and prior.spec() == pooled["awareness_recruitment"].spec()
    x = exp.draws["parameters.awareness_recruitment"].to_numpy()
    # one draw per twentieth of the pooled distribution
    assert sorted(np.floor(prior.cdf(x) * 20 - 1e-9).astype(int)) == list(range(20))


def test_the_docs_page_lists_the_current_evidence_map():
    page = Path("docs/evidence.md").read_text()
    start = "<!-- generated by `tipsim levers --evidence --format markdown`: start -->\n"
    end = "\n<!-- generated by `tipsim levers --evidence --format markdown`: end -->"
    assert page[page.index(start) + len(start):page.index(end)] == evidence.render("markdown")


def test_the_registry_names_the_calibrated_parameters_as_calibrated():
    import tomllib

    from simulation.model.parameters import CALIBRATED

    fit_ = tomllib.loads(Path("scenarios/calibration/baseline.toml").read_text())["fit"]
    assert sorted(CALIBRATED) == sorted(fit_)
    assert all(PARAMETERS[n].source.startswith("calibrated") for n in fit_)


def test_every_prior_in_the_map_agrees_with_the_registry():
    """Audit of simulation/model/evidence.toml against simulation/model/parameters.py: each prior
    lives on the parameter's registry range (what the docs' Range column and the draws promise),
    inside its hard bounds, with its default inside and the default not an impossible value; and a
    derivation that states a range states the registry's."""
    import re

    entries, _ = evidence.load()
    for name, e in entries.items():
        p, d = PARAMETERS[name], e.prior
        assert p.bounds[0] <= d.low < d.high <= p.bounds[1], name
        assert (d.low, d.high) == (p.low, p.high), f"{name}: prior {d.spec()}, range " \
            f"{p.low:g} to {p.high:g}"
        assert p.low <= p.default <= p.high, name
        near = d.cdf([p.default - 1e-9 * (p.high - p.low), p.default + 1e-9 * (p.high - p.low)])
        assert 0.0 < near[1] and near[0] < 1.0, f"{name}: the prior excludes the default"
        if getattr(d, "mode", None) is not None:
            assert p.low <= d.mode <= p.high, name
        numbers = [float(x) for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?",
                                                e.derivation)]
        if numbers:
            assert p.low in numbers and p.high in numbers, (
                f"{name}: derivation says {numbers}, registry range {p.low:g} to {p.high:g}")
