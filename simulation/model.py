"""TraffickingModel: builds the region from a scenario and runs the weekly schedule.

The week's processes run in the order MODEL.md lists them (docs/ODD.md, "Process overview"):

 1. policy schedule      2. recruitment        3. movement           4-5. exploitation and
 identification          6. support            7-8. investigation and cross-border work
 9. prosecution and sentencing                 10-11. network response, deterrence, entry and
 exit (monthly review)   12. recovery and re-trafficking

Example::

    from simulation.model import TraffickingModel
    model = TraffickingModel(scenario="scenarios/baseline.toml", rng=1)
    while model.running:
        model.step()
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

import mesa
import numpy as np

from simulation.agents import NGO, EnforcementAgency, Jurisdiction, TraffickingNetwork
from simulation.agents import trafficker as tr
from simulation.agents.victim import STATUSES
from simulation.calendar import Calendar, Pool
from simulation.costs import weekly_cost
from simulation.network_dynamics import PRIOR_CERTAINTY, NetworkDynamics
from simulation.pathway import VictimPathway
from simulation.registry import PAIR_LEVERS, WEEKLY_COLUMNS, WEEKLY_INDEX
from simulation.scenario import Scenario, load_scenario, pair_key

_SOURCE_LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = (_SOURCE_LIBRARY if (_SOURCE_LIBRARY / "baseline.toml").is_file()
             else Path(__file__).resolve().parent / "library")
"""The shipped scenario library: ``scenarios/`` in a source checkout, ``simulation/library``
in an installed wheel (the same files)."""
BASELINE = SCENARIOS / "baseline.toml"
INITIAL_FILL = 0.55  # share of each market's demand in exploitation at the first week.
COLUMNS = WEEKLY_COLUMNS
COLUMN = WEEKLY_INDEX


@contextmanager
def cycle_collection_paused():
    """Pause Python's cycle collector while a run builds its large, long-lived web of agents
    (seeding the region in the constructor, and stepping in ``run``).

    The run makes next to no cyclic garbage (agents live until the model goes), so the collector
    would only re-scan live objects, ever more of them: 7% of a run at scale 1, 12% at scale 4.
    Reference counting still frees everything else at once; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TraffickingModel(VictimPathway, NetworkDynamics, mesa.Model):
    """Trafficking networks, victims, NGOs and enforcement agencies in a region of jurisdictions.

    Args:
        scenario: a :class:`~simulation.scenario.Scenario`, a path to a scenario file, or a
            scenario document (dict). Defaults to the shipped baseline.
        rng: seed (or numpy seed-like) for every random draw; defaults to the scenario's seed.
        weeks: policy-period length, overriding the scenario's ``run.weeks``.
    """

    def __init__(self, scenario: Scenario | str | Path | dict | None = None, rng=None, *,
                 weeks: int | None = None) -> None:
        spec = load_scenario(BASELINE if scenario is None else scenario)
        super().__init__(rng=spec.seed if rng is None else rng)
        self.spec = spec
        self.seed = spec.seed if rng is None else rng
        self.params = dict(spec.parameters)
        self.costs = dict(spec.costs)
        self.scale = spec.scale
        self.burn_in = spec.burn_in_weeks
        self.weeks = spec.weeks if weeks is None else int(weeks)
        self.total_weeks = self.burn_in + self.weeks
        self.week = -self.burn_in  # week 0 is the first week of the policy period
        self._stamps: dict[str, tuple[int, str]] = {}  # this week's history entries, shared

        self.move_calendar = Calendar()
        self.support_calendar = Calendar()
        self.cases_calendar = Calendar()
        self.justice_calendar = Calendar()
        self.recovery_calendar = Calendar()

        n = len(spec.jurisdictions)
        self.victim_counts = dict.fromkeys(STATUSES, 0)
        self.trafficker_counts = dict.fromkeys(tr.STATUSES, 0)
        self.active_traffickers = np.zeros(n)
        self.prisoners = np.zeros(n)
        self.labour_pool: list[list] = [[] for _ in range(n)]
        self._tally = self._empty_tally()
        self.series = np.zeros((self.total_weeks, len(COLUMNS), n))

        self.lever_costs = None  # cached by costs.weekly_cost until a lever changes
        self.jurisdictions = [Jurisdiction(self, i, s) for i, s in enumerate(spec.jurisdictions)]
        self.ngos = [NGO(self, j) for j in self.jurisdictions]
        self.agencies = [EnforcementAgency(self, j) for j in self.jurisdictions]
        self.index_of = {j.name: j.index for j in self.jurisdictions}
        self._demand = np.array([j.demand for j in self.jurisdictions]).ravel()  # fixed in a run
        self.transit_index = next((j.index for j in self.jurisdictions if j.role == "transit"), None)
        self.cooperation_base = {k: dict(v) for k, v in spec.cooperation.items()}
        self.cooperation = {k: dict(v) for k, v in spec.cooperation.items()}
        self.exploited = [[Pool() for _ in range(3)] for _ in range(n)]

        self.certainty = np.full(n, PRIOR_CERTAINTY)
        self.perceived_sentence = np.array([j.levers["sentence_years"] for j in self.jurisdictions],
                                           dtype=float)
        k = self.params["discount_rate"]
        self.severity = np.log1p(k * self.perceived_sentence) / k
        self._seen_arrests = np.zeros(n)
        self._seen_convictions = np.zeros(n)
        self._seen_sentences = np.zeros(n)
        self._networks_changed = True
        self._networks_in: dict[int, list] = {}
        self._recruiting: tuple | None = None  # networks, their rates, by origin; weekly
        self._markets: dict[tuple[int, str], list[int]] = {}
        self._origin_cdf: dict[int, list[float]] = {}
        self.risk_changed()

        with cycle_collection_paused():  # thousands of agents at once, none of them garbage
            self.seed_networks(INITIAL_FILL)
        self.index_networks()
        self.region_week = [0.0] * len(COLUMNS)  # the last recorded week, summed over the region
        self.datacollector = mesa.DataCollector(model_reporters={
            name: (lambda m, c=COLUMN[name]: m.region_week[c])
            for name in ("new_victims", "victims_in_exploitation", "victims_identified",
                         "arrests", "convictions")
        })

    # -- the weekly schedule ------------------------------------------------------------------
    def step(self) -> None:
        week = self.steps - 1 - self.burn_in
        if week != self.week:  # (the first step is the week the constructor seeded)
            self._stamps = {}  # history entries are shared within a week
        self.week = week
        self.apply_policies()  # 1
        self.recruit()  # 2
        self.move()  # 3
        self.exploit_and_identify()  # 4, 5
        self.support()  # 6
        self.investigate()  # 7, 8
        self.administer_justice()  # 9, and replacements (10)
        if self.week % 4 == 0:
            self.monthly_review()  # 10, 11
        self.recover()  # 12
        self.record_week()
        self.datacollector.collect(self)
        if self.steps >= self.total_weeks:
            self.running = False

    def run(self) -> "TraffickingModel":
        with cycle_collection_paused():
            while self.running:
                self.step()
        return self

    def dismantle(self) -> None:
        """Break the model's reference cycles so that reference counting frees it at once.

        Agents, networks and the model all point at each other, so a finished model is cyclic
        garbage: the cycle collector would first re-scan it while it is still in use (a
        collection over every object the run made, as soon as the collector resumes) and free
        it only in a later full pass, with runs in the same process slowing down as garbage
        piles up. :func:`simulation.run` calls this once it has the result; the model cannot
        be used afterwards."""
        for agent in list(self.agents):
            agent.__dict__.clear()
        self.__dict__.clear()

    # 1. policy schedule
    def apply_policies(self) -> None:
        """Timed policies set levers from their start week, ramping if asked, until their end."""
        if not self.spec.policies:
            return
        targets: dict[tuple, object] = {}
        for policy in self.spec.policies:
            if self.week < policy.start_week:
                continue
            if policy.end_week is not None and self.week >= policy.end_week:
                continue
            for place in self._policy_places(policy):
                targets[(place, policy.lever)] = policy
        for place in [j.name for j in self.jurisdictions] + list(self.cooperation):
            levers = self.cooperation.get(place) if ":" in place else None
            jur = None if levers is not None else self.jurisdictions[self.index_of[place]]
            base = self.cooperation_base[place] if jur is None else jur.base_levers
            current = levers if jur is None else jur.levers
            changed = False
            for lever in base:
                policy = targets.get((place, lever))
                value = base[lever] if policy is None else self._ramped(policy, base[lever])
                if current[lever] != value:
                    current[lever] = value
                    changed = True
            if changed:
                self.lever_costs = None
                if jur is not None:
                    jur.refresh()

    def _policy_places(self, policy) -> list[str]:
        if policy.where == "*":
            return list(self.cooperation) if policy.lever in PAIR_LEVERS else [
                j.name for j in self.jurisdictions]
        if ":" in policy.where:
            return [pair_key(*policy.where.split(":"))]
        return [policy.where]

    def _ramped(self, policy, base):
        done = self.week - policy.start_week + 1
        if policy.ramp_weeks and done < policy.ramp_weeks and not isinstance(base, list):
            return base + (policy.value - base) * done / policy.ramp_weeks
        return policy.value

    # 6. support
    def support(self) -> None:
        for kind, ngo, victim in self.support_calendar.due(self.week):
            getattr(ngo, kind)(victim)
        for ngo in self.ngos:
            ngo.admit()

    # 7-8. investigation
    def investigate(self) -> None:
        for agency in self.agencies:
            agency.open_proactive_cases()
        for case in self.cases_calendar.due(self.week):
            case.agency.decide(case)

    # 9. prosecution, sentencing, extradition, prison release; replacements
    def administer_justice(self) -> None:
        for kind, who, member, *rest in self.justice_calendar.due(self.week):
            if kind == "replace":
                self.replace(who, member)
            elif kind == "trial":
                who.trial(member, rest[0])
            elif kind == "extradition":
                who.arrest(member, rest[0], rest[1], cross_border=True)
            elif kind == "prison_release":
                self.release_trafficker(member, "released from prison")

    # 10-11. monthly review
    def monthly_review(self) -> None:
        self.update_perceptions()
        self.desistance()
        self.agents_by_type[TraffickingNetwork].shuffle_do("review")
        self.enter_markets()
        self.index_networks()

    # -- shared state ------------------------------------------------------------------------
    @property
    def networks(self) -> list:
        return list(self.agents_by_type.get(TraffickingNetwork, []))

    def live_networks(self) -> list:
        """``networks``, kept until a network is founded, split, relocated or ended."""
        if self._networks_changed:
            self._live = self.networks
            self._market = np.array([n.destination * 3 + n.form for n in self._live], dtype=int)
            self._origins = np.array([n.origin for n in self._live], dtype=int)
            self._networks_active = np.bincount([n.destination for n in self._live],
                                                minlength=len(self.jurisdictions))
            self._networks_changed = False
        return self._live

    def network_arrays(self):
        """Live networks with their cached recruitment rates and market indices."""
        self.live_networks()
        base = np.array([n.recruit_base for n in self._live], dtype=float)
        return self._live, base, self._market

    def pull_array(self) -> np.ndarray:
        """Unmet share of each market's demand, by jurisdiction * 3 + form."""
        demand = self._demand
        stock = np.array([len(p.items) for pools in self.exploited for p in pools], float)
        return np.clip(1 - np.divide(stock, demand, out=np.ones_like(stock), where=demand > 0),
                       0, 1)

    def pull(self, j: int, form: int) -> float:
        demand = self.jurisdictions[j].demand_of[form]
        return 0.0 if demand <= 0 else max(0.0, 1 - len(self.exploited[j][form].items) / demand)

    def cooperation_between(self, a: int, b: int) -> dict[str, float]:
        """Pair levers as they act: joint investigation teams raise every step's odds."""
        levers = self.cooperation[pair_key(self.jurisdictions[a].name, self.jurisdictions[b].name)]
        joint = levers["joint_investigations"]
        return {k: v + (1 - v) * 0.5 * joint for k, v in levers.items()}

    def raw_joint(self, a: int, b: int) -> float:
        key = pair_key(self.jurisdictions[a].name, self.jurisdictions[b].name)
        return self.cooperation[key]["joint_investigations"]

    def victim_status_changed(self, victim, old: str | None, new: str) -> None:
        if old is not None:
            self.victim_counts[old] -= 1
        self.victim_counts[new] += 1

    def trafficker_status_changed(self, trafficker, old: str | None, new: str) -> None:
        if old is not None:
            self.trafficker_counts[old] -= 1
        self.trafficker_counts[new] += 1
        if old == tr.ACTIVE:
            self.active_traffickers[trafficker.home] -= 1
        if new == tr.ACTIVE:
            self.active_traffickers[trafficker.home] += 1
        self.count_prisoners(trafficker, old, new)

    # -- recording ----------------------------------------------------------------------------
    def stamp(self, event: str) -> tuple[int, str]:
        """``(week, event)`` for an agent's history: one shared tuple per week and event.

        A baseline run at scale 1 records about 158,000 transitions (37,600 victims, 6,300
        traffickers) and only about 5,900 are distinct, so sharing them cut the model's own
        memory at scale 8 from 275 to 199 MiB, and the allocations that went with it."""
        entry = self._stamps.get(event)
        if entry is None:
            entry = self._stamps[event] = (self.week, event)
        return entry

    def tally(self, column: str, j: int, amount: float = 1.0) -> None:
        self._tally[COLUMN[column]][j] += amount

    def _empty_tally(self) -> list[list[float]]:
        """This week's flows, column by jurisdiction (plain lists: a cell is added to often)."""
        return [[0.0] * len(self.spec.jurisdictions) for _ in COLUMNS]

    def record_week(self) -> None:
        self.network_arrays()
        row = np.array(self._tally)
        row[COLUMN["victims_in_exploitation"]] = [sum(len(p) for p in pools)
                                                  for pools in self.exploited]
        row[COLUMN["traffickers_active"]] = self.active_traffickers
        row[COLUMN["networks_active"]] = self._networks_active
        row[COLUMN["prisoners"]] = self.prisoners
        row[COLUMN["victims_waiting_shelter"]] = [len(n.waiting) for n in self.ngos]
        row[COLUMN["victims_in_shelter"]] = [n.in_shelter for n in self.ngos]
        if self.week >= 0:
            row[COLUMN["policy_cost"]] = weekly_cost(self)
        self.series[self.steps - 1] = row
        self.region_week = row.sum(axis=1).tolist()
        self._tally = self._empty_tally()
