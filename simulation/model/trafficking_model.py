"""TraffickingModel: builds the region from a scenario and runs the weekly schedule.

The week's processes run in the order of docs/ODD.md section 3; each lives in its own module
under :mod:`simulation.model.processes` (``print(TraffickingModel.SCHEDULE)`` lists them):

 1. policy schedule      2. recruitment        3. movement           4-5. exploitation and
 identification          6. support            7-8. investigation and cross-border work
 9. prosecution and sentencing, replacements   10-11. network response, deterrence, entry and
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
from functools import partial
from pathlib import Path

import mesa
import numpy as np

from simulation.model.agents import NGO, EnforcementAgency, Jurisdiction, TraffickingNetwork
from simulation.model.agents.network import NetworkTable
from simulation.model.agents import trafficker as tr
from simulation.model.agents.victim import Victims
from simulation.model.caches import MarketIndex, NetworkIndex
from simulation.model.clock import is_monthly
from simulation.model.calendars import Calendar, VictimCalendar
from simulation.model.parameters import run_values
from simulation.model.pools import Pool
from simulation.model.records import ArrestLog, ContactLog, ReferralLog, SpellLog
from simulation.model.processes import (confirmation, deterrence, exploitation, investigation,
                                        justice, markets, movement, network_response, policy,
                                        recovery, recruitment, region, support, ties, turnover)
from simulation.model.processes.costs import weekly_cost
from simulation.model.registry import (ADULT_SLOT, CHILD_SLOT, FEMALE_SLOT, FORM_INDEX, FORM_WEEKLY,
                                       FORMS, GROUP_INDEX, GROUP_WEEKLY, MALE_SLOT, VICTIM_GROUPS,
                                       WEEKLY_COLUMNS, WEEKLY_INDEX)
from simulation.model.scenario import Scenario, load_scenario
from simulation.model.streams import Streams, stream_seed

_SOURCE_LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = (_SOURCE_LIBRARY if (_SOURCE_LIBRARY / "baseline.toml").is_file()
             else Path(__file__).resolve().parents[1] / "library")
"""The shipped scenario library: ``scenarios/`` in a source checkout, ``simulation/library``
in an installed wheel (the same files)."""
BASELINE = SCENARIOS / "baseline.toml"
COLUMNS = WEEKLY_COLUMNS
COLUMN = WEEKLY_INDEX
STRUCTURE_COLUMNS = [WEEKLY_INDEX[c] for c in ties.MEASURED]


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


class TraffickingModel(mesa.Model):
    """Trafficking networks, victims, NGOs and enforcement agencies in a region of jurisdictions.

    Args:
        scenario: a :class:`~simulation.model.scenario.Scenario`, a path to a scenario file, or a
            scenario document (dict). Defaults to the shipped baseline.
        rng: seed (or numpy seed-like) for every random draw; defaults to the scenario's seed.
        weeks: policy-period length, overriding the scenario's ``run.weeks``.
        history: keep each victim's history (``model.victims.history_of``, ``Victim.history``);
            :func:`simulation.run` does not, since no result reads it.

    What the processes use (their whole interface to the model):

    - ``params``: every parameter's value (:mod:`simulation.model.parameters`); ``week`` (0 is the
      first policy week); ``streams`` (:mod:`simulation.model.streams`), seeded from ``rng=``: every
      random draw of every process, one stream per decision keyed by agent, so that a lever
      that changes one process leaves the others' draws alone. Mesa's own ``rng`` and
      ``random`` are seeded too, but no process draws from them.
    - agents: ``jurisdictions``, ``ngos``, ``agencies`` (one each per jurisdiction, by index),
      ``networks`` (the live ones: plain objects in a registry of the model's own,
      ``living_networks``, by number, not Mesa agents; ``network_of(number)``) and
      ``network_table`` (what the victims' passes read of every network founded, by number:
      :class:`~simulation.model.agents.network.NetworkTable`), ``traffickers`` (the living
      ones: small objects in a registry of the model's own, not Mesa agents); ``cooperation``
      (pair levers by ``"a:b"``), ``index_of``.
    - state: ``victims`` (every victim, a column table: :mod:`simulation.model.agents.victim`),
      ``exploited[j][form]`` (the pools of exploited victims' rows), ``contacts`` and ``spells``
      (the lists' records and the true exploitation spells, :mod:`simulation.model.records`),
      ``referrals`` (first responders' referrals and the decisions on them), ``arrest_log``
      (every arrest of a trafficker: desisted traffickers leave ``traffickers``),
      ``labour_pool[j]`` (released traffickers), ``perceptions`` (traffickers' beliefs,
      :class:`~simulation.model.processes.deterrence.Perceptions`), ``networks_known_in`` (the
      agencies' monthly picture, :func:`~simulation.model.processes.investigation.survey_networks`).
    - calendars (:mod:`simulation.model.calendars`): ``move_calendar`` and ``recovery_calendar``
      (events about victims, as columns), ``support_calendar``, ``cases_calendar``,
      ``justice_calendar`` (the typed events of :mod:`simulation.model.events`),
      ``decision_calendar`` (the referral mechanism's decisions,
      :mod:`~simulation.model.processes.referral`).
    - bookkeeping: ``tally(column, j, amount)`` and ``weekly_tally`` (this week's flows),
      ``tally_form(column, form)`` and ``tally_victim(column, victim)`` (the same by form of
      exploitation and by victims' sex and age group),
      ``stamp(event)`` (history entries), ``victim_counts``, ``trafficker_counts``,
      ``active_traffickers``, ``prisoners``; ``structure`` (the networks' ties measured by
      :func:`~simulation.model.processes.ties.survey`, held between surveys).
    - caches (:mod:`simulation.model.caches`): ``network_index``, ``markets``, ``lever_costs``.
    """

    SCHEDULE = (
        ("weekly", "1 policy schedule", policy.apply_policies),
        ("weekly", "2 recruitment", recruitment.recruit),
        ("weekly", "3 movement and border checks", movement.move),
        ("weekly", "4-5 exploitation, identification and exits",
         exploitation.exploit_and_identify),
        ("weekly", "5 referral decisions: victims confirmed or not", confirmation.decide),
        ("weekly", "6 support, trust and testimony", support.support),
        ("weekly", "7-8 investigation and cross-border requests", investigation.investigate),
        ("weekly", "9 prosecution, sentencing, extradition, replacement",
         justice.administer_justice),
        ("monthly", "6.4 market demand and prices", markets.update_demand),
        ("monthly", "11 perceived risk", deterrence.update_perceptions),
        ("monthly", "11 desistance", turnover.desistance),
        ("monthly", "10 network review", network_response.review_all),
        ("monthly", "10 networks' ties measured", ties.survey),
        ("monthly", "11 entry of new networks", turnover.enter_markets),
        ("monthly", "7 agencies' picture of the networks", investigation.survey_networks),
        ("weekly", "12 recovery and re-trafficking", recovery.recover),
    )
    """The weekly schedule (ODD 3): (when, what, process), run in this order; monthly
    processes run every fourth week."""

    def __init__(self, scenario: Scenario | str | Path | dict | None = None, rng=None, *,
                 weeks: int | None = None, history: bool = True) -> None:
        spec = load_scenario(BASELINE if scenario is None else scenario)
        super().__init__(rng=spec.seed if rng is None else rng)
        self.spec = spec
        self.seed = spec.seed if rng is None else rng
        # every draw of the processes: one stream per decision, keyed by agent (ODD 4)
        self.streams = Streams(stream_seed(self.seed, self.rng))
        self.params = run_values(spec.parameters)
        self.costs = dict(spec.costs)
        self.scale = spec.scale
        self.burn_in = spec.burn_in_weeks
        self.weeks = spec.weeks if weeks is None else int(weeks)
        self.total_weeks = self.burn_in + self.weeks
        self.week = -self.burn_in  # week 0 is the first week of the policy period
        self._stamps: dict[str, tuple[int, str]] = {}  # this week's history entries, shared

        self.move_calendar = VictimCalendar()
        self.support_calendar = Calendar()
        self.cases_calendar = Calendar()
        self.justice_calendar = Calendar()
        self.recovery_calendar = VictimCalendar()
        self.decision_calendar = VictimCalendar()  # referrals' decisions (processes.referral)

        n = len(spec.jurisdictions)
        # living traffickers (agents.trafficker: small objects, not Mesa agents), in the order
        # they were hired; a trafficker who desists leaves it
        self.traffickers: dict[tr.Trafficker, None] = {}
        # live networks (agents.network: plain objects, not Mesa agents) by number, in the
        # order they were founded, and what the victims' passes read of every network founded
        self.living_networks: dict[int, TraffickingNetwork] = {}
        self.network_table = NetworkTable()
        self.trafficker_counts = dict.fromkeys(tr.STATUSES, 0)
        self.active_traffickers = np.zeros(n)
        self.prisoners = np.zeros(n)
        self.structure = np.zeros((len(ties.MEASURED), n))  # ties.survey, by destination
        self.labour_pool: list[list] = [[] for _ in range(n)]
        self.weekly_tally = self._empty_tally()
        self.series = np.zeros((self.total_weeks, len(COLUMNS), n))
        # region totals by form of exploitation and by victims' sex and age group
        self.form_tally = self._empty_tally(FORM_WEEKLY, len(FORMS))
        self.group_tally = self._empty_tally(GROUP_WEEKLY, len(VICTIM_GROUPS))
        self.form_series = np.zeros((self.total_weeks, len(FORM_WEEKLY), len(FORMS)))
        self.group_series = np.zeros((self.total_weeks, len(GROUP_WEEKLY), len(VICTIM_GROUPS)))

        self.lever_costs = None  # costs.weekly_cost's cache; policy.apply_policies clears it
        self.jurisdictions = [Jurisdiction(self, i, s) for i, s in enumerate(spec.jurisdictions)]
        self.ngos = [NGO(self, j) for j in self.jurisdictions]
        self.agencies = [EnforcementAgency(self, j) for j in self.jurisdictions]
        self.index_of = {j.name: j.index for j in self.jurisdictions}
        self.transit_index = next((j.index for j in self.jurisdictions if j.role == "transit"),
                                  None)
        self.cooperation_base = {k: dict(v) for k, v in spec.cooperation.items()}
        self.cooperation = {k: dict(v) for k, v in spec.cooperation.items()}
        # every victim, as a column table (agents.victim), with the log of their transitions
        # unless history=False (simulation.run: no result reads it)
        self.victims = Victims(history=history, network_of=self.network_of,
                               vulnerability_of=partial(recruitment.vulnerabilities, self))
        self.exploited = [[Pool(self.victims) for _ in FORMS] for _ in range(n)]
        # the lists' records and the true exploitation spells (identification.record,
        # exploitation.open_spell_record), for multiple systems estimation
        # (simulation.inference.mse)
        self.contacts = ContactLog()
        self.spells = SpellLog()
        self.referrals = ReferralLog()  # referrals and their decisions (processes.referral)
        self.arrest_log = ArrestLog()  # every arrest of a trafficker (justice.arrest)
        self.network_index = NetworkIndex(self)
        self.markets = MarketIndex(self)
        self.perceptions = deterrence.start_perceptions(self)  # traffickers' beliefs
        self.networks_known_in: dict[int, list] = {}  # investigation.survey_networks

        with cycle_collection_paused():  # thousands of agents at once, none of them garbage
            region.seed_region(self)
        investigation.survey_networks(self)
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
        monthly = is_monthly(self.week)
        for when, _, process in self.SCHEDULE:
            if when == "weekly" or monthly:
                process(self)
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
        for agent in [*self.agents, *self.living_networks.values()]:
            agent.__dict__.clear()
        for trafficker in self.traffickers:
            trafficker.ties = trafficker.links = tr.NO_TIES
            trafficker.network = trafficker.model = None
        self.__dict__.clear()

    # -- shared state ------------------------------------------------------------------------
    @property
    def certainty(self) -> np.ndarray:
        """Perceived yearly chance of conviction in each jurisdiction (``perceptions``)."""
        return self.perceptions.certainty

    @property
    def perceived_sentence(self) -> np.ndarray:
        return self.perceptions.perceived_sentence

    @property
    def severity(self) -> np.ndarray:
        return self.perceptions.severity

    @property
    def networks(self) -> list:
        return list(self.living_networks.values())

    def network_of(self, number: int) -> TraffickingNetwork | None:
        """The live network numbered ``number`` (``Victims.network``), None if it has ended
        or is :data:`~simulation.model.agents.network.NO_NETWORK`."""
        return self.living_networks.get(number)

    @property
    def victim_counts(self) -> dict[str, int]:
        """How many victims are in each status, by the status's name."""
        return self.victims.status_counts()

    def trafficker_status_changed(self, trafficker, old: str | None, new: str) -> None:
        if old is not None:
            self.trafficker_counts[old] -= 1
        self.trafficker_counts[new] += 1
        if old == tr.ACTIVE:
            self.active_traffickers[trafficker.home] -= 1
        if new == tr.ACTIVE:
            self.active_traffickers[trafficker.home] += 1
        if old == tr.IMPRISONED:
            self.prisoners[trafficker.case_jurisdiction] -= 1
        if new == tr.IMPRISONED:
            self.prisoners[trafficker.case_jurisdiction] += 1

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
        """Add to this week's flow ``column`` in jurisdiction ``j``."""
        self.weekly_tally[COLUMN[column]][j] += amount

    def tally_form(self, column: str, form: int, amount: float = 1.0) -> None:
        """Add to this week's region-wide flow ``column`` for one form of exploitation."""
        self.form_tally[FORM_INDEX[column]][form] += amount

    def tally_victim(self, column: str, v: int) -> None:
        """Add victim ``v`` to this week's flow ``column`` by their form, sex and age group (the
        jurisdiction's count is :meth:`tally`'s)."""
        victims = self.victims
        self.form_tally[FORM_INDEX[column]][victims.form[v]] += 1
        groups = self.group_tally[GROUP_INDEX[column]]
        groups[MALE_SLOT if victims.male[v] else FEMALE_SLOT] += 1
        groups[CHILD_SLOT if victims.child[v] else ADULT_SLOT] += 1

    def _empty_tally(self, columns=COLUMNS, width: int | None = None) -> list[list[float]]:
        """This week's flows, column by jurisdiction (or by form, or group): plain lists, since
        a cell is added to often."""
        width = len(self.spec.jurisdictions) if width is None else width
        return [[0.0] * width for _ in columns]

    def record_week(self) -> None:
        self.network_index.live()
        row = np.array(self.weekly_tally)
        row[COLUMN["victims_in_exploitation"]] = [sum(len(p) for p in pools)
                                                  for pools in self.exploited]
        row[COLUMN["traffickers_active"]] = self.active_traffickers
        row[COLUMN["networks_active"]] = self.network_index.active_by_destination
        row[COLUMN["prisoners"]] = self.prisoners
        row[COLUMN["victims_waiting_shelter"]] = [len(n.waiting) for n in self.ngos]
        row[COLUMN["victims_in_shelter"]] = [n.in_shelter for n in self.ngos]
        row[COLUMN["cases_waiting"]] = [len(a.waiting_cases) for a in self.agencies]
        row[COLUMN["trials_waiting"]] = [a.trials_waiting for a in self.agencies]
        row[STRUCTURE_COLUMNS] = self.structure
        if self.week >= 0:
            row[COLUMN["policy_cost"]] = weekly_cost(self)
        self.series[self.steps - 1] = row
        self.region_week = row.sum(axis=1).tolist()
        self.weekly_tally = self._empty_tally()
        by_form = np.array(self.form_tally)
        by_form[FORM_INDEX["victims_in_exploitation"]] = [
            sum(len(pools[f]) for pools in self.exploited) for f in range(len(FORMS))]
        self.form_series[self.steps - 1] = by_form
        self.group_series[self.steps - 1] = self.group_tally
        self.form_tally = self._empty_tally(FORM_WEEKLY, len(FORMS))
        self.group_tally = self._empty_tally(GROUP_WEEKLY, len(VICTIM_GROUPS))
