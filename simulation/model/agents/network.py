"""Trafficking networks: members in roles, the route they work, the victims they control, their
assets and security posture. How networks act (recruit, replace members, split, relocate) is
in :mod:`simulation.model.processes`.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from simulation.model.agents.trafficker import EXPLOITER, RECRUITER, ROLES, Trafficker
from simulation.model.pools import Columns, RowSet, grow_columns, make_columns
from simulation.model.streams import chain


ORGANISED, LONE, PAIR, FAMILY = "organised", "lone", "pair", "family"
KINDS = (ORGANISED, LONE, PAIR, FAMILY)
"""Kinds of trafficking operation (ODD 6.10): an organised network with a division of roles,
or a small operation: one trafficker alone, a pair (often intimate partners) or a family."""


NO_NETWORK = 0
"""The network number of a victim no network holds (networks are numbered from 1)."""


class NetworkTable:
    """What the victims' array passes read of every network the run has founded, one numpy
    array per attribute indexed by the network's number (``unique_id``; row 0 is
    :data:`NO_NETWORK`): whether it is alive, its stream key, its victims' exposure, the
    length of its route and its destination. (Not its security posture, which every monthly
    review changes: a network's own attribute is cheaper to change, and the passes that read
    it gather it from the live networks.)

    The victims' table refers to networks by number (``Victims.network``), so a week's pass
    over thousands of victims reads their networks' attributes with one indexing each instead
    of an attribute lookup per victim, and a network that has ended is freed once nothing
    else holds it: its row here stays (a victim referred after their network ended is
    recorded with its key). A :class:`TraffickingNetwork` writes its row when it is founded,
    moves (:meth:`~TraffickingNetwork.move_to`) and ends (:meth:`~TraffickingNetwork.end`),
    the only times these attributes change. Rows are added, never removed; arrays grow by
    doubling, so never keep a column across a call that may found a network.
    """

    _COLUMNS: Columns = {"alive": (np.bool_, False), "key": (np.uint64, 0),
                "exposure": (np.float64, 0.0), "route_len": (np.int64, -1),
                "destination": (np.int64, -1)}

    alive: np.ndarray
    key: np.ndarray
    exposure: np.ndarray
    route_len: np.ndarray
    destination: np.ndarray

    def __init__(self, capacity: int = 256) -> None:
        self.n = 1  # row 0: no network
        self._capacity = capacity
        make_columns(self, self._COLUMNS, capacity)

    def __len__(self) -> int:
        """Networks founded so far."""
        return self.n - 1

    def add(self) -> int:
        """A new row, with every column at its default: the next network's number."""
        row = self.n
        if row >= self._capacity:
            self._capacity *= 2
            grow_columns(self, self._COLUMNS, row, self._capacity)
        self.n = row + 1
        return row


class TraffickingNetwork:
    """A trafficking network specialised in one form of exploitation: a plain object, not a
    Mesa agent (no Mesa machinery acts on networks), held in the model's own registry of live
    networks (``model.networks`` lists them, in the order they were founded) until it ends.

    Recruits in ``origin``, moves victims along ``route`` and exploits them in ``destination``
    (origin == destination for domestic trafficking).

    Attributes:
        members: role -> the traffickers in that role. Read it freely; change it only through
            :meth:`add_member`, :meth:`drop_member`, :meth:`pop_member` and :meth:`set_roster`,
            which keep :attr:`size` and :meth:`rosters` up to date.
        size: its members in every role (a number the rosters' methods keep).
        victims: the victims it controls (recruited, in transit or exploited).
        security: security posture, 0-1; raised by arrests, relaxed monthly (ODD 6.10).
        hits: memory of its own losses, decaying monthly (ODD 6.11).
        recruit_base: its weekly recruitment rate before market pull, as last assessed
            (ODD 6.2: networks reassess it monthly and when they recruit or fill a role).
        key: its random-stream key (:mod:`simulation.model.streams`).
        unique_id: its number in the run (1, 2, ... in the order networks were founded): the
            key of the cases opened against it, and its row in the model's
            :class:`NetworkTable`, which holds ``alive``, ``key``, ``exposure``,
            ``destination`` and the length of ``route`` too: change those only through
            :meth:`move_to` and :meth:`end`, which keep the row in step.
    """

    def __init__(self, model, form: int, origin: int, destination: int, route: list[int],
                 key: int, kind: str = ORGANISED, exposure: float = 1.0) -> None:
        self.model = model
        table = model.network_table
        self.unique_id = row = table.add()
        model.living_networks[row] = self
        self.kind = kind  # KINDS: organised, or a small operation (lone, pair, family)
        self.exposure = exposure  # its victims' visibility relative to an organised network's
        self.key = key  # random-stream key (simulation.model.streams): how and when it was founded
        self.hires = 0  # positions filled so far: the rank that keys the next hire
        self.losses = 0  # members lost so far: the rank that keys the next replacement delay
        self.cases: dict[int, int] = {}  # cases opened against it, by jurisdiction: the rank
        # that keys the next one
        self.form = form
        self.origin = origin
        self.destination = destination
        self.route = route
        self.places = set(route)  # each jurisdiction it works in, once
        self.members: dict[str, list[Trafficker]] = {role: [] for role in ROLES}
        self.size = 0  # members in every role (the rosters' methods below keep it)
        self._rosters: tuple | None = None  # rosters(), until a roster or a workplace changes
        self.victims = RowSet()
        self.assets = 0.0
        self.security = 0.0
        self.hits = 0.0
        self.alive = True
        table.alive[row], table.key[row], table.exposure[row] = True, key, exposure
        table.destination[row], table.route_len[row] = destination, len(route)
        self.founded = model.week
        self.recruit_base = 0.0
        self.online_share = 0.0  # of its recruitment done online (processes.online)
        # (week of the hit, size before it) while recovering from an enforcement hit
        # (network_response.grade_hit), else None
        self.recovering: tuple[int, int] | None = None
        self.n_ties = 0  # ties among its members (processes.ties)
        self.cut_offs = 0  # members who dropped out after a loss cut them off (processes.ties)

    @property
    def roster(self) -> list[Trafficker]:
        """Every member, in role order (leader first)."""
        return [m for members in self.members.values() for m in members]

    @property
    def leader(self) -> Trafficker | None:
        """Its leader, or None while the place is empty."""
        leaders = self.members[ROLES[0]]
        return leaders[0] if leaders else None

    def visibility(self, security_visibility: float) -> float:
        """Its victims' visibility to identification: 1 for an organised network at no
        security, times ``exposure`` for a small operation (ODD 6.5, 6.10)."""
        return (1 - security_visibility * self.security) * self.exposure

    @property
    def organised(self) -> bool:
        return self.kind == ORGANISED

    def capacity(self, p) -> int:
        """Victims it can control: ``victims_per_exploiter`` per exploiter in an organised
        network, ``victims_per_small_offender`` per member of a small operation (where
        everyone does everything)."""
        if self.kind == ORGANISED:
            return p["victims_per_exploiter"] * len(self.members[EXPLOITER])
        return int(p["victims_per_small_offender"] * self.size)

    @property
    def recruiting(self) -> int:
        """Members who recruit: the recruiters, or everyone in a small operation."""
        return len(self.members[RECRUITER]) if self.kind == ORGANISED else self.size

    def graph(self) -> nx.Graph:
        """Its members' ties as a networkx graph; nodes are the members' stream keys, with
        their ``role`` as a node attribute (ODD 6.10)."""
        g = nx.Graph()
        members = self.roster
        g.add_nodes_from((m.key, {"role": m.role}) for m in members)
        # each member's ties sorted by key, so that the graph (and the last bits of the
        # betweenness networkx sums over it) does not depend on the order they were made
        g.add_edges_from((a.key, b.key) for a in members
                         for b in sorted(a.ties, key=lambda t: t.key) if a.key < b.key)
        return g

    def measures(self) -> dict[str, float]:
        """Size, ties, density, its leader's normalised betweenness (networkx) and the share
        of members connected to the leader through ties (ODD 6.10)."""
        g = self.graph()
        n = g.number_of_nodes()
        leader = self.leader
        between = nx.betweenness_centrality(g) if n > 2 else {}
        connected = (len(nx.node_connected_component(g, leader.key)) / n
                     if leader is not None else float("nan"))
        return {
            "size": float(n),
            "ties": float(g.number_of_edges()),
            "density": nx.density(g) if n > 1 else float("nan"),
            "leader_betweenness": (float(between.get(leader.key, 0.0)) if leader is not None
                                   else float("nan")),
            "connected_share": connected,
        }

    def next_hire(self) -> int:
        """The key of the next position this network fills (a newcomer hired to it takes it
        as their own key)."""
        self.hires += 1
        return chain(self.key, self.hires)

    def move_to(self, destination: int, route: list[int]) -> None:
        """It exploits in ``destination`` from now on, reached along ``route``
        (``network_response.relocate``)."""
        self.destination = destination
        self.route = route
        self.places = set(route)
        table = self.model.network_table
        table.destination[self.unique_id], table.route_len[self.unique_id] = destination, len(route)

    def end(self) -> None:
        """It stops operating (``network_response.end_network``, which lets its members and
        victims go and then :meth:`remove` s it)."""
        self.alive = False
        self.model.network_table.alive[self.unique_id] = False

    def remove(self) -> None:
        """It leaves the model's registry of live networks (it has ended): whoever still
        holds it may read it, and its row of the :class:`NetworkTable` stays."""
        self.model.living_networks.pop(self.unique_id, None)

    # -- the rosters change only here (size and rosters() follow) ----------------------------
    def add_member(self, trafficker: Trafficker) -> None:
        """``trafficker`` joins, last in the roster of their role."""
        trafficker.network = self
        self.members[trafficker.role].append(trafficker)
        self.size += 1
        self._rosters = None

    def drop_member(self, trafficker: Trafficker) -> None:
        """``trafficker`` leaves the roster of their role (they keep ``network`` until the
        caller says otherwise)."""
        self.members[trafficker.role].remove(trafficker)
        self.size -= 1
        self._rosters = None

    def pop_member(self, role: str) -> Trafficker:
        """The last member of ``role`` leaves that roster, and is returned."""
        member = self.members[role].pop()
        self.size -= 1
        self._rosters = None
        return member

    def set_roster(self, role: str, members: list[Trafficker]) -> None:
        """``members`` (a list of its own, in order) become the roster of ``role``."""
        self.size += len(members) - len(self.members[role])
        self.members[role] = members
        self._rosters = None

    def moved(self) -> None:
        """Members' workplaces changed (``network_response.relocate``): :meth:`rosters`
        reads them again."""
        self._rosters = None

    def rosters(self) -> tuple[list[int], list[int], list[Trafficker], list[int]]:
        """For each role in ``ROLES`` order: the roster's size and where it works (its first
        member's ``home``; the network's origin for an empty role); then every member in that
        order, and their stream keys (``processes.turnover.desistance`` reads them monthly).
        Worked out again only after the rosters or workplaces changed."""
        found = self._rosters
        if found is None:
            sizes, homes, members = [], [], []
            for roster in self.members.values():
                sizes.append(len(roster))
                homes.append(roster[0].home if roster else self.origin)
                members += roster
            found = self._rosters = (sizes, homes, members, [m.key for m in members])
        return found
