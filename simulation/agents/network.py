"""Trafficking networks: members in roles, the route they work, the victims they control, and
how they respond to enforcement (replacement, splitting, security, relocation).
"""

from __future__ import annotations

import math

import mesa

from simulation.calendar import OrderedSet


from simulation.agents.trafficker import (ACTIVE, DESISTED, EXPLOITER, LEADER, RECRUITER, ROLES,
                                          TRANSPORTER, Trafficker)

VICTIMS_PER_EXPLOITER = 10  # how many victims one exploiter can control. Assumption.
ASSET_RETENTION = 0.25  # share of revenue kept as seizable assets. Assumption.
SECURITY_VISIBILITY = 0.6  # visibility lost at full security. Assumption.
SECURITY_EFFICIENCY = 0.5  # recruitment lost at full security (security costs). Assumption.
SECURITY_DECAY = 0.93  # monthly: networks relax when left alone. Assumption.
HIT_MEMORY = 0.8  # monthly decay of a network's memory of its own losses. Assumption.
HIT_CERTAINTY = 0.02  # perceived yearly certainty added per remembered own loss. Assumption.
COLLAPSE_PROBABILITY = 0.3  # after losing its leader, if it does not split. Assumption.
DISSOLUTION_HAZARD = 0.08  # per network-year from business failure and conflict. Assumption.
SWITCHING_COST = 0.3  # relocation needs 30% more expected value than staying. Assumption.
RELOCATION_REVIEW = 0.25  # share of networks that reconsider where they work each month.
MONTHLY_DISSOLUTION = -math.expm1(-DISSOLUTION_HAZARD / 12)


class TraffickingNetwork(mesa.Agent):
    """A trafficking network specialised in one form of exploitation.

    Recruits in ``origin``, moves victims along ``route`` and exploits them in ``destination``
    (origin == destination for domestic trafficking).
    """

    def __init__(self, model, form: int, origin: int, destination: int) -> None:
        super().__init__(model)
        self.form = form
        self.origin = origin
        self.destination = destination
        self.route = model.route(origin, destination)
        self.places = set(self.route)  # each jurisdiction it works in, once
        self.members: dict[str, list[Trafficker]] = {role: [] for role in ROLES}
        self.victims = OrderedSet()
        self.assets = 0.0
        self.security = 0.0
        self.hits = 0.0
        self.alive = True
        self.founded = model.week
        self.recruit_base = 0.0

    # -- membership -----------------------------------------------------------------------
    @property
    def size(self) -> int:
        return sum(map(len, self.members.values()))

    def home_of(self, role: str) -> int:
        """Where a member in this role works."""
        if role == RECRUITER:
            return self.origin
        if role == TRANSPORTER:
            return self.route[1] if len(self.route) > 2 else self.origin
        if role == EXPLOITER:
            return self.destination
        return self.destination if self.model.rng.random() < 0.5 else self.origin

    def home_of_members(self, role: str) -> int:
        """Where the members in this role work now (the leader's own home; else the role's)."""
        members = self.members[role]
        return members[0].home if members else self.origin

    def add_member(self, trafficker: Trafficker) -> None:
        trafficker.network = self
        self.members[trafficker.role].append(trafficker)

    def recruit_member(self, role: str) -> Trafficker:
        """Fill a role from the criminal labour pool where the role works, or with a newcomer."""
        home = self.home_of(role)
        trafficker = self.model.take_from_pool(home)
        if trafficker is None:
            trafficker = Trafficker(self.model, role, home)
        else:
            trafficker.role = role
            trafficker.set_status(ACTIVE, "joined network")
        self.add_member(trafficker)
        return trafficker

    @property
    def capacity(self) -> int:
        return VICTIMS_PER_EXPLOITER * len(self.members[EXPLOITER])

    @property
    def visibility(self) -> float:
        return 1 - SECURITY_VISIBILITY * self.security

    # -- enforcement response ---------------------------------------------------------------
    def lose_member(self, trafficker: Trafficker, arrested: bool) -> None:
        """A member was arrested or left. Replace them; an arrested leader may end the network."""
        self.members[trafficker.role].remove(trafficker)
        p = self.model.params
        if arrested:
            self.security = min(1.0, self.security + p["security_gain"])
            self.hits += 1
        if self.size == 0:
            self.model.end_network(self, dismantled=arrested)
            return
        if trafficker.role == LEADER:
            if arrested:
                u = self.model.rng.random()
                if self.size >= 6 and u < p["leader_split_probability"]:
                    self.model.split_network(self)
                elif u < p["leader_split_probability"] + COLLAPSE_PROBABILITY:
                    self.model.end_network(self, dismantled=True)
                    return
            self.promote_leader()
        self.model.schedule_replacement(self, trafficker.role)

    def promote_leader(self) -> None:
        if self.members[LEADER] or self.size == 0:
            return
        roles = [r for r in ROLES if self.members[r]]
        role = max(roles, key=lambda r: len(self.members[r]))
        successor = self.members[role].pop()
        successor.role = LEADER
        successor.record.append(self.model.stamp("became leader"))
        self.members[LEADER].append(successor)
        self.model.schedule_replacement(self, role)

    # -- monthly review ---------------------------------------------------------------------
    def expected_sanction(self, j: int) -> float:
        """Expected discounted prison-years per year of work in jurisdiction ``j``."""
        model = self.model
        return (model.certainty_of[j] + HIT_CERTAINTY * self.hits) * model.severity_of[j]

    def review(self) -> None:
        """Monthly: relax security, bank revenue, grow, maybe move or dissolve."""
        if not self.alive:
            return
        model = self.model
        uniform = model.random.random
        self.security *= SECURITY_DECAY
        self.hits *= HIT_MEMORY
        dest = model.jurisdictions[self.destination]
        n_victims = len(self.victims)
        self.assets += 4 * n_victims * dest.revenue_per_week(self.form) * ASSET_RETENTION
        if (n_victims >= VICTIMS_PER_EXPLOITER * len(self.members[EXPLOITER])
                and model.pull(self.destination, self.form) > 0.2):
            self.recruit_member(EXPLOITER)
        if uniform() < MONTHLY_DISSOLUTION:
            model.end_network(self, dismantled=False)
            return
        if uniform() < RELOCATION_REVIEW:
            self._reconsider_destination()
        self.update_recruitment()

    def market_value(self, j: int) -> float:
        """Expected weekly value of exploiting in ``j``, net of the expected sanction there."""
        model = self.model
        weight = model.params["deterrence_weight"]
        jur = model.jurisdictions[j]
        return (jur.revenue_per_week(self.form) * model.pull(j, self.form)
                * math.exp(-weight * self.expected_sanction(j)))

    def _reconsider_destination(self) -> None:
        """Re-choose where to exploit by expected profit net of expected sanctions (MODEL.md 10).

        Displacement, if any, comes out of this choice; it is never imposed. Networks move among
        markets of the same kind (destination to destination, origin to origin): turning a
        domestic operation into a transnational one is a different business, not modelled.
        """
        model = self.model
        current = self.market_value(self.destination)
        role = model.jurisdictions[self.destination].role
        best, value = None, -math.inf
        for j in model.markets_like(self.form, role):
            if j != self.destination:
                v = self.market_value(j)
                if v > value or best is None:
                    best, value = j, v
        if best is not None and value > current * (1 + SWITCHING_COST):
            model.relocate_network(self, best)

    def update_recruitment(self) -> None:
        """Weekly recruitment rate before market pull (cached; recomputed monthly and on change)."""
        model = self.model
        if len(self.victims) >= VICTIMS_PER_EXPLOITER * len(self.members[EXPLOITER]):
            self.recruit_base = 0.0
            return
        origin = model.jurisdictions[self.origin]
        p = model.params
        self.recruit_base = (len(self.members[RECRUITER]) * p["recruitment_efficiency"]
                             * origin.vulnerability * origin.recruitment_resistance
                             * (1 - SECURITY_EFFICIENCY * self.security)
                             * math.exp(-p["deterrence_weight"] * self.expected_sanction(self.origin)))
