"""Identification, misidentification and other exits from exploitation (ODD 6.5).

Who sees an exploited victim, and what follows: six channels of first responders meet victims
in exploitation (police, NGO outreach, inspections, self-referral, health and social services,
child protection; border officers meet them in transit, :mod:`movement`) and refer them to the
national referral mechanism (:func:`identify`, :mod:`referral`), which confirms them as
victims or not later (:mod:`confirmation`); untrained police may treat a victim as an offender
(misidentification); networks release victims and victims escape. The weekly draw of who exits
is in :mod:`exploitation`; the hazards it draws from are :func:`exit_hazards`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from simulation.model import fmath
from simulation.model.agents.victim import Status
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import LIST_OF_CHANNEL, WEEKLY_INDEX, Channel
from simulation.model.processes import cases, recovery, referral
from simulation.model.streams import below_chance

READS = (
    "agencies", "jurisdictions", "living_networks", "network_of", "network_table", "params",
    "streams", "week",
)
CHANGES = (
    "contacts", "exploited", "form_tally", "group_tally", "spells", "victims", "weekly_tally",
)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


class ExitRoute(IntEnum):
    """Ways out of exploitation, in the order their hazards are drawn."""

    POLICE = 0  # identified by police
    MISIDENTIFIED = 1  # encountered by untrained police and treated as an offender
    NGO = 2
    INSPECTION = 3
    SELF_REFERRAL = 4
    CHILD_PROTECTION = 5  # child protection, schools, children's services (children only)
    HEALTH = 6  # health and social services
    RELEASE = 7  # let go by the network
    ESCAPE = 8  # self-rescue


VISIBLE_ROUTES = tuple(r for r in ExitRoute if r < ExitRoute.RELEASE)
"""Routes whose hazard a network's security lowers (rows of ``exit_hazards``)."""
CHANNEL_OF = {ExitRoute.POLICE: Channel.POLICE, ExitRoute.NGO: Channel.NGO,
              ExitRoute.INSPECTION: Channel.INSPECTION, ExitRoute.SELF_REFERRAL: Channel.SELF,
              ExitRoute.CHILD_PROTECTION: Channel.CHILD_PROTECTION,
              ExitRoute.HEALTH: Channel.HEALTH}
"""The identifying routes and their channels."""

IDENTIFIED_COL = WEEKLY_INDEX["victims_identified"]
MISIDENTIFIED_COL = WEEKLY_INDEX["victims_misidentified"]
SPELL_WEEKS, SPELLS_ENDED = WEEKLY_INDEX["victim_spell_weeks_ended"], WEEKLY_INDEX["spells_ended"]
CHANNEL_COL = {c: WEEKLY_INDEX[f"identified_{c.value}"] for c in Channel}


# -- the hazards ---------------------------------------------------------------------------------

def recognition(p, levers) -> float:
    """Chance an officer recognises a victim they encounter: training moves it from the
    untrained to the trained value."""
    untrained = p["recognition_untrained"]
    return untrained + (p["recognition_trained"] - untrained) * levers["training"]


def misidentification(p, levers) -> float:
    """Chance an encounter ends with the victim treated as an offender: only untrained officers
    who do not recognise the victim do it, and the non-punishment provision prevents part."""
    training = levers["training"]
    return ((1 - training) * (1 - p["recognition_untrained"]) * p["misidentification"]
            * (1 - p["non_punishment_effect"] * levers["non_punishment"]))


def visibility(p) -> dict[ExitRoute, np.ndarray]:
    """Visibility of each form (sexual, labour, criminal) to each channel, relative to the
    form most visible to it (1 by definition)."""
    police = np.array([1.0, p["visibility_police_labour"], p["visibility_police_criminal"]])
    return {
        ExitRoute.POLICE: police,
        ExitRoute.MISIDENTIFIED: police,
        ExitRoute.NGO: np.array([1.0, p["visibility_ngo_labour"], p["visibility_ngo_criminal"]]),
        ExitRoute.INSPECTION: np.array([p["visibility_inspection_sexual"], 1.0,
                                        p["visibility_inspection_criminal"]]),
        ExitRoute.SELF_REFERRAL: np.array([1.0, p["visibility_self_labour"],
                                           p["visibility_self_criminal"]]),
        ExitRoute.CHILD_PROTECTION: np.array([1.0, p["visibility_child_protection_labour"],
                                              p["visibility_child_protection_criminal"]]),
        ExitRoute.HEALTH: np.array([1.0, p["visibility_health_labour"],
                                    p["visibility_health_criminal"]]),
    }


SEEN_GROUPS = (("female", "adult"), ("female", "child"), ("male", "adult"), ("male", "child"))
"""The victim groups whose visibility differs, in the order of ``Victim.group``."""
_GROUP_PARAMETERS = {  # each route's (male, child) visibility factors
    ExitRoute.POLICE: ("visibility_police_male", "visibility_police_child"),
    ExitRoute.MISIDENTIFIED: ("visibility_police_male", "visibility_police_child"),
    ExitRoute.NGO: ("visibility_ngo_male", "visibility_ngo_child"),
    ExitRoute.INSPECTION: ("visibility_inspection_male", "visibility_inspection_child"),
    ExitRoute.SELF_REFERRAL: ("visibility_self_male", "visibility_self_child"),
    ExitRoute.CHILD_PROTECTION: ("visibility_child_protection_male", None),
    ExitRoute.HEALTH: ("visibility_health_male", "visibility_health_child"),
}
"""(A route with no child factor reaches children only: its rate is per child victim-week.)"""


def group_visibility(p) -> np.ndarray:
    """Visibility of each victim group (columns, :data:`SEEN_GROUPS` order) to each
    identifying route (rows), relative to adult women and girls: the male and child factors
    of the route's channel multiply."""
    rows = []
    for route in VISIBLE_ROUTES:
        male_name, child_name = _GROUP_PARAMETERS[route]
        male, child, adult = p[male_name], 1.0, 0.0
        if child_name is not None:
            child, adult = p[child_name], 1.0
        rows.append([(male if sex == "male" else 1.0) * (child if age == "child" else adult)
                     for sex, age in SEEN_GROUPS])
    return np.array(rows)


def visible_hazards(p, jur) -> list[list[list[float]]]:
    """``[form][group]`` -> the weekly hazard of each identifying route at full network
    visibility, for a victim of that form and group in ``jur``; groups 4-7 are groups 0-3
    recruited online, whom online monitoring can also find (a police identification)."""
    hazards = exit_hazards(p, jur)
    groups = group_visibility(p)
    offline = [[(hazards[:, f] * groups[:, g]).tolist() for g in range(len(SEEN_GROUPS))]
               for f in range(hazards.shape[1])]
    extra = online_hazard(p, jur)
    return [by_group + [[h + extra if r == ExitRoute.POLICE else h for r, h in enumerate(row)]
                        for row in by_group] for by_group in offline]


def online_hazard(p, jur) -> float:
    """Weekly chance that online monitoring in ``jur`` finds a victim recruited online, at full
    network visibility."""
    return p["online_identification_rate"] * jur.online_monitoring


GROWING_ROUTES = (ExitRoute.POLICE, ExitRoute.NGO, ExitRoute.INSPECTION,
                  ExitRoute.CHILD_PROTECTION, ExitRoute.HEALTH)
"""The first responders' routes, whose hazards grow with ``first_responder_growth``."""


def responder_growth(p, week: int) -> float:
    """The factor on the first responders' hazards in ``week``: ``(1 + g) ** y`` in policy
    year ``y`` (0 in the first policy year and the burn-in), ``g`` the parameter
    ``first_responder_growth``."""
    g = p["first_responder_growth"]
    return fmath.pow(1.0 + g, max(0, week // WEEKS_PER_YEAR)) if g else 1.0


def exit_hazards(p, jur) -> np.ndarray:
    """Weekly hazards of each identifying route (rows, :data:`VISIBLE_ROUTES` order) for an
    adult female victim of each form (columns) in ``jur``, at full network visibility. Densities
    are per
    100,000 at-risk people, divided by 10 so that each rate parameter is the hazard at 10 per
    100,000."""
    lv = jur.levers
    vis = visibility(p)
    police = p["police_encounter_rate"] * jur.per_100k("officers") / 10 * vis[ExitRoute.POLICE]
    inspections = jur.per_100k("labour_inspections") / 10
    rows = {
        ExitRoute.POLICE: police * jur.recognition,
        ExitRoute.MISIDENTIFIED: police * jur.misidentification,
        ExitRoute.NGO: (p["ngo_contact_rate"] * jur.per_100k("ngo_outreach") / 10 * jur.trust
                        * vis[ExitRoute.NGO]),
        ExitRoute.INSPECTION: (p["inspection_rate"] * inspections * vis[ExitRoute.INSPECTION]
                               * (1 - jur.corruption_effective)),
        ExitRoute.SELF_REFERRAL: (p["self_referral_hazard"]
                                  * (1 + p["awareness_self_referral"] * lv["awareness"])
                                  * (p["self_referral_trust_offset"] + jur.trust)
                                  * jur.coming_forward * vis[ExitRoute.SELF_REFERRAL]),
        ExitRoute.CHILD_PROTECTION: (p["child_protection_rate"]
                                     * vis[ExitRoute.CHILD_PROTECTION]),
        ExitRoute.HEALTH: p["health_services_rate"] * vis[ExitRoute.HEALTH],
    }
    growth = responder_growth(p, jur.model.week)
    if growth != 1.0:
        for route in GROWING_ROUTES:
            rows[route] = rows[route] * growth
    return np.vstack([rows[route] for route in VISIBLE_ROUTES])


# -- what follows an exit ------------------------------------------------------------------------

def exit_exploitation(model, v: int, j: int, way: int, retrafficking: bool = True) -> None:
    """Victim ``v`` leaves exploitation in ``j`` by ``way`` (an :class:`ExitRoute`). A police
    identification of a victim recruited online is owed to online monitoring with the share of
    the police hazard that monitoring adds (counted in ``identified_online``)."""
    victims = model.victims
    if way == ExitRoute.POLICE and victims.online[v]:
        jur = model.jurisdictions[j]
        extra = online_hazard(model.params, jur)
        form = int(victims.form[v])
        total = jur.visible_hazards[form][hazard_row(victims, v)][ExitRoute.POLICE]
        if (extra > 0
                and model.streams.uniform("online credit", victims.rkey_of(v)) * total
                < extra):
            model.tally("identified_online", j)
            model.tally_form("identified_online", form)
    if way == ExitRoute.MISIDENTIFIED:
        misidentify(model, v, j, retrafficking)
    elif way < ExitRoute.RELEASE:
        identify(model, v, j, CHANNEL_OF[ExitRoute(way)])
    else:
        end_spell(model, v, Status.RELEASED if way == ExitRoute.RELEASE else Status.SELF_RESCUED)


def exit_many(model, rows: np.ndarray, where: np.ndarray, ways: np.ndarray) -> None:
    """Exploited victims ``rows`` leave exploitation in ``where`` by ``ways`` (each an
    :class:`ExitRoute`), in this order: :func:`exit_exploitation` for each, the releases and
    escapes (most exits) carried out together."""
    victims = model.victims
    week = model.week
    exploited = model.exploited
    # each leaves their pool, in this order (a removal moves the pool's last member)
    for v, j, f in zip(rows.tolist(), victims.location[rows].tolist(),
                       victims.form[rows].tolist()):
        exploited[j][f].remove(v)
    # identifications and misidentifications one by one, in order
    seen = ways < ExitRoute.RELEASE
    for v, j, way in zip(rows[seen].tolist(), where[seen].tolist(), ways[seen].tolist()):
        exit_exploitation(model, v, j, way, retrafficking=False)
    # releases and escapes together
    for status, way in ((Status.RELEASED, ExitRoute.RELEASE),
                        (Status.SELF_RESCUED, ExitRoute.ESCAPE)):
        out = rows[ways == way]
        if not out.size:
            continue
        location = victims.location[out]
        end_spells(model, out)
        n_jur = len(model.jurisdictions)
        for j, c in enumerate(np.bincount(location, minlength=n_jur).tolist()):
            model.weekly_tally[END_COLUMNS[status]][j] += c
        victims.set_statuses(out, status, week)
    # the time to any re-trafficking, drawn and scheduled in the order of the exits
    later = ways >= ExitRoute.RELEASE
    later |= ways == ExitRoute.MISIDENTIFIED
    recovery.schedule_retrafficking_many(
        model, rows[later],
        [WAY_OUT[w] for w in ways[later].tolist()])


WAY_OUT = {ExitRoute.MISIDENTIFIED: recovery.Exit.MISIDENTIFIED,
           ExitRoute.RELEASE: recovery.Exit.RELEASED,
           ExitRoute.ESCAPE: recovery.Exit.SELF_RESCUED}


def end_spells(model, rows: np.ndarray) -> None:
    """Exploited victims ``rows``, already out of their pools, leave their networks: their
    spells end (what :func:`leave_network` does for an exploited victim, for many)."""
    victims = model.victims
    week = model.week
    tally = model.weekly_tally
    model.spells.close_many(victims.spell[rows], week)
    location = victims.location[rows]
    n_jur = len(tally[SPELL_WEEKS])
    # sums of whole numbers of weeks: the same in any order
    weeks = np.bincount(location, week - victims.exploited_since[rows].astype(np.int64),
                        minlength=n_jur).tolist()
    for j, count in enumerate(np.bincount(location, minlength=n_jur).tolist()):
        if count:
            tally[SPELL_WEEKS][j] += weeks[j]
            tally[SPELLS_ENDED][j] += count
    leave_networks(model, rows)
    victims.spell[rows] = -1


def leave_networks(model, rows: np.ndarray) -> None:
    """Victims ``rows`` leave the networks holding them (if any, and alive), in this order."""
    living = model.living_networks
    for v, number in zip(rows.tolist(), model.victims.network[rows].tolist()):
        held = living.get(number)
        if held is not None:
            held.victims.discard(v)


def end_one_spell(model, v: int) -> None:
    """:func:`end_spells` for one victim ``v`` (the same rule, without arrays)."""
    victims = model.victims
    week = model.week
    model.spells.close(int(victims.spell[v]), week)
    location = int(victims.location[v])
    tally = model.weekly_tally
    tally[SPELL_WEEKS][location] += week - int(victims.exploited_since[v])
    tally[SPELLS_ENDED][location] += 1
    network = model.network_of(int(victims.network[v]))
    if network is not None:
        network.victims.discard(v)
    victims.spell[v] = -1


def leave_network(model, v: int) -> None:
    """End control by the network and, if exploited, the exploitation spell (and the place in
    the pool, unless already left)."""
    victims = model.victims
    if victims.status[v] == Status.EXPLOITED:
        if victims.slot[v] >= 0:
            model.exploited[victims.location[v]][victims.form[v]].remove(v)
        end_one_spell(model, v)
        return
    network = model.network_of(int(victims.network[v]))
    if network is not None:
        network.victims.discard(v)


def identify(model, v: int, j: int, channel: Channel) -> None:
    """A first responder of ``channel`` recognises victim ``v`` (out of their pool already, or
    in transit) and refers them to the referral mechanism of ``j`` (:func:`referral.refer`,
    which decides whether the referral takes them out of exploitation; the confirmation comes
    later, :mod:`confirmation`). Those taken out leave the network and wait for the decision;
    the others go back to their pool. The referral puts them on the responder's list; a
    police referral may open a case (``police_case_probability``), an NGO one does through the
    NGO-police partnership."""
    victims = model.victims
    removed = referral.refer(model, v, j, channel)
    if removed:
        leave_network(model, v)
        victims.location[v] = j
        victims.set_status(v, Status.REFERRED, model.week)
    elif victims.slot[v] < 0:  # still exploited: back in the pool it was taken from
        model.exploited[victims.location[v]][victims.form[v]].add(v)
    jur = model.jurisdictions[j]
    record(model, v, LIST_OF_CHANNEL[channel], j, identified=removed)
    uniform = model.streams.uniform
    rkey = victims.rkey_of(v)
    if uniform("partner record", rkey) < jur.levers["ngo_police_partnership"]:
        # a formal referral puts the victim on the partner's list too: lists become dependent
        # (the police's partner is the list of NGOs and services, and theirs the police's)
        own = LIST_OF_CHANNEL[channel]
        partner = Channel.POLICE if own == LIST_OF_CHANNEL[Channel.NGO] else Channel.NGO
        record(model, v, LIST_OF_CHANNEL[partner], j, identified=False)
    network = model.network_of(int(victims.network[v]))
    if network is None:
        return
    agency = model.agencies[j]
    if (channel == Channel.POLICE
            and uniform("police case", rkey) < model.params["police_case_probability"]):
        cases.open_case(model, agency, network, police_finding=True)
    elif (channel == Channel.NGO
          and uniform("ngo report", rkey) < jur.levers["ngo_police_partnership"]):
        cases.open_case(model, agency, network, ngo_report=True)


@dataclass(frozen=True, slots=True)
class HazardArrays:
    """A jurisdiction's hazards as arrays for the weekly draws of exits and contacts: the
    identifying routes' hazards ``visible[form, row, route]`` and the lists' contact hazards
    ``contact[form, list, row]`` (rows as :func:`hazard_row`), and per form the highest weekly
    chance any victim faces of an exit (``exit_q_max[form]``) and of a contact on each list
    (``contact_q_max[form][list]``), at full visibility."""

    visible: np.ndarray
    contact: np.ndarray
    exit_q_max: list[float]
    contact_q_max: list[list[float]]


def hazard_arrays(p, jur) -> HazardArrays:
    """:class:`HazardArrays` of ``jur`` (from its ``visible_hazards`` and ``contact_hazards``;
    the highest chances computed as the scalar draws would, with ``fmath.expm1``)."""
    release, escape = p["release_hazard"], p["escape_hazard"]
    return HazardArrays(
        np.array(jur.visible_hazards), np.array(jur.contact_hazards),
        [-fmath.expm1(-(max(map(sum, by_row)) + release + escape))
         for by_row in jur.visible_hazards],
        [[-fmath.expm1(-max(by_row)) for by_row in by_list] for by_list in jur.contact_hazards])


def hazard_row(victims, rows):
    """Each victim's row of a jurisdiction's ``visible_hazards`` and ``contact_hazards``: their
    sex-and-age group, plus the number of groups if recruited online."""
    return victims.group[rows] + len(SEEN_GROUPS) * victims.online[rows]


def network_visibility(model, rows: np.ndarray) -> np.ndarray:
    """Each exploited victim's network's visibility (``TraffickingNetwork.visibility``: ``(1 -
    p[security_visibility] x security) x exposure``) for victims ``rows``, whose networks all
    live: the factor of both their exits and their contacts on record (ODD 6.5, 6.10)."""
    owners = model.victims.network[rows]
    living = model.living_networks
    security = np.array([living[n].security for n in owners.tolist()])
    return ((1 - model.params["security_visibility"] * security)
            * model.network_table.exposure[owners])


IDENTIFIED_BY = {c: f"identified_{c.value}" for c in Channel}
"""The flow column of each channel's identifications."""


def record(model, v: int, list_index: int, j: int, identified: bool) -> None:
    """Put victim ``v`` on a list (``registry.LISTS``): who, which list, when, where, what
    form, which group, and whether the contact ended their exploitation."""
    victims = model.victims
    model.contacts.add(v, list_index, model.week, j, int(victims.form[v]),
                       int(victims.group[v]), identified)


LIST_ROUTES = (ExitRoute.POLICE, ExitRoute.NGO, ExitRoute.INSPECTION, ExitRoute.SELF_REFERRAL)
"""The identifying route whose hazard each list's contacts follow, in ``registry.LISTS`` order."""
CONTACT_PARAMETERS = ("contacts_police", "contacts_ngo", "contacts_inspection",
                      "contacts_hotline")


def contact_hazards(p, visible) -> list[list[list[float]]]:
    """``[form][list]`` -> per row of ``visible`` (the groups, then the same groups recruited
    online), the weekly hazard that a victim of that form and row is recorded on the list
    without leaving exploitation (at full visibility): the channel's identification hazard for
    that victim (for the police, with what online monitoring adds for those recruited online)
    times its ``contacts_<list>`` multiplier."""
    return [[[row[route] * p[name] for row in by_group]
             for route, name in zip(LIST_ROUTES, CONTACT_PARAMETERS)]
            for by_group in visible]


@dataclass(frozen=True, slots=True)
class ContactCandidates:
    """This week's possible contacts that do not end exploitation, in the order they are
    checked (pool by pool, list by list, then the pool's members in order): the victim, the
    jurisdiction, the list and the victim's uniform number for that list and week."""

    victim: np.ndarray
    jurisdiction: np.ndarray
    list: np.ndarray
    u: np.ndarray


def contact_candidates(model, pools: list, owner: np.ndarray, rows: np.ndarray,
                       u: np.ndarray) -> ContactCandidates:
    """The exploited victims ``rows`` (of the pools ``pools``, ``(jurisdiction, form, pool)``;
    ``owner``: each victim's pool, the pools' members in consecutive runs, in order) who may be
    recorded on a list this week without leaving exploitation: ``u[list, i]`` is victim
    ``i``'s keyed uniform number for that list and week; those below the highest chance any
    victim of their pool faces on the list are candidates, checked by :func:`record_contacts`
    against their own chance once the week's exits are done."""
    q_max = np.array([model.jurisdictions[j].hazard_arrays.contact_q_max[f]
                      for j, f, _ in pools])  # (pool, list)
    # each victim's highest chances, as (list, victim) like u: the pools' members are in
    # consecutive runs, so repeating each pool's row is the same as q_max[owner].T, and quicker
    lst, i = np.nonzero(u < np.repeat(q_max.T, np.bincount(owner, minlength=len(pools)),
                                      axis=1))
    order = np.lexsort((i, lst, owner[i]))  # pool by pool, list by list, members in order
    lst, i = lst[order], i[order]
    j_of = np.array([j for j, _, _ in pools])
    return ContactCandidates(rows[i], j_of[owner[i]], lst, u[lst, i])


def record_contacts(model, candidates: ContactCandidates) -> None:
    """This week's contacts that do not end exploitation (an outreach contact, an inspection
    that notes a suspected victim, a hotline call, a police note): each candidate of
    :func:`contact_candidates` still exploited is recorded when its number is also below its
    own chance, by its group and its network's visibility (thinning, as for exits, ODD 3)."""
    victims = model.victims
    still = victims.slot[candidates.victim] >= 0  # (those who left this week are not)
    who, j_of = candidates.victim[still], candidates.jurisdiction[still]
    lst, u = candidates.list[still], candidates.u[still]
    if not who.size:
        return
    vis = network_visibility(model, who)  # (each still exploited: as for their exits)
    contact = np.stack([jur.hazard_arrays.contact
                        for jur in model.jurisdictions])  # (j, form, list, row)
    hazard = contact[j_of, victims.form[who], lst, hazard_row(victims, who)] * vis
    for x in np.flatnonzero(below_chance(u, hazard)).tolist():
        record(model, int(who[x]), int(lst[x]), int(j_of[x]), identified=False)


def misidentify(model, v: int, j: int, retrafficking: bool = True) -> None:
    """Treated as an offender: no support, no testimony, returned home if foreign (and the
    time to any re-trafficking drawn, unless the caller does it)."""
    victims = model.victims
    leave_network(model, v)
    model.weekly_tally[MISIDENTIFIED_COL][j] += 1
    model.tally_victim("victims_misidentified", v)
    victims.location[v] = victims.origin[v]
    victims.set_status(v, Status.MISIDENTIFIED, model.week)
    if retrafficking:
        recovery.schedule_retrafficking(model, v, recovery.Exit.MISIDENTIFIED)


END_COLUMN = {Status.RELEASED: "victims_released", Status.SELF_RESCUED: "victims_self_rescued"}
END_COLUMNS = {status: WEEKLY_INDEX[name] for status, name in END_COLUMN.items()}


def end_spell(model, v: int, status: Status) -> None:
    """Released by the network or self-rescued."""
    victims = model.victims
    leave_network(model, v)
    model.tally(END_COLUMN[status], int(victims.location[v]))
    victims.set_status(v, status, model.week)
    recovery.schedule_retrafficking(model, v, recovery.EXIT_OF_STATUS[status])


def release_all(model, rows: np.ndarray) -> None:
    """:func:`end_spell` of each of victims ``rows`` in turn, released (a network that ends lets
    them all go), carried out together: the exploited leave their pools in this order and their
    spells end (:func:`end_spells`), the others leave the network; then the count, the log
    and the re-traffickings (:func:`recovery.schedule_retrafficking_many`, the same numbers
    as one by one), in this order."""
    if not len(rows):
        return
    victims = model.victims
    exploited = victims.status[rows] == Status.EXPLOITED
    out = rows[exploited]
    pools = model.exploited
    for v, j, f, slot in zip(out.tolist(), victims.location[out].tolist(),
                             victims.form[out].tolist(), victims.slot[out].tolist()):
        if slot >= 0:
            pools[j][f].remove(v)
    end_spells(model, out)
    leave_networks(model, rows[~exploited])
    tally = model.weekly_tally[END_COLUMNS[Status.RELEASED]]
    for j, count in enumerate(np.bincount(victims.location[rows],
                                          minlength=len(tally)).tolist()):
        tally[j] += count
    victims.set_statuses(rows, Status.RELEASED, model.week)
    recovery.schedule_retrafficking_many(model, rows, [recovery.Exit.RELEASED] * len(rows))


assert [*VISIBLE_ROUTES, ExitRoute.RELEASE, ExitRoute.ESCAPE] == list(ExitRoute)
