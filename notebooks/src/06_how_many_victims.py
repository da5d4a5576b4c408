"""Source of notebooks/06_how_many_victims.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 6. How many victims are there?
#
# **What you will learn.** How countries estimate the number of trafficking victims nobody has
# found, from the overlap between the lists that police, NGOs, inspectors and hotlines keep
# (multiple systems estimation, MSE); what that method assumes; and, because in a simulation
# the true number is known, how far and why its answer is wrong.
#
# **The idea in plain words.** Suppose the police met 100 victims this year and an NGO 100, and
# 20 of them are on both lists. If the two lists were independent draws from the same hidden
# population, the police would have found 20% of everyone the NGO found, and so about 20% of
# everyone: about 500 victims in all. With more lists the same reasoning is done with a
# log-linear Poisson model of how many people are on each pattern of lists, which can also
# allow for pairs of lists that are dependent (a referral partnership passes victims from one
# to the other). UNODC uses the method for SDG indicator 16.2.2; it has been published for the
# United Kingdom (Silverman 2014, Home Office; Bales, Hesketh and Silverman 2015,
# *Significance*), the Netherlands (van Dijk and van der Heijden 2016; Cruyff, van Dijk and van
# der Heijden 2017), Serbia and Romania.
#
# **What it assumes.** A closed population over the period; lists independent once the model's
# interactions are allowed for; and, hardest of all, that every victim is equally likely to be
# seen by a given list (on these assumptions and their failures see Bales, Hesketh and
# Silverman 2015; Silverman 2020, *JRSS A* 183). In reality none of this can be checked. In tipsim each list sees
# victims according to its own preferences by form, sex and age (`docs/ODD.md`, section 6.5),
# victims come and go during the year, and the NGO-police partnership makes two lists
# dependent, so we can see what each departure costs.

# %%
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio

import simulation
import simulation.inference.mse as mse

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

SCENARIOS = simulation.SCENARIOS

# %% [markdown]
# ## The lists of one run
#
# A run keeps every contact on record (`result.contacts`): who, on which list, when, where, in
# which form, of which sex and age group, and whether the contact ended the exploitation. It
# also keeps the truth: every exploitation spell (`result.exploited`). We run the baseline for
# the whole region over six policy years.

# %%
result = simulation.run(SCENARIOS / "baseline.toml", seed=1, weeks=312)
contacts = result.contacts
print(f"{len(contacts)} contacts on record, {contacts['person'].nunique()} different people")
contacts.head()

# %% [markdown]
# How many people are on each pattern of lists in the third policy year (a 1 means "on this
# list")? The pattern with nobody on any list is the one MSE must estimate.

# %%
cells = mse.capture_histories(contacts, year=2)
cells

# %% [markdown]
# ## The estimate beside the truth

# %%
year = 2
estimate = mse.estimate(cells)
truth = mse.true_count(result.exploited, year=year)
print(f"people on at least one list: {estimate.observed}")
print(f"MSE estimate: {estimate.total:,.0f} (95% interval {estimate.low:,.0f} to "
      f"{estimate.high:,.0f}); chosen model: {estimate.model}")
print(f"truth: {truth:,} people exploited at some time in year {year}")

# %% [markdown]
# Year by year, with the relative error (negative: the estimate is too low) and whether the 95%
# interval covers the truth:

# %%
by_year = mse.estimate_vs_truth(contacts, result.exploited)
by_year[["year", "observed", "estimate", "low", "high", "truth", "relative_error", "covers"]]

# %% [markdown]
# ## Dependent lists: a referral partnership
#
# In the baseline the NGO and the police refer some victims to each other (partnership 0.2), so
# a victim on one list is more likely to be on the other. A model without that interaction reads
# the extra overlap as evidence that the lists have found most victims, and undercounts; the
# interaction term (`police:ngo`) absorbs only part of it. We compare the baseline with no
# partnership and with a full one, over the same six years.

# %%
rows = []
for partnership in (0.0, 0.2, 1.0):
    scenario = simulation.with_overrides(SCENARIOS / "baseline.toml",
                                         ngo_police_partnership=partnership)
    run = simulation.run(scenario, seed=1, weeks=312)
    table = mse.estimate_vs_truth(run.contacts, run.exploited)
    rows.append(table.assign(partnership=partnership))
dependence = pd.concat(rows, ignore_index=True)
dependence.groupby("partnership")[["observed", "estimate", "truth", "relative_error"]].mean()

# %% [markdown]
# (A year without enough overlap has no estimate, and is left out of the means.) The chosen
# models show where the method found the dependence (look for `police:ngo`):

# %%
dependence.pivot_table(index="year", columns="partnership", values="model", aggfunc="first")

# %%
fig = px.box(dependence, x="partnership", y="relative_error", points="all",
             title="Relative error of the estimate, by strength of the referral partnership")
fig

# %% [markdown]
# ## Victims who are harder to see, and estimating groups apart
#
# MSE also assumes everyone is equally likely to be seen. In tipsim, as in reality, they are
# not: police and outreach see sexual exploitation more readily than forced labour,
# inspections see labour sites, children rarely call a hotline. A standard remedy is to estimate
# each group apart and add up (stratification). It needs enough overlaps in every group: with
# few people on two lists, a group's estimate is barely bounded, as the forced-criminality
# lists below show.

# %%
rows = []
for form in ("sexual", "labour", "criminal"):
    table = mse.estimate_vs_truth(contacts, result.exploited, form=form)
    rows.append(table.assign(form=form))
by_form = pd.concat(rows, ignore_index=True)
by_form[["form", "year", "observed", "estimate", "low", "high", "truth", "relative_error"]]

# %% [markdown]
# ## What to take away
#
# - MSE needs overlaps: with few people on two lists, intervals are wide, the choice of model
#   decides the answer, and a sparse group's estimate can be anything.
# - Dependence between lists (referral) makes the lists look more complete than they are; the
#   models' interactions catch only part of it, and the estimate falls as the partnership
#   strengthens.
# - Heterogeneity (victims who are harder to see) is the other classic cause of undercounting;
#   estimating groups apart helps only where each group has enough overlaps.
# - All of this comes from the model's assumptions about who sees whom (`docs/ODD.md`, section
#   6.5, parameter group `records.*`): the point is not the numbers but the way to test an
#   estimate where the truth is known.

# %% [markdown]
# ## Exercises
#
# 1. Raise `contacts_ngo` (a scenario's `[parameters]`) from 3 to 6. Do the estimates get
#    closer to the truth? Why?
# 2. Estimate by sex (`group="female"`, `group="male"`) and add up, in the run without a
#    partnership. Does it help more or less than stratifying by form?
# 3. Use BIC instead of AIC (`criterion="bic"`), or run `tipsim run scenarios/baseline.toml
#    --out results/one` and then `tipsim estimate results/one --criterion bic`. Which models
#    does it choose, and how do the intervals change?
