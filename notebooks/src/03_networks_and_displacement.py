"""Source of notebooks/03_networks_and_displacement.ipynb (build with notebooks/build_notebooks.py)."""

# %% [markdown]
# # 3. Networks and displacement
#
# **What you will learn.** What a trafficking network looks like in tipsim; why arresting the
# people police meet most often (the exploiters) does less to a network than reaching its
# leader; and what happens when one destination cracks down while its neighbours do not.
#
# **Networks in plain words.** A network has a *leader* who rarely meets a victim, *recruiters*
# in the origin, *transporters* on the route and *exploiters* where the victims are exploited.
# A police case reaches up a network according to its techniques: exploiters, who are where the
# victims are, are the easiest to identify; recruiters and transporters less so; the leader
# hardly ever, unless the case uses digital forensics or follows the money (`docs/ODD.md`,
# section 6.7; the coefficients are *assumptions*). An arrested member is replaced from the
# criminal labour pool after a delay, and the network raises its security. A network that loses
# its leader may split in two, carry on under a promoted member, or collapse (section 6.10).
# Members are tied to the people who brought them in: newcomers are introduced mostly by those
# who already know many (so the founder becomes a hub), and sometimes come to know their
# sponsor's contacts too. When a member goes, whoever is no longer connected to the leader is
# cut off and either drops out or finds a new tie, so losing a member who holds others together
# costs more than losing one at the edge (Morselli 2009, *Inside Criminal Networks*; Duijn,
# Kashirin and Sloot 2014, *Scientific Reports* 4:4238, on how networks recover). Not every
# trafficker works in such a network: some operations are one person, a pair or a family.
# This is the economic view of organised crime markets: as long as there is demand and
# replacements, removing suppliers makes room for others (Kleemans 2014, in the *Oxford Handbook
# of Organized Crime*).
#
# **Displacement.** Each month some networks compare the markets of the same kind (destination
# with destination) by expected profit net of the expected sanction, and move if another market
# is clearly better (section 6.10). So if one destination cracks down, trafficking may move to
# the other, or shrink, or both. tipsim never imposes displacement: it is an *outcome*. In
# evaluations of situational crime prevention, Guerette and Bowers (2009, *Criminology* 47(4))
# found displacement less common than feared and a diffusion of benefits about as often.

# %%

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
from scipy import stats

import simulation
from simulation.model.agents import TRAFFICKER_ROLES
from simulation.model.registry import FORMS, PARAMETERS

pio.renderers.default = "plotly_mimetype+notebook"  # figures render with no network
pio.templates.default = "plotly_white"

SCENARIOS = simulation.SCENARIOS  # the shipped scenario library
SMALL = {"run.scale": 0.3, "run.weeks": 156, "run.burn_in_weeks": 52}
baseline = simulation.with_overrides(SCENARIOS / "baseline.toml", SMALL)

# %% [markdown]
# ## One network, drawn
#
# We run the baseline to the end of its burn-in (`model.steps` counts the weeks simulated) and
# draw the largest network whose route crosses a border. Columns are the jurisdictions on its
# route; each marker is a person; grey lines are the ties between members. Its measures
# (`net.measures()`: density, the leader's betweenness, computed with networkx) are printed.

# %%
model = simulation.TraffickingModel(scenario=baseline, rng=3)
while model.steps < baseline.burn_in_weeks:
    model.step()
names = [j.name for j in model.jurisdictions]
crossing = [n for n in model.networks if len(n.route) > 2]
net = max(crossing, key=lambda n: len(n.victims))
print(f"network {net.unique_id}: {FORMS[net.form]} exploitation, "
      f"route {' -> '.join(names[j] for j in net.route)}; {net.size} members, "
      f"{len(net.victims)} victims under its control, security {net.security:.2f}")
print({role: len(people) for role, people in net.members.items()})
print({name: round(value, 2) for name, value in net.measures().items()})

# %%
def column(place):
    return net.route.index(place) if place in net.route else len(net.route) - 1


groups = {role: [(column(t.home), t) for t in people] for role, people in net.members.items()}
by_status = {}
for v in map(model.victims.view, net.victims):  # the network holds its victims' rows
    by_status.setdefault(f"victim ({v.status})", []).append((column(v.location), v))

fig = go.Figure()
positions = {}
for group, items in {**groups, **by_status}.items():
    xs, ys = [], []
    for x in range(len(net.route)):
        here = [item for col, item in items if col == x]
        for k, item in enumerate(here):
            offset = group.startswith("victim") * 0.25
            xs.append(x + offset + 0.12 * (k % 3))  # victims in small grids beside the members
            ys.append(k // 3 if group.startswith("victim") else k)
            if not group.startswith("victim"):  # (the lines join the members)
                positions[item.key] = (xs[-1], ys[-1])
    symbol = {"leader": "star", "recruiter": "diamond", "transporter": "triangle-up",
              "exploiter": "square"}.get(group, "circle")
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=group,
                             marker={"symbol": symbol, "size": 16 if symbol != "circle" else 8}))
members = [t for people in net.members.values() for t in people]
for t in members:
    for other in t.ties:  # each tie once
        if t.key < other.key:
            (x0, y0), (x1, y1) = positions[t.key], positions[other.key]
            fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False,
                                     line={"color": "lightgrey", "width": 1}, hoverinfo="skip"))
fig.update_xaxes(tickvals=list(range(len(net.route))), ticktext=[names[j] for j in net.route])
fig.update_yaxes(visible=False)
fig.update_layout(title=f"Network {net.unique_id} at the end of the burn-in", height=480)
fig.show()

# %% [markdown]
# ## Leaders or foot soldiers?
#
# Two ways to spend on enforcement, both starting at week 0 in every jurisdiction:
#
# - **more officers**: double the anti-trafficking officers, so more routine encounters with
#   victims, more cases, and more arrests of the exploiters those cases reach;
# - **follow the money**: no more officers, but strong digital-forensics and
#   financial-investigation capability, which open proactive cases and reach higher up.
#
# We step each model ourselves so we can count the networks every week; the model's arrest log
# (`model.arrest_log`) gives the *role* of every person arrested in the policy period, and the
# model's own weekly collector (`model.datacollector`, a Mesa DataCollector)
# gives the number of victims in exploitation. A somewhat larger region (`MEDIUM`) makes the
# rare leader arrests less rare.

# %%
MEDIUM = {**SMALL, "run.scale": 0.5}
medium = simulation.with_overrides(SCENARIOS / "baseline.toml", MEDIUM)
CAPABILITY = 0.6
arms = {
    "baseline": medium,
    "more officers": simulation.with_overrides(medium, {"policy": [
        {"lever": "officers", "where": j.name, "value": 2 * j.levers["officers"], "start_week": 0}
        for j in medium.jurisdictions]}),
    "follow the money": simulation.with_overrides(medium, {"policy": [
        {"lever": lever, "where": "*", "value": CAPABILITY, "start_week": 0}
        for lever in ("digital_forensics", "financial_investigation")]}),
}


def enforcement_run(scenario, seed):
    """Arrests by role, networks and victims, over the policy period of one run."""
    model = simulation.TraffickingModel(scenario=scenario, rng=seed)
    arrested = dict.fromkeys(["leader", "recruiter", "transporter", "exploiter"], 0)
    networks = []
    while model.running:
        model.step()
        if model.week < 0:
            continue
        networks.append(len(model.networks))
    log = model.arrest_log  # every arrest of the run: when, and the member's role
    for week, role in zip(log.week, log.role):
        if week >= 0:
            arrested[TRAFFICKER_ROLES[role]] += 1
    weekly = model.datacollector.get_model_vars_dataframe().iloc[scenario.burn_in_weeks:]
    return {**{f"{role}s arrested": n for role, n in arrested.items()},
            "networks active (mean)": np.mean(networks),
            "victims in exploitation (mean)": weekly["victims_in_exploitation"].mean()}


SEEDS = range(1, 5)
enforcement = pd.DataFrame([{"arm": arm, "seed": seed, **enforcement_run(scenario, seed)}
                            for arm, scenario in arms.items() for seed in SEEDS])
enforcement.groupby("arm", sort=False).mean().drop(columns="seed").round(1)

# %%
roles = [c for c in enforcement.columns if c.endswith("arrested")]
per_role = enforcement.melt(id_vars=["arm", "seed"], value_vars=roles, var_name="role",
                            value_name="arrests")
fig = px.bar(per_role.groupby(["arm", "role"], sort=False)["arrests"].mean().reset_index(),
             x="role", y="arrests", color="arm", barmode="group",
             title=f"Who is arrested in the policy period (mean of {len(SEEDS)} seeds)")
fig.show()

# %% [markdown]
# Read the figure and the table together. More officers mean more encounters and more cases,
# and cases reach exploiters most easily; an arrested exploiter is replaced after a while (the
# mean delay is a parameter, printed below). Following the money reaches leaders, and a network
# that loses its leader may collapse. Whether either shows up as fewer networks and fewer
# victims in exploitation is in the last columns of the table: check the size of the
# differences against the spread between seeds (notebook 2) before believing them.

# %%
means = enforcement.groupby("arm", sort=False).mean()
for column in ("leaders arrested", "exploiters arrested", "networks active (mean)",
               "victims in exploitation (mean)"):
    print(f"{column}: highest under {means[column].idxmax()!r}, "
          f"lowest under {means[column].idxmin()!r}")
for name in ("replacement_delay_weeks", "leader_split_probability"):
    p = PARAMETERS[name]
    print(f"{p.label}: {p.default} {p.unit} (plausible range {p.low} to {p.high}; "
          f"source: {p.source})")
spread = enforcement.groupby("arm", sort=False)[["leaders arrested", "exploiters arrested"]]
spread.agg(["mean", "std"]).round(1)

# %% [markdown]
# ## A crackdown in one destination
#
# The shipped scenario `crackdown_destination_a.toml` gives `destination_a` more officers,
# trains most of them and adds undercover and digital-forensics capability, each phased in over
# `ramp_weeks` (its policies are printed below); no other jurisdiction changes. We run it and
# the baseline with the same seeds, over a longer policy period so the crackdown has time to
# bite, and look at each jurisdiction's average number of people in exploitation.
#
# This part uses a larger region (`LARGER`). In a very small region each market holds only a
# handful of networks, and the crackdown's effect on where they work is hard to see: a case
# where a small population *would* change the lesson (try it: set `"run.scale"` back to 0.3).

# %%
LARGER = {**SMALL, "run.scale": 0.6, "run.weeks": 260}
crackdown_pair = {name: simulation.with_overrides(SCENARIOS / f"{name}.toml", LARGER)
                  for name in ("baseline", "crackdown_destination_a")}
print(crackdown_pair["crackdown_destination_a"].description)
print(pd.DataFrame(crackdown_pair["crackdown_destination_a"].policies))
results = {(name, seed): simulation.run(scenario, seed=seed)
           for name, scenario in crackdown_pair.items() for seed in range(1, 7)}

per_jurisdiction = pd.DataFrame([
    {"scenario": name, "seed": seed, "jurisdiction": j,
     "victims in exploitation": o["victims_in_exploitation"],
     "networks active": o["networks_active"], "arrests": o["arrests"]}
    for (name, seed), r in results.items() for j, o in r.jurisdictions.items()])
per_jurisdiction.groupby(["jurisdiction", "scenario"]).mean().drop(columns="seed").round(1)

# %% [markdown]
# The difference, jurisdiction by jurisdiction, with a 95% bootstrap interval over the paired
# seeds (as in notebook 2). A bar above zero means more people exploited there under the
# crackdown than without it.

# %%
wide = per_jurisdiction.pivot_table(index=["jurisdiction", "seed"], columns="scenario",
                                    values="victims in exploitation")
wide["change"] = wide["crackdown_destination_a"] - wide["baseline"]
rows = []
for j, d in wide.groupby(level="jurisdiction", sort=False):
    ci = stats.bootstrap((d["change"].to_numpy(),), np.mean, method="percentile",
                         rng=np.random.default_rng(0)).confidence_interval
    rows.append({"jurisdiction": j, "change": d["change"].mean(), "low": ci.low, "high": ci.high})
change = pd.DataFrame(rows)
fig = px.bar(change, x="jurisdiction", y="change", error_y=change["high"] - change["change"],
             error_y_minus=change["change"] - change["low"],
             title="Change in people in exploitation under the crackdown (mean, 95% CI)")
fig.show()
for row in change.itertuples():
    verdict = ("more" if row.low > 0 else "fewer" if row.high < 0 else "no clear change")
    print(f"{row.jurisdiction:>14}: {row.change:+.1f} ({row.low:+.1f} to {row.high:+.1f}): "
          f"{verdict}")

# %% [markdown]
# Week by week, in the two destinations (the mean over seeds): the crackdown starts at week 0
# and ramps up over its `ramp_weeks`. `displacement_index` summarises the whole region: the share of
# exploitation that changed jurisdiction between the last burn-in year and the policy period
# (section 6.14 of the ODD).

# %%
series = pd.concat([r.timeseries.assign(scenario=name, seed=seed)
                    for (name, seed), r in results.items()])
destinations = (series[series["jurisdiction"].astype(str).str.startswith("destination")]
                .groupby(["scenario", "jurisdiction", "week"], observed=True)
                ["victims_in_exploitation"].mean().reset_index())
fig = px.line(destinations, x="week", y="victims_in_exploitation", color="scenario",
              facet_row="jurisdiction", title="People in exploitation in the destinations")
fig.add_vline(x=0, line_dash="dash")
fig.update_yaxes(matches=None)
fig.update_layout(height=560)
fig.show()

index = pd.DataFrame([{"scenario": name, "seed": seed,
                       "displacement_index": r.outcomes["displacement_index"],
                       "relocations": r.timeseries.query("week >= 0")["relocations"].sum()}
                      for (name, seed), r in results.items()])
index.groupby("scenario").agg(["mean", "std"]).drop(columns="seed").round(3)

# %% [markdown]
# Where did trafficking go? Read the printed verdicts rather than the bars alone: only a change
# whose interval excludes zero is a finding with these replications. Networks move only between
# markets of the same kind, so exploitation can leave `destination_a` for `destination_b`, but
# a network cannot turn from a transnational business into a domestic one (an acknowledged
# limitation, `docs/ODD.md` section 8); changes in the origins come from other mechanisms, such
# as recruitment and market entry responding to what networks perceive.

# %% [markdown]
# ## Exercises
#
# 1. **Crack down everywhere.** Give `destination_b` the same policies as `destination_a`: add
#    each policy of `crackdown_destination_a.toml` again with `where="destination_b"`, using
#    `simulation.with_policy(scenario, lever, value, where=..., ramp_weeks=...)` (or
#    `add_policy` entries in a scenario dict that `extends` the file; a `policy` list there
#    would replace the inherited ones). Does exploitation still move, and where?
# 2. **Replacement.** Rerun the leaders-or-foot-soldiers comparison with slow replacement
#    (`simulation.with_overrides(medium, replacement_delay_weeks=26)`) and with fast
#    (`replacement_delay_weeks=2`). When does arresting exploiters do more to the number of
#    victims in exploitation?
# 3. **Across borders.** A leader often lives in another jurisdiction than the exploiters. Run
#    the shipped `cooperation` scenario against the baseline and compare `cross_border_cases`
#    and the arrests of leaders. Why can a transnational network without cooperation only be
#    "hit in pieces" (`docs/ODD.md`, section 6.8)?
