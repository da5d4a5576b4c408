"""Source of notebooks/05_uncertainty_and_sensitivity.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 5. Uncertainty and sensitivity
#
# **What you will learn.** Which of the model's behavioural assumptions its outcomes hinge on,
# how to find out with a small *Morris screening*, and what that means for trusting a policy
# conclusion such as "training officers reduces the number of victims treated as offenders".
#
# **Levers and parameters.** tipsim keeps two kinds of input apart. *Levers* are policy choices
# (officers, training, shelters...): what a government or an NGO can change, and what policy
# comparisons vary. *Parameters* are uncertain facts about behaviour: how efficiently recruiters
# work, how often police meet a victim, how readily victims come forward, how strongly
# traffickers weigh the risk of prison. Few of them can be measured; most are *assumptions*,
# set so that the baseline reproduces published patterns (`docs/ODD.md`, section 7) and given a
# plausible range in the registry. A policy conclusion deserves trust only if it holds across
# those ranges.
#
# **Morris screening in plain words.** Start from a random point in the space of parameter
# values; change one parameter by a step, keeping the others, and see how much the outcome
# moves (an *elementary effect*); then change the next one, and so on, one at a time: a
# *trajectory*. Repeat from a few random starting points. For each parameter, **mu\*** is the
# mean size of its elementary effects (how much the outcome depends on it) and **sigma** their
# spread (large when the effect depends on where you start: non-linearity or interactions with
# other parameters). The method is Morris's (1991, *Technometrics* 33(2)), with mu\* from
# Campolongo, Cariboni and Saltelli (2007, *Environmental Modelling & Software* 22(10)). It
# ranks parameters cheaply; to *apportion* the variance of an outcome among the few that matter,
# follow it with a variance-based (Sobol') analysis (Saltelli et al. 2010, *Computer Physics
# Communications* 181(2)).

# %%
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio
from SALib.analyze import morris as morris_analyze

import simulation
from simulation.inference.analysis import compare, sensitivity
from simulation.inference.conclusions import conclusions
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import load_experiment
from simulation.model.registry import LEVERS, OUTCOMES, PARAMETERS
from simulation.studies.store import load_results

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

SCENARIOS = simulation.SCENARIOS  # the shipped scenario library

# %% [markdown]
# ## The parameters and their ranges
#
# Every behavioural parameter, with its default, the range sensitivity analysis samples, and
# its source.

# %%
pd.DataFrame([{"parameter": p.name, "label": p.label, "default": p.default, "low": p.low,
               "high": p.high, "unit": p.unit, "source": p.source}
              for p in PARAMETERS.values()])

# %% [markdown]
# ## A small screening
#
# Screening every parameter takes hundreds of runs (the shipped experiment
# `scenarios/experiments/morris_parameters.toml`, whose size is printed below). Here we screen
# the few parameters that bear on police identification, in a small region over a short run,
# with a handful of trajectories, for two scenarios: the baseline and the shipped `training`
# scenario. Every design point runs both scenarios with the same seed.
#
# We also add a **dummy input**: the unit cost of training, which changes what a run costs and
# nothing that happens in it. Each design point has its own seed, so the dummy's elementary
# effects are pure chance variation between runs: its mu\* is the *noise floor*. A parameter
# whose mu\* is not clearly above the dummy's cannot be told apart from chance with this design.

# %%
full = load_experiment(SCENARIOS / "experiments" / "morris_parameters.toml")
print(f"full screening: {len(full.input_names)} parameters, {full.n_runs} runs")

SCREENED = ["police_encounter_rate", "misidentification", "self_referral_hazard",
            "recruitment_efficiency", "intimidation"]
DUMMY = "costs.training"
unit_cost = LEVERS["training"].unit_cost
experiment = {
    "name": "notebook_morris",
    "scenarios": [str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "training.toml")],
    "replications": 1,
    "seed": 1991,
    "run": {"scale": 0.2, "weeks": 156, "burn_in_weeks": 52},
    "design": {"method": "morris", "samples": 4, "levels": 4,
               "inputs": {**{name: {} for name in SCREENED},  # {} = the registry's range
                          DUMMY: {"low": unit_cost / 2, "high": 2 * unit_cost}}},
}
workdir = TemporaryDirectory()
store = Path(workdir.name) / "morris"
# on every core this process may use: the results are the same on any number
summary = run_experiment(experiment, store, progress=False)
results = load_results(store)
design = results.manifest["design"]
print(f"{design['points']} design points x {len(experiment['scenarios'])} scenarios = "
      f"{summary.completed} runs in {summary.seconds:.0f} s")
results.runs[["scenario", "point", *design["inputs"]]].head(8)

# %% [markdown]
# ## What the baseline's outcomes hinge on
#
# `sensitivity` computes mu\*, its 95% confidence half-width, and sigma for every input and
# outcome. The dummy is drawn in grey.

# %%
OUTCOMES_SCREENED = ["victims_identified", "victims_misidentified", "new_victims", "convictions"]
indices = sensitivity(store, outcomes=OUTCOMES_SCREENED, scenario="baseline")
indices["label"] = indices["outcome"].map(lambda o: OUTCOMES[o].label)
indices["input kind"] = np.where(indices["input"] == DUMMY, "dummy (noise floor)", "parameter")
fig = px.bar(indices, x="mu_star", y="input", color="input kind", facet_col="label",
             facet_col_wrap=2, error_x="mu_star_conf", orientation="h",
             color_discrete_map={"parameter": "#1f77b4", "dummy (noise floor)": "grey"},
             title="Morris mu* for the baseline (95% CI)", height=620)
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
fig.update_xaxes(matches=None, showticklabels=True)
fig.show()

# %%
floor = indices[indices["input"] == DUMMY].set_index("outcome")["mu_star"]
for outcome, d in indices[indices["input"] != DUMMY].groupby("outcome", sort=False):
    above = d[d["mu_star"] - d["mu_star_conf"] > floor[outcome]].sort_values("mu_star",
                                                                                 ascending=False)
    print(f"{OUTCOMES[outcome].label}: noise floor {floor[outcome]:.1f}; clearly above it: "
          f"{', '.join(above['input']) or 'none'}")

# %% [markdown]
# mu\* against sigma: points near the diagonal or above it have effects that change a lot with
# the values of the other parameters (interactions or non-linearity); points far below it act
# roughly the same everywhere.

# %%
fig = px.scatter(indices, x="mu_star", y="sigma", color="input", facet_col="label",
                 facet_col_wrap=2, title="mu* and sigma", height=620)
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
fig.update_xaxes(matches=None, showticklabels=True)
fig.update_yaxes(matches=None, showticklabels=True)
fig.show()

# %% [markdown]
# ## Does the policy conclusion survive?
#
# The question a policymaker asks is not "how many victims are misidentified?" (that depends on
# many unknowns) but "does training reduce it?". At every design point we ran both scenarios
# with the same seed, so we can compute the policy's effect at each point: a different
# plausible world. If the effect has the same sign everywhere, the conclusion is robust to these
# assumptions; its *size* may still depend on them, and a Morris analysis of the effect itself
# says on which.

# %%
EFFECT_ON = ["victims_misidentified", "victims_identified"]
runs = results.runs.set_index(["scenario", "point"])
effects = (runs.loc["training", EFFECT_ON] - runs.loc["baseline", EFFECT_ON]).join(
    runs.loc["baseline", design["inputs"]])
for outcome in EFFECT_ON:
    lower = (effects[outcome] < 0).mean()
    print(f"training changes {OUTCOMES[outcome].label.lower()} by {effects[outcome].mean():+.1f} "
          f"on average; lower than the baseline at {lower:.0%} of {len(effects)} points, "
          f"higher at {(effects[outcome] > 0).mean():.0%}")

fig = px.scatter(effects.reset_index(), x="misidentification", y="victims_misidentified",
                 color="police_encounter_rate", hover_data=["point"],
                 labels={"victims_misidentified": "training minus baseline: misidentified"},
                 title="The effect of training at each design point")
fig.add_hline(y=0, line_dash="dot")
fig.show()

# %%
problem = {"num_vars": len(design["inputs"]), "names": design["inputs"],
           "bounds": [[design["ranges"][n]["low"], design["ranges"][n]["high"]]
                      for n in design["inputs"]]}
x = effects[design["inputs"]].to_numpy(float)
rows = []
for outcome in EFFECT_ON:
    res = morris_analyze.analyze(problem, x, effects[outcome].to_numpy(float),
                                 num_levels=design["settings"]["levels"], seed=0)
    rows += [{"effect of training on": OUTCOMES[outcome].label, "input": name,
              "mu_star": res["mu_star"][i], "mu_star_conf": res["mu_star_conf"][i],
              "sigma": res["sigma"][i]} for i, name in enumerate(design["inputs"])]
effect_indices = pd.DataFrame(rows)
fig = px.bar(effect_indices, x="mu_star", y="input", facet_col="effect of training on",
             error_x="mu_star_conf", orientation="h",
             title="What the size of training's effect hinges on (Morris mu*, 95% CI)")
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
fig.update_xaxes(matches=None, showticklabels=True)
fig.show()
effect_indices.round(2)

# %%
workdir.cleanup()

# %% [markdown]
# **What this means for trusting a conclusion.** Three readings, from the numbers above:
#
# - If the effect's sign is the same at (nearly) every design point, the *direction* of the
#   conclusion does not hang on these assumptions, within their ranges.
# - The inputs with a large mu\* for the effect are the ones whose true values decide how
#   *large* the benefit is: those are worth measuring, and worth stating next to any number
#   quoted from the model.
# - Anything at or below the dummy's level is indistinguishable from chance with this small
#   design; a bigger design (more trajectories, replications, larger populations) could still
#   find it matters.
#
# This was a screening of a few parameters with few trajectories: a first look, not a verdict.
# The full screening in `scenarios/experiments/` and the command-line tools (`tipsim batch`,
# `tipsim sensitivity`) do the same at scale.

# %% [markdown]
# ## Carrying the uncertainty into the comparison
#
# A screening says *which* assumptions matter. A policy comparison should also carry them: every
# replication draws its parameters, so every interval covers what is not known about them as
# well as the model's randomness. An experiment's `[uncertainty]` table does this
# (`docs/uncertainty.md`): each draw takes one member of the **calibrated ensemble** (parameter
# sets fitted to published figures, `docs/calibration.md`) and a value of each **lever-effect
# size** from its range (the baseline's data cannot pin those down), and runs twice with its
# own seeds. Draw *k* is the same for the baseline and the policy, so each comparison is paired.
# Here: the baseline and the shipped `prevention` scenario, 24 draws, in a small region.

# %%
uncertain = {
    "name": "notebook_uncertainty",
    "scenarios": [str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "prevention.toml")],
    "replications": 2,  # runs per draw: what tells randomness from the parameters apart
    "seed": 2024,
    "run": {"scale": 0.1, "weeks": 156, "burn_in_weeks": 52},
    "uncertainty": {"ensemble": str(SCENARIOS / "calibration" / "baseline_ensemble"),
                    "sample": ["lever_effects.*"], "draws": 24},
}
workdir = TemporaryDirectory()
store = Path(workdir.name) / "uncertain"
summary = run_experiment(uncertain, store, progress=False)
drawn = load_results(store)
print(f"{summary.completed} runs in {summary.seconds:.0f} s; each run's row records its draw:")
drawn.runs[["run_id", "ensemble_member", "parameters.awareness_recruitment",
            "parameters.police_encounter_rate"]].head(4)

# %% [markdown]
# `compare` now gives each effect **two intervals**: the model's randomness alone (what the
# comparison would say if the parameters were known) and randomness plus the parameters
# (where the effect may lie given both), the **share** of the uncertainty that comes from the
# parameters, the **probability** that the policy does better than the baseline over the draws,
# and what the effect **depends on**.

# %%
table = compare(drawn, outcomes=["new_victims", "victim_weeks_exploited"])
table[table["scenario"] == "prevention"][
    ["label", "difference", "randomness_low", "randomness_high", "difference_low",
     "difference_high", "parameter_share", "probability_better"]].round(3)

# %%
said = conclusions(drawn, outcomes=["new_victims"])
effect = said["effects"][0]
print(effect["sentence"])
top = pd.DataFrame(effect["depends_on"])[["parameter", "label", "index", "p_adjusted", "clear"]]
top.round(3)

# %% [markdown]
# Each of the 55 parameters drawn (16 from the ensemble, 39 lever-effect sizes) gets a squared
# rank correlation with the draws' effects; a parameter is *named* only when its correlation is
# clear after correcting for how many were tried (`clear`). Plotting each draw's effect against
# the assumed cut in recruitment by awareness campaigns shows what the sentence says: the more
# recruitment the campaigns are assumed to prevent, the more prevention does.

# %%
per_draw = (drawn.runs.set_index(["scenario", "point", "replication"])["new_victims"]
            .unstack("scenario").eval("prevention - baseline").groupby("point").mean())
assumed = drawn.runs.groupby("point")["parameters.awareness_recruitment"].first()
fig = px.scatter(x=assumed, y=per_draw,
                 labels={"x": PARAMETERS["awareness_recruitment"].label,
                         "y": "prevention minus baseline: people trafficked"},
                 title="Prevention's effect in each parameter draw")
fig.add_hline(y=0, line_dash="dot")
fig.show()

# %%
workdir.cleanup()

# %% [markdown]
# **Reading it.** The randomness-only interval is narrow; the wider one is what a policymaker
# should be told, because the size of prevention's effect is mostly an assumption. The
# conclusion "prevention reduces the number of people trafficked" survives (it holds in most or
# all draws); "by exactly this much" does not. The shipped policy comparison and `make demo`
# run every policy this way, with 20 draws.

# %% [markdown]
# ## Exercises
#
# 1. **Do tougher sentences deter?** Screen `deterrence_weight`, `discount_rate` and
#    `risk_update_rate` (with the dummy) for the effect of the `penalties` scenario on
#    `new_victims`. Is the direction of the effect robust? Relate what you find to the
#    deterrence literature the ODD cites: Nagin and Pogarsky (2004) and Loughran et al. (2012)
#    on how steeply offenders discount future prison years.
# 2. **From screening to variance.** Keep the two or three inputs that matter most and run a
#    design with `"method": "sobol"` (`samples` must be a power of two). Read the first-order
#    (`S1`) and total (`ST`) indices from `sensitivity`: how much of the variance of
#    `victims_misidentified` comes from interactions (`ST - S1`)?
# 3. **More draws, firmer words.** Rerun the last experiment with `"draws": 48`. Does the
#    parameter named in the sentence change? What happens to the probability of being better
#    and to the two intervals' widths? Which one shrinks with more runs, and why not the other?
