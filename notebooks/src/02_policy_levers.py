"""Source of notebooks/02_policy_levers.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 2. Policy levers: one run is not enough
#
# **What you will learn.** How to change a policy lever, why a single run cannot tell you what
# the lever does, how replications and confidence intervals can, and how to compare the
# policies shipped with tipsim side by side, with their costs.
#
# **The lever: training officers to identify victims.** Police meet victims in routine work
# (raids, traffic stops, immigration checks). An officer who recognises the signs of trafficking
# identifies the person as a victim; one who does not may simply move on, or may treat the
# person as an offender (for irregular stay, prostitution or petty crime): the victim is
# *misidentified*, detained or deported, gets no support, gives no testimony and is at high risk
# of being trafficked again. In tipsim, training raises the chance that an encounter ends in
# identification, and only untrained officers misidentify; a non-punishment provision prevents
# part of the harm (`docs/ODD.md`, section 6.5; the strength of each effect is an
# *assumption*). Systematic training of police, inspectors and border guards is a standing
# recommendation of the Council of Europe's GRETA evaluations and of the OSCE; the OSCE (2013)
# *Policy and legislative recommendations on the non-punishment provision* describes the harm of
# treating victims as offenders.

# %%
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio
from scipy import stats

import simulation
from simulation.inference.analysis import compare
from simulation.studies.executors import run_experiment
from simulation.model.registry import LEVERS, OUTCOMES

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

SCENARIOS = simulation.SCENARIOS  # the shipped scenario library
SMALL = {"run.scale": 0.3, "run.weeks": 156, "run.burn_in_weeks": 52}
baseline = simulation.with_overrides(SCENARIOS / "baseline.toml", SMALL)

# %% [markdown]
# ## The lever in the registry
#
# Every lever is declared once, in `simulation.model.registry.LEVERS`, with its unit, default, range
# and unit cost; the scenario files, the results and the dashboard all use the same name.

# %%
lever = LEVERS["training"]
print(f"{lever.name}: {lever.label} ({lever.unit})")
print(f"  {lever.description}")
print(f"  default {lever.default}, range {lever.low} to {lever.high}; "
      f"cost {lever.unit_cost:,.0f} CU {lever.cost_basis} (source: {lever.source})")
print("  baseline value by jurisdiction:",
      {j.name: j.levers["training"] for j in baseline.jurisdictions})

# %% [markdown]
# What the lever changes inside the model: each jurisdiction turns its levers into the chances
# that a police encounter ends in identification or in misidentification. Building a model
# (without running it) is enough to read them. A keyword of `with_overrides` sets a lever in
# every jurisdiction for the whole run.

# %%
TRAINED = 0.8
rows = []
for label, scenario in (("baseline", baseline),
                        (f"training = {TRAINED}", simulation.with_overrides(baseline,
                                                                             training=TRAINED))):
    for j in simulation.TraffickingModel(scenario=scenario, rng=0).jurisdictions:
        rows.append({"scenario": label, "jurisdiction": j.name,
                     "P(identified | encounter)": round(j.recognition, 3),
                     "P(misidentified | encounter)": round(j.misidentification, 3)})
pd.DataFrame(rows).pivot(index="jurisdiction", columns="scenario")

# %% [markdown]
# ## One run with the lever changed
#
# A *policy* sets a lever from a given week. We train officers in every jurisdiction (`"*"`)
# from week 0, the first week of the policy period, so the burn-in is the same with and without
# the policy. `simulation.evaluate` runs a scenario and returns its outcomes. (For a quick look,
# `simulation.evaluate(baseline, seed=1, training=0.8)` sets the lever for the whole run, burn-in
# included.)

# %%
trained = simulation.with_overrides(baseline, {"policy": [
    {"lever": "training", "where": "*", "value": TRAINED, "start_week": 0}]})
print(trained.policies)

OUTCOMES_SHOWN = ["victims_identified", "identified_police", "victims_misidentified",
                  "convictions", "victim_weeks_exploited", "policy_cost"]


@cache  # each (seed) pair is run once, however often the notebook asks for it
def one_pair(seed):
    before = simulation.evaluate(baseline, seed=seed)
    after = simulation.evaluate(trained, seed=seed)
    return pd.DataFrame({"baseline": before, "training": after})


first = one_pair(seed=1).loc[OUTCOMES_SHOWN]
first["difference"] = first["training"] - first["baseline"]
first.round(0)

# %% [markdown]
# It is tempting to read the last column as "the effect of training". But a run is one draw
# from a random process: who gets recruited, which victim meets which officer, which case ends
# in a conviction. Run the same comparison with other seeds and the differences change, for
# rare events (convictions) sometimes even their sign.

# %%
by_seed = pd.DataFrame({f"seed {s}": one_pair(s)["training"] - one_pair(s)["baseline"]
                        for s in (1, 2, 3)})
by_seed.loc[OUTCOMES_SHOWN].round(0)

# %% [markdown]
# ## Replications
#
# The remedy is to *replicate*: run each scenario with many seeds and look at the distribution.
# We give the baseline and the trained region the **same** seeds, so replication *r* of both
# starts the policy period from the same burn-in. This is the *common random numbers*
# technique of simulation analysis (Law, *Simulation Modeling and Analysis*, 5th ed., 2015,
# section 11.2), and the batch machinery below uses it by default: the hope is that the two
# runs of a pair share their luck, so that their difference is mostly the policy's doing.

# %%
SEEDS = range(1, 9)
runs = pd.DataFrame([{"seed": seed, "scenario": label, **one_pair(seed)[label]}
                     for seed in SEEDS for label in ("baseline", "training")])
print(f"{len(runs)} runs: {len(SEEDS)} seeds x 2 scenarios")

outcome = "victims_misidentified"
fig = px.line(runs, x="scenario", y=outcome, line_group="seed", markers=True,
              labels={outcome: OUTCOMES[outcome].label},
              title=f"{OUTCOMES[outcome].label}: each line is one seed in both scenarios")
fig.show()

# %% [markdown]
# Each line joins the two runs that share a seed. If the two runs of a pair shared their luck,
# the lines would run parallel. Whether they do is measured by the correlation between the
# paired runs, in the table below.
#
# ## Confidence intervals
#
# A 95% confidence interval for the mean difference says how far the mean over *these* seeds
# could plausibly be from the mean over infinitely many. We compute it with the bootstrap
# (`scipy.stats.bootstrap`, BCa method): resample the seeds with replacement many times and see
# how much the mean moves. The *paired* interval resamples the per-seed differences; the
# *unpaired* one treats the two scenarios as unrelated samples, as if they had different seeds.

# %%
def bootstrap_ci(*samples):
    if len(samples) == 1:
        statistic = np.mean
    else:
        def statistic(b, t, axis=-1):
            return np.mean(t, axis=axis) - np.mean(b, axis=axis)
    res = stats.bootstrap(samples, statistic, confidence_level=0.95, n_resamples=2000,
                          method="BCa", rng=np.random.default_rng(0))
    return res.confidence_interval


wide = runs.pivot(index="seed", columns="scenario")
rows = []
for name in OUTCOMES_SHOWN:
    b, t = wide[(name, "baseline")].to_numpy(), wide[(name, "training")].to_numpy()
    paired = bootstrap_ci(t - b)
    unpaired = bootstrap_ci(b, t)
    rows.append({"outcome": OUTCOMES[name].label, "mean difference": np.mean(t - b),
                 "paired CI": f"{paired.low:.0f} to {paired.high:.0f}",
                 "unpaired CI": f"{unpaired.low:.0f} to {unpaired.high:.0f}",
                 "paired CI excludes 0": bool(paired.low > 0 or paired.high < 0),
                 "correlation of pairs": np.corrcoef(b, t)[0, 1]})
pd.DataFrame(rows).round(1)

# %% [markdown]
# **Reading the table.** When an interval excludes zero, the replications are hard to reconcile
# with "no effect" *in this model*; when it includes zero, we cannot tell the effect from noise
# with this many runs.
#
# **Did pairing help?** Only as much as the paired runs are correlated. In tipsim the policy
# changes a random draw in its first week, and from then on every later draw of the run falls
# differently: the runs share their burn-in but soon go their own ways. Where the correlation
# is small, paired and unpaired intervals are about as wide; pairing still costs nothing and
# guarantees that both scenarios start from the same state.
#
# What reliably shrinks an interval is more replications: roughly with the square root of
# their number, as the figure shows for misidentification.

# %%
diffs = (wide[(outcome, "training")] - wide[(outcome, "baseline")]).to_numpy()
widths = [{"replications": n, "low": ci.low, "high": ci.high, "mean": diffs[:n].mean()}
          for n in range(3, len(diffs) + 1) for ci in [bootstrap_ci(diffs[:n])]]
widths = pd.DataFrame(widths)
fig = px.scatter(widths, x="replications", y="mean",
                 error_y=widths["high"] - widths["mean"],
                 error_y_minus=widths["mean"] - widths["low"],
                 labels={"mean": f"difference in {OUTCOMES[outcome].label.lower()}"},
                 title="The 95% interval narrows as replications accumulate")
fig.add_hline(y=0, line_dash="dot")
fig.show()

# %% [markdown]
# ## Comparing the shipped policies
#
# Each file in `scenarios/` holds one policy idea, phased in from week 0, with a header that
# explains the idea, its numbers and its sources (for example: Directive 2011/36/EU and Nagin
# 2013 for penalties; the Council of Europe Convention of 2005 for victim protection and
# shelters; FATF 2018 and OSCE 2019 for financial investigation; the UN Convention against
# Transnational Organized Crime of 2000 and Eurojust's reports on joint investigation teams
# for cooperation). The batch machinery runs them
# all with replications and common random numbers: `run_experiment` takes an *experiment*
# (here a dict; `scenarios/experiments/` holds files of the same shape), writes every run to a
# results folder, and `compare` turns that folder into a table of differences from the
# baseline with 95% bootstrap intervals. (The results go to a temporary folder that is deleted
# at the end of the notebook.)

# %%
POLICIES = ["baseline", "training", "penalties", "victim_centred", "shelters_reintegration",
            "financial_investigation", "cooperation"]
for name in POLICIES[1:]:
    print(f"{name:>24}: {simulation.load_scenario(SCENARIOS / f'{name}.toml').description}")

experiment = {
    "name": "notebook_policies",
    "scenarios": [str(SCENARIOS / f"{name}.toml") for name in POLICIES],
    "replications": 5,
    "seed": 2024,
    "run": {key.removeprefix("run."): value for key, value in SMALL.items()},
}
workdir = TemporaryDirectory()
store = Path(workdir.name) / "policies"
# on every core this process may use: the results are the same on any number
summary = run_experiment(experiment, store, progress=False)
print(f"{summary.completed} runs completed, {summary.failed} failed, in {summary.seconds:.0f} s")

# %%
KEY = ["victims_identified", "victims_misidentified", "convictions", "victims_retrafficked",
       "victim_weeks_exploited"]
table = compare(store, outcomes=KEY + ["policy_cost"])
base_mean = table[table["scenario"] == "baseline"].set_index("outcome")["mean"]
effects = table[(table["scenario"] != "baseline") & table["outcome"].isin(KEY)].copy()
for column in ("difference", "difference_low", "difference_high"):
    effects[f"{column} %"] = 100 * effects[column] / effects["outcome"].map(base_mean)
effects["above"] = effects["difference_high %"] - effects["difference %"]
effects["below"] = effects["difference %"] - effects["difference_low %"]
effects[["scenario", "label", "mean", "difference", "difference_low", "difference_high",
         "verdict"]].round(1)

# %% [markdown]
# The same table as a picture: for each outcome, each policy's change from the baseline in
# percent, with its 95% interval. An interval that crosses the dotted line at zero is "no clear
# change" with these replications.

# %%
fig = px.scatter(effects, x="difference %", y="scenario", color="verdict", facet_col="label",
                 facet_col_wrap=3, error_x="above", error_x_minus="below",
                 title="Change from the baseline (%), with 95% bootstrap intervals",
                 height=620)
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
fig.update_xaxes(matches=None, zeroline=True, zerolinewidth=1, zerolinecolor="grey")
fig.show()

# %% [markdown]
# **Cost.** Every lever has a running cost (`docs/ODD.md`, section 6.13; the unit costs are
# *assumptions* in a generic currency unit, CU, so compare differences, not levels). `compare`
# adds, for each policy, the extra cost per victim-year of exploitation averted. That ratio
# means something only when the policy clearly averts exploitation (the interval of victim-years
# averted lies above zero); otherwise the table shows "-".

# %%
def interval(low, high):
    return f"{low:,.0f} to {high:,.0f}" if np.isfinite(low) and np.isfinite(high) else "-"


by = {name: table[table["outcome"] == name].set_index("scenario").drop(index="baseline",
                                                                       errors="ignore")
      for name in ("policy_cost", "victim_weeks_exploited", "cost_per_victim_year_averted")}
cost, weeks, ratio = by["policy_cost"], by["victim_weeks_exploited"], by["cost_per_victim_year_averted"]
pd.DataFrame({
    "extra cost (CU)": cost["difference"].round(-3),
    "extra cost, 95% CI": [interval(lo, hi) for lo, hi in
                           zip(cost["difference_low"], cost["difference_high"])],
    "victim-years averted": (-weeks["difference"] / 52).round(1),
    "averted, 95% CI": [interval(-hi / 52, -lo / 52) for lo, hi in
                        zip(weeks["difference_low"], weeks["difference_high"])],
    "CU per victim-year averted": [interval(lo, hi) for lo, hi in
                                   zip(ratio["ci_low"], ratio["ci_high"])],
})

# %%
workdir.cleanup()

# %% [markdown]
# ## Exercises
#
# 1. **More policies.** Add `prevention`, `ngo_partnership` and `combined` to `POLICIES` and
#    rerun the comparison. Which policies change how many people are trafficked
#    (`new_victims`), and which only change what happens to them afterwards?
# 2. **Dose and response.** Run `simulation.evaluate(baseline, seed=s, training=x)` for
#    training from 0 to 1 in five steps and eight seeds each, and plot the mean of
#    `victims_misidentified` with its interval against `x`. Is the response a straight line?
#    Compare with the formula in `docs/ODD.md`, section 6.5.
# 3. **How many replications?** Set `"common_random_numbers": False` in the experiment and rerun
#    it. How much wider are the intervals? Roughly how many replications would you need to get
#    back the precision of the paired design?
