"""Source of notebooks/04_victim_centred_justice.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 4. Victim-centred justice
#
# **What you will learn.** How shelters, trust and testimony connect victim support to
# convictions; how untrained officers turn victims into "offenders", and what training and the
# non-punishment principle do about it; and why what happens to a person after exploitation
# decides whether they are trafficked again.
#
# **The mechanism in plain words.**
#
# - *Shelter.* An identified victim needs a safe place. Places are finite: a victim who waits
#   too long leaves without support (`returned`, counted as unmet shelter demand). The Council of
#   Europe Convention on Action against Trafficking in Human Beings (2005) lists appropriate and
#   secure accommodation among the assistance owed to victims (art. 12).
# - *Trust.* Victims testify when they trust the system and feel safe. In tipsim, trust rises
#   with victim-centred practice (trauma-informed interviews, interpreters, a reflection period),
#   witness protection, the NGO-police partnership and the non-punishment provision; the
#   network's intimidation suppresses testimony unless witnesses are protected; a victim without
#   a shelter place is much less likely to testify (`docs/ODD.md`, sections 6.5 and 6.6; the
#   forms and strengths are *assumptions*, after OSCE 2011 on identifying victims and the
#   Convention's arts. 13 and 28).
# - *Testimony feeds convictions.* A testimony opens or strengthens a case against the network,
#   raises the evidence and the chance of reaching its members, and raises the chance of
#   conviction at trial (sections 6.7 and 6.9). So money spent on victims comes back as
#   convictions, if the victims are safe enough to speak.
# - *Misidentification.* An untrained officer who meets a victim but does not recognise them may
#   treat them as an offender. The non-punishment principle (Convention art. 26; Directive
#   2011/36/EU art. 8; OSCE 2013 *Policy and legislative recommendations on the non-punishment
#   provision*) protects victims from prosecution for offences they were compelled to commit.
#   A misidentified victim gets no support, gives no testimony, and faces the highest risk of
#   being trafficked again; a reintegrated one the lowest (section 6.12, after IOM 2010 *The
#   Causes and Consequences of Re-trafficking*).

# %%
from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio
from scipy import stats

import simulation

from simulation.studies.executors import run_experiment
from simulation.model.registry import OUTCOMES, PARAMETERS
from simulation.studies.store import load_results

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

SCENARIOS = simulation.SCENARIOS  # the shipped scenario library
SMALL = {"run.scale": 0.3, "run.weeks": 208, "run.burn_in_weeks": 52}
baseline = simulation.with_overrides(SCENARIOS / "baseline.toml", SMALL)

# %% [markdown]
# ## Trust, in numbers
#
# Each jurisdiction turns its levers into a level of trust and a chance that a supported victim
# testifies. We read them from two freshly built models: the baseline, and the baseline with
# the levers of the shipped `victim_centred` scenario at their full values.

# %%
victim_centred = simulation.load_scenario(SCENARIOS / "victim_centred.toml")
print(victim_centred.description)
full = {p.lever: p.value for p in victim_centred.policies}
print("levers at full implementation:", full)
rows = []
for label, scenario in (("baseline", baseline),
                        ("victim-centred", simulation.with_overrides(baseline, **full))):
    for j in simulation.TraffickingModel(scenario=scenario, rng=0).jurisdictions:
        rows.append({"jurisdiction": j.name, "scenario": label, "trust": j.trust,
                     "P(testify | supported)": j.testimony_propensity,
                     "P(misidentified | encounter)": j.misidentification})
pd.DataFrame(rows).pivot(index="jurisdiction", columns="scenario").round(3)

# %%
for name in ("testimony_base", "intimidation"):
    p = PARAMETERS[name]
    print(f"{p.label} = {p.default} ({p.unit}; plausible {p.low} to {p.high}): {p.description}")

# %% [markdown]
# ## Does support come back as convictions?
#
# Four scenarios, each run with the same seeds (`SEEDS`): the baseline; `victim_centred` (trust);
# `shelters_reintegration` (more shelter places and reintegration programmes); and both
# together. A scenario is a document, so the combination is a dict that extends the baseline and
# lists the policies of both files.

# %%
shelters = simulation.load_scenario(SCENARIOS / "shelters_reintegration.toml")
both_policies = [{k: v for k, v in asdict(p).items() if v is not None}
                 for p in victim_centred.policies + shelters.policies]
both = simulation.with_overrides({"extends": str(SCENARIOS / "baseline.toml"),
                                  "name": "trust_and_shelters", "policy": both_policies}, SMALL)
scenarios = {
    "baseline": baseline,
    "victim_centred": simulation.with_overrides(victim_centred, SMALL),
    "shelters_reintegration": simulation.with_overrides(shelters, SMALL),
    "trust_and_shelters": both,
}
SEEDS = range(1, 7)
results = {(name, seed): simulation.run(s, seed=seed)
           for name, s in scenarios.items() for seed in SEEDS}
print(f"{len(results)} runs")

# %%
SHOWN = ["victims_identified", "victims_supported", "unmet_shelter_demand",
         "victims_testifying", "convictions", "convictions_per_identified_victim",
         "victims_misidentified", "victims_reintegrated", "victims_retrafficked"]
runs = pd.DataFrame([{"scenario": name, "seed": seed, **r.outcomes}
                     for (name, seed), r in results.items()])
base = runs[runs["scenario"] == "baseline"].set_index("seed")
rows = []
for name in list(scenarios)[1:]:
    this = runs[runs["scenario"] == name].set_index("seed")
    for outcome in SHOWN:
        d = (this[outcome] - base[outcome]).to_numpy()
        ci = stats.bootstrap((d,), np.mean, method="percentile",
                             rng=np.random.default_rng(0)).confidence_interval
        scale = 100 / base[outcome].mean()
        rows.append({"scenario": name, "outcome": OUTCOMES[outcome].label,
                     "change %": d.mean() * scale, "low": ci.low * scale,
                     "high": ci.high * scale})
effects = pd.DataFrame(rows)
effects["clear"] = (effects["low"] > 0) | (effects["high"] < 0)
fig = px.scatter(effects, x="change %", y="outcome", color="scenario", symbol="clear",
                 error_x=effects["high"] - effects["change %"],
                 error_x_minus=effects["change %"] - effects["low"],
                 title="Change from the baseline (%), mean of paired seeds with 95% CI",
                 height=560)
fig.add_vline(x=0, line_dash="dot")
fig.show()
effects.pivot(index="outcome", columns="scenario", values="change %").round(0)

# %% [markdown]
# How to read it: follow the chain from support to justice. Which scenario raises testimony the
# most, and do convictions follow? Look at unmet shelter demand: if more trust brings more
# victims forward, the same few shelter places turn more of them away, and victims without a
# place testify less. That is why the two policies may work better together than apart; check
# whether the combined scenario's intervals say so. (`symbol` marks the changes whose interval
# excludes zero.)
#
# The loop takes time: testimony opens cases, cases take months, trials more months. The
# cumulative counts over the policy period, averaged over seeds, show the lag.

# %%
weekly = pd.concat([r.timeseries.assign(scenario=name, seed=seed)
                    for (name, seed), r in results.items()])
weekly = weekly[weekly["week"] >= 0]
region = (weekly.groupby(["scenario", "seed", "week"])[["victims_testifying", "convictions"]]
          .sum().groupby(level=["scenario", "seed"]).cumsum()
          .groupby(level=["scenario", "week"]).mean().reset_index()
          .melt(id_vars=["scenario", "week"], var_name="outcome", value_name="cumulative"))
fig = px.line(region, x="week", y="cumulative", color="scenario", facet_col="outcome",
              title="Testimonies and convictions since week 0 (whole region, mean of seeds)")
fig.update_yaxes(matches=None, showticklabels=True)
fig.show()

# %% [markdown]
# ## Misidentification and non-punishment
#
# Two levers protect victims from being treated as offenders: training (fewer officers who fail
# to recognise a victim) and the non-punishment provision (fewer of those failures end in
# punishment). A *grid* experiment crosses their values; `run_experiment` runs every
# combination with replications, and `load_results` reads them back as a table. Levers named
# in a design are set region-wide for the whole run.

# %%
grid = {
    "name": "misidentification_grid",
    "scenarios": [str(SCENARIOS / "baseline.toml")],
    "replications": 2,
    "seed": 26,
    "run": {"scale": 0.3, "weeks": 156, "burn_in_weeks": 52},
    "design": {"method": "grid",
               "inputs": {"training": [0.1, 0.5, 0.9], "non_punishment": [0.0, 0.5, 1.0]}},
}
with TemporaryDirectory() as folder:
    # on every core this process may use: the results are the same on any number
    run_experiment(grid, Path(folder) / "grid", progress=False)
    cells = load_results(Path(folder) / "grid").runs
print(f"{len(cells)} runs")
table = cells.pivot_table(index="training", columns="non_punishment",
                          values="victims_misidentified", aggfunc="mean")
fig = px.imshow(table, text_auto=".1f", color_continuous_scale="Reds", origin="lower",
                labels={"color": "victims misidentified", "x": "non-punishment",
                        "y": "share of officers trained"},
                title="Victims treated as offenders (mean of replications)")
fig.show()
worst, best = table.to_numpy().max(), table.to_numpy().min()
print(f"from {worst:.1f} (worst corner) to {best:.1f} (best corner) misidentified victims")

# %% [markdown]
# ## What happens after exploitation decides what happens next
#
# Finally, the individual histories again (notebook 1). For every time a person left
# exploitation we note *how* they left, and whether their next status was `recruited`, that is,
# whether they were trafficked again. We use one larger run and count only exits at least
# `FOLLOW_UP` weeks before its end, so that each person had time to be re-trafficked. The intervals are
# exact binomial (Clopper-Pearson) intervals: with few exits of a kind, they are wide.

# %%
LARGE = {"run.scale": 2.0, "run.weeks": 312, "run.burn_in_weeks": 52}
model = simulation.TraffickingModel(
    scenario=simulation.with_overrides(SCENARIOS / "baseline.toml", LARGE), rng=7)
while model.running:
    model.step()
FOLLOW_UP = 104  # weeks
last_exit = model.week - FOLLOW_UP
print(f"exits up to week {last_exit}, followed for at least {FOLLOW_UP} weeks")

exits = []
for v in model.victims.views():
    h = v.history
    for i, (week, status) in enumerate(h):
        if status not in ("released", "self_rescued", "misidentified", "returned",
                          "reintegrated") or week > last_exit:
            continue
        if status == "returned":
            status = "returned after support" if h[i - 1][1] == "supported" else \
                "returned, no shelter place"
        again = i + 1 < len(h) and h[i + 1][1] == "recruited"
        exits.append({"how they left": status, "trafficked again": again})
exits = pd.DataFrame(exits)
rows = []
for how, d in exits.groupby("how they left"):
    k, n = int(d["trafficked again"].sum()), len(d)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95)
    rows.append({"how they left": how, "exits": n, "trafficked again": k,
                 "share": k / n, "low": ci.low, "high": ci.high})
shares = pd.DataFrame(rows).sort_values("share")
fig = px.bar(shares, x="how they left", y="share", error_y=shares["high"] - shares["share"],
             error_y_minus=shares["share"] - shares["low"], hover_data=["exits"],
             title="Share trafficked again, by how they left exploitation (95% CI)")
fig.show()
shares.round(3)

# %% [markdown]
# In the model, how a person left sets their risk of being trafficked again (`docs/ODD.md`,
# section 6.12, after IOM 2010): highest for those treated as offenders, lowest for those who
# completed a reintegration programme. The shares above are what that rule produced in one
# run; check how many exits of each kind there were before trusting the shares of the rare
# ones.

# %% [markdown]
# ## Exercises
#
# 1. **Protection against intimidation.** Raise only `witness_protection` (to 0.8, everywhere,
#    from week 0) and compare with the baseline, first with the default `intimidation`
#    parameter and then with `intimidation=0.9`. When does protecting witnesses matter most
#    for convictions?
# 2. **Value for money.** Using `policy_cost` from the runs above, compute for
#    `victim_centred` and `shelters_reintegration` the extra cost per extra conviction and per
#    extra reintegrated victim. Which would you fund first, and what does the width of the
#    intervals do to your answer?
# 3. **What the law covers.** In the baseline, `origin_a`'s law does not cover forced
#    criminality (`criminalisation` in `scenarios/baseline.toml`). Add `"criminal"` with
#    `with_overrides(baseline, {"jurisdictions.origin_a.criminalisation": [...]})` and compare
#    `convictions` in `origin_a` (`result.jurisdictions["origin_a"]`). Why might the effect be
#    small even though no conviction was possible before?
