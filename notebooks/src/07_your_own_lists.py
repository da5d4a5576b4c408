"""Source of notebooks/07_your_own_lists.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 7. Estimating from your own lists, and how wrong it could be
#
# **What you will learn.** How to estimate the number of victims from real lists (police, NGO,
# local-authority, hotline records) with the methods used in the field; what each method
# assumes; and, on synthetic lists shaped like a real country's, how far each method is wrong
# when lists depend on each other or some victims are harder to see than others.
#
# **Where the numbers come from.** The lists are the UK 2013 strategic assessment's, as
# published by the Home Office (Silverman 2014) and distributed by the R package SparseMSE
# (Chan, Silverman and Vincent 2021): 2,744 known potential victims on five lists. The Home
# Office's estimate was "between 10 thousand and 13 thousand". Notebook 6 does the same with
# the agent-based model's own lists (`docs/ODD.md`, section 6.5, says how they are made); this
# one needs no model run.

# %%
import pandas as pd
import plotly.express as px
import plotly.io as pio

import simulation.model.datasets as datasets
import simulation.inference.mse as mse
from simulation.inference.mse.synthetic import shaped_like, synthetic_lists

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

# %% [markdown]
# ## The table
#
# One row per pattern of lists with anyone on it: LA local authorities, NG non-government
# organisations, PFNCA police forces and the National Crime Agency, GO government
# organisations, GP the general public. Patterns with nobody are left out (they count 0).
# Your own file has the same shape, or one row per person; `tipsim estimate FILE` reads it.

# %%
uk = datasets.load("uk_2013_five_lists")
uk

# %% [markdown]
# ## Four estimates of the same lists
#
# Log-linear models chosen by AIC, with three intervals (model-averaged; the chosen model's
# profile likelihood; a bootstrap that repeats the model choice, Silverman 2020), and Bayesian
# model averaging over decomposable graphs (Madigan and York 1997, the R package dga), whose
# prior is stated in `docs/estimation_own_lists.md`.

# %%
rows = []
for label, options in [("AIC, model-averaged interval", {}),
                       ("AIC, profile interval", {"interval": "profile"}),
                       ("AIC, bootstrap interval", {"interval": "bootstrap", "resamples": 99}),
                       ("Bayesian model averaging (dga)", {"method": "dga"})]:
    est = mse.estimate(uk, **options)
    rows.append({"method": label, "estimate": round(est.total), "low": round(est.low),
                 "high": round(est.high)})
estimates = pd.DataFrame(rows)
estimates

# %% [markdown]
# The log-linear estimate, 11,313 with a profile interval of about 10,000 to 13,000, matches
# the Home Office's published "between 10 thousand and 13 thousand". The other intervals are wider: they carry the uncertainty of which pairs of
# lists interact, which the profile interval ignores. The Bayesian estimate is higher still:
# with few people on two lists, models that allow more dependence get weight and push the
# estimate up. Which pairs were left out before fitting, and why:

# %%
mse.estimate(uk).excluded

# %%
fig = px.scatter(estimates, x="estimate", y="method",
                 error_x=estimates["high"] - estimates["estimate"],
                 error_x_minus=estimates["estimate"] - estimates["low"],
                 title="UK 2013, five lists: estimates and 95% intervals")
fig.add_vline(x=2744, line_dash="dot", annotation_text="known: 2,744")
fig.show()

# %% [markdown]
# ## How wrong could it be? Lists shaped like the UK's
#
# We draw populations of the estimated size (11,313) seen by five lists with the same
# probabilities as the UK's lists (each list's size over the estimate), in three worlds:
# independent lists; a referral partnership (the NGO list passes 30% of those it sees to the
# police list); and unequal visibility (half the victims are seen with a quarter of the
# probability, by every list). Three populations per world keep this notebook fast; the
# documentation reports 40 per world for these lists and 200 for three smaller lists.

# %%
total, probabilities, names = shaped_like(uk)
worlds = {"independent": {}, "referral partnership": {"referral": (1, 2, 0.3)},
          "unequal visibility": {"hidden": (0.5, 0.25)}}
results = []
for world, options in worlds.items():
    for seed in range(3):
        table = synthetic_lists(total, probabilities, seed=seed, names=names, **options)
        for method, kwargs in [("log-linear (AIC)", {}), ("dga", {"method": "dga"})]:
            est = mse.estimate(table, **kwargs)
            results.append({"world": world, "method": method, "seed": seed,
                            "relative error": (est.total - total) / total,
                            "covers": est.low <= total <= est.high})
results = pd.DataFrame(results)
results.groupby(["world", "method"])[["relative error", "covers"]].mean().round(2)

# %%
fig = px.strip(results, x="relative error", y="world", color="method",
               title="Relative error of the estimate, lists shaped like the UK 2013 lists")
fig.add_vline(x=0, line_dash="dot")
fig.show()

# %% [markdown]
# Independent lists and a referral partnership (an interaction the models can fit) give
# estimates near the truth. Unequal visibility makes every method undercount, and no method
# knows it: the hidden half is under-represented on every list alike, so the overlaps look
# like those of a smaller population. The remedy is not another method but strata: estimate
# separately for groups that differ in visibility, when the lists record who is in which.

# %% [markdown]
# ## SparseMSE's methods, and the estimates their authors published
#
# With sparse lists some pairs of lists have no one in common. The R package SparseMSE keeps
# such a pair in a model with its interaction at minus infinity (the patterns with both lists
# are expected to be empty) and chooses the model stepwise by Poisson p-values (Chan,
# Silverman and Vincent 2021); Silverman, Chan and Vincent (2024) choose among every two-list
# model by BIC. tipsim has both (`method="stepwise"`, `method="allmodels"`). On the lists
# shipped with tipsim they give the estimates the papers print: Greater New Orleans (eight
# lists) 1,184 with the interaction D:E, the US Western site 2,483 with A:E, and the UK's five
# lists 22,991 by BIC over all models, where the stepwise choice gives the Home Office's
# 11,313. `docs/estimation_own_lists.md` lists every number reproduced and its source.

# %%
published = []
for name, method, options in [("new_orleans_eight_lists", "stepwise", {}),
                              ("us_western_site_five_lists", "stepwise", {}),
                              ("uk_2013_five_lists", "stepwise", {}),
                              ("uk_2013_five_lists", "allmodels", {"criterion": "bic"})]:
    est = mse.estimate(datasets.load(name), method=method, **options)
    published.append({"lists": name, "method": method, "estimate": round(est.total),
                      "low": round(est.low), "high": round(est.high),
                      "model": " ".join(est.model) or "independence"})
pd.DataFrame(published)

# %% [markdown]
# The same UK lists give 11,313 or 22,991 depending on the rule that chooses the model: with
# 2,744 people on five lists the data cannot tell the models apart. That is the reason for an
# interval that repeats the model choice (`interval="bca"` with these methods, `"bootstrap"`
# or `"averaged"` with the default one).

# %% [markdown]
# ## Exercises
#
# 1. Estimate the six-list UK table (`uk_2013_six_lists`) with `lists="LA,NG,PF+NCA,GO,GP"`
#    and check that it gives the five-list estimate. What does `criterion="bic"` give, and why
#    does the choice of criterion matter so much more for `new_orleans_five_lists`? With
#    `method="stepwise"` on `netherlands_six_lists`, which interactions are at minus infinity?
# 2. Make the hidden group smaller but harder to see (`hidden=(0.2, 0.1)`). Which method's
#    error changes most?
# 3. Write the UK table to a CSV file, change one count to `-1`, and run `tipsim estimate` on
#    it. What does the message tell you?
