"""The registry is the one vocabulary: it holds every lever and outcome name the ODD uses
(docs/ODD.md sections 2 and 6), consistently."""

from __future__ import annotations

import pytest

import simulation

from simulation.model.registry import (JURISDICTION_LEVERS, LEVERS, OUTCOME_NAMES, PAIR_LEVERS,
                                       PARAMETERS, WEEKLY_COLUMNS, label)

from conftest import BASELINE

# The names the project was specified with (the ODD, section 6, uses them).
MODEL_MD_JURISDICTION_LEVERS = """officers training undercover digital_forensics
financial_investigation sentence_years asset_forfeiture criminalisation non_punishment
victim_centred witness_protection shelter_places reintegration ngo_outreach
ngo_police_partnership awareness labour_inspections specialised_prosecution
anti_corruption""".split() + ["prosecutors", "residence_permit", "compensation",  # issue 12
                               "online_monitoring", "platform_cooperation",  # issue 18
                               "sex_purchase_ban", "supply_chain_due_diligence",  # issue 24
                               "forced_labour_import_ban", "procurement_rules"]
MODEL_MD_PAIR_LEVERS = ("info_sharing mutual_legal_assistance extradition joint_investigations"
                        .split() + ["harmonisation"])  # issue 18
MODEL_MD_OUTCOMES = """arrests prosecutions convictions conviction_ratio mean_sentence_years
networks_active networks_dismantled traffickers_active criminal_revenue assets_seized
cross_border_cases displacement_index new_victims victims_in_exploitation
victim_weeks_exploited victims_identified identified_police identified_ngo
identified_inspection identified_self victims_misidentified victims_supported
victims_testifying victims_reintegrated victims_retrafficked mean_weeks_exploited
unmet_shelter_demand identification_rate convictions_per_identified_victim
policy_cost""".split()


def test_every_model_md_name_is_in_the_registry():
    # disruption that can be measured (issue 24): whom investigations pursue first
    assert set(JURISDICTION_LEVERS) == set(MODEL_MD_JURISDICTION_LEVERS) | {"targeting"}
    assert set(PAIR_LEVERS) == set(MODEL_MD_PAIR_LEVERS)
    # two more flows split the victim pathway for the dashboard's Sankey (issue 6)
    # and the model-depth work (issue 12) reports disruption and capacity more finely
    assert set(OUTCOME_NAMES) == set(MODEL_MD_OUTCOMES) | {
        "victims_self_rescued", "victims_released", "networks_dissolved", "leaders_arrested",
        "cases_dropped", "trials_dropped", "lesser_convictions",
        "cross_border_refused", "identified_online",  # and laws and technology (issue 18)
        # the observation process: referral, decision, new first responders (issue 23)
        "victims_referred", "referrals_not_confirmed", "identified_domestic",
        "identified_border", "identified_health", "identified_child_protection",
        # disruption that can be measured: networks' ties, graded hits, money (issue 24)
        "central_members_arrested", "members_cut_off", "small_offenders_arrested",
        "enforcement_share_of_endings",
        "disruptions_major", "disruptions_moderate", "disruptions_minor", "networks_recovered",
        "mean_recovery_weeks", "share_confiscated", "network_density", "leader_betweenness"}
    assert not set(LEVERS) & set(PARAMETERS), "levers and parameters are kept apart"


@pytest.mark.parametrize("name", [n for n, v in LEVERS.items()
                                  if v.kind not in ("forms", "choice")])
def test_lever_defaults_inside_their_range(name):
    lever = LEVERS[name]
    assert lever.low <= lever.default <= lever.high
    assert lever.unit_cost >= 0 and lever.label and lever.description


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_parameter_default_inside_sampled_range_inside_bounds(name):
    p = PARAMETERS[name]
    assert p.bounds[0] <= p.low < p.default < p.high <= p.bounds[1]


def test_weekly_record_has_every_flow_and_stock():
    result = simulation.run(simulation.with_overrides(
        BASELINE, {"run.scale": 0.1, "run.weeks": 8, "run.burn_in_weeks": 4}))
    assert list(result.timeseries.columns) == ["week", "jurisdiction", *WEEKLY_COLUMNS]


def test_labels_are_human():
    assert label("victims_identified") == "Victims identified"
    assert label("training") == "Officers trained in victim identification"
    assert label("not_a_name") == "Not a name"


def test_choice_levers_default_to_one_of_their_choices():
    from simulation.model.registry import CHOICES

    for name, lever in LEVERS.items():
        if lever.kind == "choice":
            assert lever.default in CHOICES[name]
