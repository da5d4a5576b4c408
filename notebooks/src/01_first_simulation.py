"""Source of notebooks/01_first_simulation.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 1. A first simulation
#
# **What you will learn.** How to run tipsim, what a run produces, and how to look inside it:
# the weekly time series of a region, the pathway every trafficked person follows, the
# histories of a few victims, and the life of one trafficking network under enforcement.
#
# **The model in plain words.** tipsim simulates a stylised region of several jurisdictions.
# *Origins* are poor, with many vulnerable people and weak enforcement; *destinations* are rich,
# with demand for exploited labour and sex and stronger enforcement; a *transit* jurisdiction
# lies between them. Trafficking networks recruit people in the origins, move them along a
# route, and exploit them (sexual exploitation, forced labour or forced criminality) where the
# demand is. Each week police, labour and border inspectors, NGOs and the victims themselves
# may bring a victim to light; an identified victim may get a shelter place, testify, and be
# reintegrated, or be returned without support; a victim whom an untrained officer mistakes for
# an offender is *misidentified*. Police build cases against networks, courts convict, and the
# networks replace arrested members, raise their security and move when the risk looks high.
# One step of the model is one week.
#
# **What the model is not.** The region is generic: no real country is claimed, and most
# behavioural values are assumptions, chosen so that the baseline reproduces published aggregate
# patterns. `docs/ODD.md` (the model description, following the ODD protocol of Grimm et al.
# 2020) lists every rule with its source or the word *assumption*; its section 7 compares the
# baseline with the calibration targets, taken from the US Trafficking in Persons (TIP) Report,
# ILO/Walk Free/IOM (2021) *Global Estimates of Modern Slavery* and the UNODC *Global Report on
# Trafficking in Persons* 2022 (GLOTIP). tipsim is a tool for *comparing* policies, not for
# forecasting.

# %% [markdown]
# ## Setting up
#
# The cell below imports tipsim and plotly and finds the repository's `scenarios/` folder.
# `SMALL` shrinks every population and shortens the run, so that a run is quick; the
# mechanisms are the same at every scale, only the counts are smaller and noisier.

# %%

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio

import simulation
from simulation.model.registry import CHANNELS, FORMS, OUTCOMES

# Figures carry their data and plotly.js inside the notebook: they render with no network.
pio.renderers.default = "plotly_mimetype+notebook"
pio.templates.default = "plotly_white"

# The repository root is the first folder, from here upwards, that holds scenarios/.
SCENARIOS = simulation.SCENARIOS  # the shipped scenario library

# 30% of the baseline populations, one burn-in year, three policy years.
SMALL = {"run.scale": 0.3, "run.weeks": 156, "run.burn_in_weeks": 52}
SEED = 1
print(f"tipsim {simulation.__version__}; scenarios in {SCENARIOS}")

# %% [markdown]
# ## The region
#
# A *scenario* file says everything about a run: the jurisdictions, their policy *levers*
# (officers, training, shelter places...), the behavioural *parameters*, and the run's length
# and scale. `baseline.toml` is the status quo; every other scenario in `scenarios/` extends it
# with one policy idea. `with_overrides` changes any value by its dotted path, here the run
# settings.

# %%
baseline = simulation.with_overrides(SCENARIOS / "baseline.toml", SMALL)
print(baseline.description)
print(f"populations and capacities below are at scale 1; this run multiplies them by "
      f"{baseline.scale}")
pd.DataFrame([{
    "jurisdiction": j.name, "role": j.role, "at-risk population": j.population,
    "vulnerability": j.vulnerability, "corruption": j.corruption,
    "officers": j.levers["officers"], "share trained": j.levers["training"],
    "shelter places": j.levers["shelter_places"],
} for j in baseline.jurisdictions])

# %% [markdown]
# ## One run
#
# `simulation.run` simulates a scenario with one random seed and returns a `RunResult`. A run
# starts with a *burn-in* that lets the region settle into its steady state; **week 0 is the
# first week of the policy period**, and every summary outcome is computed over the policy
# period only (flows summed, stocks averaged). The same scenario and seed always give the same
# numbers.

# %%
result = simulation.run(baseline, seed=SEED)
print(result)
print(result.provenance)

# %%
shown = ["new_victims", "victims_in_exploitation", "mean_weeks_exploited", "victims_identified",
         "victims_misidentified", "victims_supported", "victims_testifying",
         "victims_reintegrated", "victims_retrafficked", "arrests", "prosecutions",
         "convictions", "networks_active", "networks_dismantled", "criminal_revenue"]
pd.DataFrame({"outcome": [OUTCOMES[n].label for n in shown],
              "value": [result.outcomes[n] for n in shown],
              "unit": [OUTCOMES[n].unit for n in shown]}).round(1)

# %% [markdown]
# ### Does the baseline look like the world?
#
# A model is only worth asking about policies if it reproduces what we know. The targets below
# are the calibration bands of `docs/ODD.md` (section 7) and their sources: identified victims
# per year against the number in exploitation (US TIP Report law-enforcement tables against the
# ILO/Walk Free/IOM 2021 estimate), convictions per prosecution and per identified victim (US
# TIP Report), and how identified victims came to light (UNODC GLOTIP 2022). The ODD checks
# them at full scale over many seeds; one small run is noisier, so a value just outside a
# band here is not alarming.

# %%
o = result.outcomes
channels = {c: o[f"identified_{c}"] / o["victims_identified"]
            for c in ("self", "police", "border", "ngo", "inspection")}
checks = [  # (pattern, value, low, high, source)
    ("identified per year / in exploitation", o["identification_rate"], 0.003, 0.03,
     "US TIP Report 2021-23; ILO/Walk Free/IOM 2021"),
    ("convictions / prosecutions", o["conviction_ratio"], 0.35, 0.80, "US TIP Report 2017-23"),
    ("convictions / identified victims", o["convictions_per_identified_victim"], 0.04, 0.14,
     "US TIP Report 2009-23"),
    ("share self-referred", channels["self"], 0.30, 0.50, "UNODC GLOTIP 2022"),
    ("share identified by law enforcement (police, border officers)",
     channels["police"] + channels["border"], 0.20, 0.35, "UNODC GLOTIP 2022"),
    ("share identified by NGOs", channels["ngo"], 0.05, 0.20, "UNODC GLOTIP 2022"),
    ("mean years in exploitation", o["mean_weeks_exploited"] / 52, 1, 3, "ILO 2017; assumption"),
]
pd.DataFrame([{"pattern": p, "this run": round(v, 3), "target": f"{lo} to {hi}",
               "inside": lo <= v <= hi, "source": s} for p, v, lo, hi, s in checks])

# %% [markdown]
# ## The weekly time series
#
# `result.timeseries` is a long table with one row per week and jurisdiction. Negative weeks
# are the burn-in. The first figure shows how many people are in exploitation in each
# jurisdiction; most are in the destinations, where the demand is.

# %%
ts = result.timeseries
print(ts.shape, "rows x columns; first columns:", list(ts.columns[:8]))
fig = px.line(ts, x="week", y="victims_in_exploitation", color="jurisdiction",
              labels={"victims_in_exploitation": OUTCOMES["victims_in_exploitation"].label},
              title="People in exploitation, by jurisdiction")
fig.add_vline(x=0, line_dash="dash", annotation_text="policy period starts")
fig.show()

# %% [markdown]
# Identifications are rare events, so weekly counts jump about. Summing them by quarter (13
# weeks) for the whole region shows the mix of first responders who referred the victims the
# referral mechanism then confirmed: police, NGOs, inspections, self-referral, border officers,
# health and social services, child protection (docs/ODD.md 6.5).

# %%
channel_columns = {f"identified_{c}": OUTCOMES[f"identified_{c}"].label
                   for c in CHANNELS}
quarterly = (ts.assign(quarter=ts["week"] // 13)
             .groupby("quarter")[list(channel_columns)].sum()
             .rename(columns=channel_columns).reset_index()
             .melt(id_vars="quarter", var_name="channel", value_name="victims"))
fig = px.bar(quarterly, x="quarter", y="victims", color="channel",
             title="Victims identified per quarter, by channel (whole region)",
             labels={"quarter": "quarter (0 = first policy quarter)"})
fig.show()

# %% [markdown]
# ## Inside the model: agents
#
# `simulation.run` hides the agents. To watch them, build the model yourself:
# `simulation.TraffickingModel` is a Mesa model, and each call to `model.step()` simulates one
# week, running the processes in the order `docs/ODD.md` (section 3) lists them. We step it to
# the end while keeping a weekly snapshot of every network, so we can follow one later.
#
# Because every random draw comes from the model's random streams, which the seed fixes, this
# model, with the same scenario and seed, retraces exactly the run above: the check at the end
# of the cell compares the two.

# %%
model = simulation.TraffickingModel(scenario=baseline, rng=SEED)
snapshots, members_seen = [], {}
while model.running:
    model.step()
    for net in model.networks:
        snapshots.append({"week": model.week, "network": net.unique_id, "members": net.size,
                          "victims": len(net.victims), "security": net.security})
        seen = members_seen.setdefault(net.unique_id, {})
        for role, people in net.members.items():
            for person in people:
                seen.setdefault(person.key, person)
snapshots = pd.DataFrame(snapshots)

weekly = model.datacollector.get_model_vars_dataframe()  # Mesa's DataCollector, one row a week
by_hand = weekly["new_victims"].iloc[baseline.burn_in_weeks:].sum()
print(f"people trafficked in the policy period: {by_hand:.0f} stepping by hand, "
      f"{result.outcomes['new_victims']:.0f} from simulation.run")

# %% [markdown]
# ## The victim pathway
#
# Every victim is in exactly one *status* at any time, and every change of status is written in
# the victim's `history` with its week. A person is `recruited`, then `in_transit` (if the route
# crosses a border), then `exploited`. Exploitation ends in one of several ways: the person is
# `identified` (by police, an NGO, an inspection, or by coming forward), is `released` by the
# network, escapes (`self_rescued`), or is `misidentified`, treated as an offender by an
# untrained officer. An identified person waits for a shelter place: with one they are
# `supported` and may go on to be `reintegrated`; without one, or after support, they are
# `returned`. Anyone who has left exploitation may be trafficked again: the arrow back to
# `recruited`. The diagram counts every transition in every history of this run, burn-in
# included; a link's width is the number of people who took it.

# %%
victims = model.victims.views()  # every victim, as views of the table's rows
moves = (pd.DataFrame([(a, b) for v in victims for (_, a), (_, b) in zip(v.history, v.history[1:])],
                      columns=["source", "target"])
         .value_counts().rename("people").reset_index())
# Draw re-trafficking (back to "recruited") as a separate node so the diagram has no loops.
moves["target"] = moves["target"].where(moves["target"] != "recruited", "recruited again")
nodes = list(dict.fromkeys([*moves["source"], *moves["target"]]))
fig = go.Figure(go.Sankey(
    node={"label": nodes, "pad": 18},
    link={"source": moves["source"].map(nodes.index), "target": moves["target"].map(nodes.index),
          "value": moves["people"]}))
fig.update_layout(title="The victim pathway: every status change in the run", height=480)
fig.show()
print(f"{len(victims)} victims in the model; transitions counted: {moves['people'].sum()}")

# %% [markdown]
# ## Follow a few victims
#
# Below we pick, in the model's own order, the first victim who took each of several paths, and
# print their history. `form` indexes the forms of exploitation and `origin` the jurisdictions.

# %%
names = [j.name for j in model.jurisdictions]


def first(condition):
    return next((v for v in victims if condition(v)), None)


def statuses(v):
    return [status for _, status in v.history]


examples = {
    "identified by police": first(lambda v: v.identified_by == "police"),
    "identified by an NGO": first(lambda v: v.identified_by == "ngo"),
    "self-referred and supported": first(lambda v: v.identified_by == "self"
                                         and "supported" in statuses(v)),
    "misidentified": first(lambda v: "misidentified" in statuses(v)),
    "trafficked again": first(lambda v: v.times_trafficked > 1),
}
examples = {k: v for k, v in examples.items() if v is not None}
for label, v in examples.items():
    print(f"{label}: a {v.age_group} {v.sex} from {names[v.origin]}, {FORMS[v.form]} "
          f"exploitation, trafficked {v.times_trafficked} time(s), testified: {v.testified}")
    for week, status in v.history:
        print(f"    week {week:>4}: {status}")

# %% [markdown]
# The same histories as a timeline: each bar is the time spent in one status (the last status
# runs to the end of the run).

# %%
end = model.week
bars = []
for label, v in examples.items():
    for (start, status), (stop, _) in zip(v.history, v.history[1:] + [(end, None)]):
        bars.append({"victim": label, "status": status, "start": start,
                     "weeks": max(stop - start, 0.5)})
bars = pd.DataFrame(bars)
fig = px.bar(bars, y="victim", x="weeks", base="start", color="status", orientation="h",
             title=f"{len(examples)} victims' histories", labels={"weeks": "week"})
fig.update_layout(barmode="overlay", height=360)
fig.show()

# %% [markdown]
# ## Follow one network
#
# A network has a leader, recruiters in its origin, transporters on the route and exploiters
# where the victims are exploited. When police arrest a member, the network loses them and
# recruits a replacement after a while, and it raises its *security* (it becomes harder to see,
# and less efficient), which relaxes again when it is left alone (`docs/ODD.md`, section 6.10).
# Let us follow the network whose security rose highest in the policy period: the one that was
# hit hardest.

# %%
policy = snapshots[snapshots["week"] >= 0]
chosen = policy.loc[policy["security"].idxmax(), "network"]
story = snapshots[snapshots["network"] == chosen]
alive = chosen in {n.unique_id for n in model.networks}
net = next((n for n in model.networks if n.unique_id == chosen), None)
print(f"network {chosen}: followed from week {story['week'].min()} to week {story['week'].max()}"
      f"; still active at the end: {alive}")
if net is not None:
    print(f"  {FORMS[net.form]} exploitation; route: {' -> '.join(names[j] for j in net.route)}")
fig = px.line(story.melt(id_vars="week", value_vars=["members", "victims", "security"]),
              x="week", y="value", facet_row="variable", title=f"Network {chosen} week by week")
fig.update_yaxes(matches=None)
fig.update_layout(height=520)
fig.show()

# %% [markdown]
# And its members: everyone who worked for it at some point, counted by role and by their
# status now, then the record (arrests, charges, verdicts, releases) of those who were ever
# arrested. An arrested member leaves the network at once; the network fills the place from
# the criminal labour pool or with a newcomer.

# %%
people = list(members_seen[chosen].values())
print(pd.crosstab(pd.Series([t.role for t in people], name="role"),
                  pd.Series([t.status for t in people], name="status now")))
pd.DataFrame([{"trafficker": t.key, "role": t.role, "works in": names[t.home],
               "status now": t.status, "record": "; ".join(f"week {w}: {e}" for w, e in t.record)}
              for t in people if any(e == "arrested" for _, e in t.record)])

# %% [markdown]
# ## Exercises
#
# 1. **Another seed.** Run the baseline with `seed=2` and `seed=3` and compare the outcome table
#    with the one above. Which outcomes change a lot between seeds, and which hardly move? Why
#    might rare events (convictions, networks dismantled) vary more than common ones? Notebook 2
#    turns this into confidence intervals.
# 2. **How long until someone finds you?** From the victims' histories, compute the mean number
#    of weeks between the start of exploitation and identification, separately for victims
#    identified by police and by NGOs (`v.identified_by`). Which channel finds people sooner?
# 3. **Forms of exploitation.** Count, for each form in `FORMS`, how many victims each channel
#    identified. Compare what you find with the visibility table in `docs/ODD.md` (section 6.4),
#    which encodes the channel mix reported by UNODC GLOTIP 2022: why are labour-exploitation
#    victims found by inspectors rather than by police?
