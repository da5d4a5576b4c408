"""Outcomes: from a run's weekly series to the named outcomes of docs/ODD.md section 6.14, and
the run result.

Flows are summed over the policy period, stocks averaged over it, and ratios built from those
sums (so a ratio is never an average of weekly ratios).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.model.agents.trafficker import ROLES
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.records import ArrestLog, ContactLog, ReferralLog, SpellLog
from simulation.model.registry import (CHANNELS, FORM_INDEX, FORM_OUTCOMES, FORM_WEEKLY, FORMS,
                                       GROUP_INDEX, GROUP_OUTCOMES, GROUP_WEEKLY, LISTS,
                                       OUTCOME_NAMES, OUTCOMES, VICTIM_GROUPS, WEEKLY_COLUMNS,
                                       WEEKLY_INDEX)

COLUMN = WEEKLY_INDEX
_FLOWS = [n for n in OUTCOME_NAMES if OUTCOMES[n].kind == "flow"]
_STOCKS = [n for n in OUTCOME_NAMES if OUTCOMES[n].kind == "stock"]


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else math.nan


def summarise(series: np.ndarray, burn_in: int,
              lookback: int = WEEKS_PER_YEAR) -> tuple[dict, list[dict]]:
    """Region and per-jurisdiction outcomes from a ``(weeks, columns, jurisdictions)`` array.

    Returns ``(region, [per-jurisdiction, ...])``.
    """
    policy = series[burn_in:]
    before = series[max(0, burn_in - lookback):burn_in]
    weeks = policy.shape[0]
    sums = policy.sum(axis=0)  # (columns, J)
    means = policy.mean(axis=0) if weeks else np.zeros_like(sums)

    vw = COLUMN["victim_weeks_exploited"]
    share_after = _shares(sums[vw])
    share_before = _shares(before.sum(axis=0)[vw]) if len(before) else share_after
    shift = share_after - share_before

    last = series[-1] if len(series) else np.zeros(series.shape[1:])  # (columns, J)

    def outcomes(total: np.ndarray, mean: np.ndarray, displacement: float,
                 end: np.ndarray) -> dict[str, float]:
        out = {n: float(total[COLUMN[n]]) for n in _FLOWS}
        out |= {n: float(mean[COLUMN[n]]) for n in _STOCKS}
        out["conviction_ratio"] = _ratio(out["convictions"], out["prosecutions"])
        out["mean_sentence_years"] = _ratio(total[COLUMN["sentence_years_imposed"]],
                                            out["convictions"])
        out["mean_weeks_exploited"] = _ratio(total[COLUMN["victim_spell_weeks_ended"]],
                                             total[COLUMN["spells_ended"]])
        years = weeks / WEEKS_PER_YEAR
        out["identification_rate"] = _ratio(out["victims_identified"] / years if years else 0,
                                            out["victims_in_exploitation"])
        out["convictions_per_identified_victim"] = _ratio(out["convictions"],
                                                          out["victims_identified"])
        out["displacement_index"] = displacement
        out["enforcement_share_of_endings"] = _ratio(
            out["networks_dismantled"], out["networks_dismantled"] + out["networks_dissolved"])
        out["mean_recovery_weeks"] = _ratio(total[COLUMN["recovery_weeks"]],
                                            out["networks_recovered"])
        out["share_confiscated"] = _ratio(out["assets_seized"], out["criminal_revenue"])
        out["network_density"] = _ratio(mean[COLUMN["network_ties"]],
                                        mean[COLUMN["member_pairs"]])
        # measured in the run's last month only (ties.survey)
        out["leader_betweenness"] = _ratio(end[COLUMN["leader_betweenness_total"]],
                                           end[COLUMN["networks_measured"]])
        return {n: out[n] for n in OUTCOME_NAMES}

    region = outcomes(sums.sum(axis=1), means.sum(axis=1), float(0.5 * np.abs(shift).sum()),
                      last.sum(axis=1))
    per_j = [outcomes(sums[:, j], means[:, j], float(shift[j]), last[:, j])
             for j in range(series.shape[2])]
    return region, per_j


def summarise_forms(form_series: np.ndarray, burn_in: int) -> dict[str, dict[str, float]]:
    """Outcomes for each form of exploitation from a ``(weeks, FORM_WEEKLY, forms)`` array:
    flows summed and the stock averaged over the policy period, ratios from the sums."""
    policy = form_series[burn_in:]
    weeks = policy.shape[0]
    sums = policy.sum(axis=0)
    stock = policy.mean(axis=0) if weeks else np.zeros_like(sums)
    out = {}
    for f, form in enumerate(FORMS):
        o = {n: float(sums[FORM_INDEX[n], f]) for n in FORM_WEEKLY}
        o["victims_in_exploitation"] = float(stock[FORM_INDEX["victims_in_exploitation"], f])
        years = weeks / WEEKS_PER_YEAR
        o["identification_rate"] = _ratio(o["victims_identified"] / years if years else 0,
                                          o["victims_in_exploitation"])
        o["conviction_ratio"] = _ratio(o["convictions"], o["prosecutions"])
        o["convictions_per_identified_victim"] = _ratio(o["convictions"],
                                                        o["victims_identified"])
        out[form] = {n: o[n] for n in FORM_OUTCOMES}
    return out


def summarise_groups(group_series: np.ndarray, burn_in: int) -> dict[str, dict[str, float]]:
    """Outcomes for each victim group (sex, age group) from a ``(weeks, GROUP_WEEKLY, groups)``
    array: flows summed over the policy period, and how much more (or less) readily the group is
    identified than trafficked."""
    sums = group_series[burn_in:].sum(axis=0)
    new, found = sums[GROUP_INDEX["new_victims"]], sums[GROUP_INDEX["victims_identified"]]
    out = {}
    for g, group in enumerate(VICTIM_GROUPS):
        o = {n: float(sums[GROUP_INDEX[n], g]) for n in GROUP_WEEKLY}
        pair = slice(0, 2) if g < 2 else slice(2, 4)  # sex, or age group
        o["identified_share_of_trafficked"] = _ratio(_ratio(found[g], found[pair].sum()),
                                                     _ratio(new[g], new[pair].sum()))
        out[group] = {n: o[n] for n in GROUP_OUTCOMES}
    return out


def _shares(x: np.ndarray) -> np.ndarray:
    total = x.sum()
    return x / total if total > 0 else np.zeros_like(x)


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        outcomes: region-level outcome name -> value (NaN where a ratio has no denominator).
        jurisdictions: jurisdiction name -> outcomes.
        by_form: form ("sexual", "labour", "criminal") -> ``registry.FORM_OUTCOMES``.
        by_group: victim group ("female", "male", "adult", "child") ->
            ``registry.GROUP_OUTCOMES``.
        contacts: one row per contact on record: ``person, list, week, jurisdiction, form,
            sex, age_group, identified`` (ODD 6.5; weeks since the policy period started).
        exploited: one row per exploitation spell, the truth for estimation: ``person, start,
            end`` (end exclusive; open spells end at the last week run), ``jurisdiction, form,
            sex, age_group``.
        referrals: one row per referral to the national referral mechanism (ODD 6.5):
            ``person, week, jurisdiction, origin`` (the person's origin jurisdiction: their
            nationality in a country model), ``first_responder, form, sex, age_group, foreign,
            removed, decided`` (the decision's week, ``<NA>`` while none was made) and
            ``confirmed`` (``<NA>`` without a decision), ``network`` (the key of the network
            that held them, 0 for none); weeks since the policy period started.
            :func:`simulation.model.statistics.published` turns it into the tables countries
            publish.
        arrests: one row per arrest of a trafficker (ODD 6.9): ``week, jurisdiction, role,
            home`` (where they worked), ``network`` (the key of the network they were taken
            from) and ``charged`` (prosecuted for trafficking); with the referrals' network
            keys it gives the victims of prosecuted cases
            (:func:`simulation.model.statistics.court_case_shares`).
        timeseries: one row per week and jurisdiction; ``week`` 0 is the first policy week,
            negative weeks are the burn-in.
        provenance: tipsim version, scenario name and hash, seed, weeks, burn-in, scale.
    """

    outcomes: dict[str, float]
    jurisdictions: dict[str, dict[str, float]]
    timeseries: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    by_form: dict[str, dict[str, float]] = field(default_factory=dict)
    by_group: dict[str, dict[str, float]] = field(default_factory=dict)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    exploited: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    referrals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    arrests: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def statistics(self) -> pd.DataFrame:
        """The statistics as countries publish them, per policy year and jurisdiction
        (:func:`simulation.model.statistics.published`)."""
        from simulation.model.statistics import published

        return published(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (NaN becomes None)."""
        return {
            "outcomes": _clean(self.outcomes),
            "jurisdictions": {k: _clean(v) for k, v in self.jurisdictions.items()},
            "by_form": {k: _clean(v) for k, v in self.by_form.items()},
            "by_group": {k: _clean(v) for k, v in self.by_group.items()},
            "provenance": self.provenance,
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __repr__(self) -> str:
        o = self.outcomes
        return (f"<RunResult {self.provenance.get('scenario_name')!r} seed="
                f"{self.provenance.get('seed')}: {o['new_victims']:.0f} trafficked, "
                f"{o['victims_identified']:.0f} identified, {o['convictions']:.0f} convictions>")


_SEX = np.array(["female", "female", "male", "male"])
_AGE = np.array(["adult", "child", "adult", "child"])


def contacts_frame(contacts: ContactLog, burn_in: int, names: list[str]) -> pd.DataFrame:
    """The model's contact records (:class:`~simulation.model.records.ContactLog`) as a table (see
    :class:`RunResult`)."""
    columns = ["person", "list", "week", "jurisdiction", "form", "sex", "age_group",
               "identified"]
    if not len(contacts):
        return pd.DataFrame(columns=columns)
    group = np.asarray(contacts.group, dtype=np.int64)
    return pd.DataFrame({
        "person": np.asarray(contacts.person, dtype=np.int64),
        "list": np.array(LISTS)[np.asarray(contacts.list, dtype=np.int64)],
        "week": np.asarray(contacts.week, dtype=np.int64),
        "jurisdiction": np.array(names)[np.asarray(contacts.jurisdiction, dtype=np.int64)],
        "form": np.array(FORMS)[np.asarray(contacts.form, dtype=np.int64)],
        "sex": _SEX[group], "age_group": _AGE[group],
        "identified": np.asarray(contacts.identified, dtype=bool)})


REFERRAL_COLUMNS = ["person", "week", "jurisdiction", "origin", "first_responder", "form",
                    "sex", "age_group", "foreign", "removed", "decided", "confirmed", "network"]
ARREST_COLUMNS = ["week", "jurisdiction", "role", "home", "network", "charged"]


def referrals_frame(referrals: ReferralLog, burn_in: int, names: list[str]) -> pd.DataFrame:
    """The model's referrals and their decisions (:class:`~simulation.model.records.ReferralLog`) as
    a table (see :class:`RunResult`); weeks as the model counts them (0: the first policy
    week)."""
    if not len(referrals):
        return pd.DataFrame(columns=REFERRAL_COLUMNS)
    group = np.asarray(referrals.group, dtype=np.int64)
    decided = np.asarray(referrals.decided, dtype=np.int64)
    confirmed = np.asarray(referrals.confirmed, dtype=np.int64)
    return pd.DataFrame({
        "person": np.asarray(referrals.person, dtype=np.int64),
        "week": np.asarray(referrals.week, dtype=np.int64),
        "jurisdiction": np.array(names)[np.asarray(referrals.jurisdiction, dtype=np.int64)],
        "origin": np.array(names)[np.asarray(referrals.origin, dtype=np.int64)],
        "first_responder": np.array(CHANNELS)[np.asarray(referrals.channel, dtype=np.int64)],
        "form": np.array(FORMS)[np.asarray(referrals.form, dtype=np.int64)],
        "sex": _SEX[group], "age_group": _AGE[group],
        "foreign": np.asarray(referrals.foreign, dtype=bool),
        "removed": np.asarray(referrals.removed, dtype=bool),
        "decided": pd.array([None if d == ReferralLog.PENDING else d for d in decided.tolist()],
                            dtype="Int64"),
        "confirmed": pd.array([None if c < 0 else c == 1 for c in confirmed.tolist()],
                              dtype="boolean"),
        "network": np.asarray(referrals.network, dtype=np.uint64)})


def arrests_frame(arrests: ArrestLog, names: list[str]) -> pd.DataFrame:
    """The model's arrests (:class:`~simulation.model.records.ArrestLog`) as a table (see
    :class:`RunResult`)."""
    if not len(arrests):
        return pd.DataFrame(columns=ARREST_COLUMNS)
    return pd.DataFrame({
        "week": np.asarray(arrests.week, dtype=np.int64),
        "jurisdiction": np.array(names)[np.asarray(arrests.jurisdiction, dtype=np.int64)],
        "role": np.array(ROLES)[np.asarray(arrests.role, dtype=np.int64)],
        "home": np.array(names)[np.asarray(arrests.home, dtype=np.int64)],
        "network": np.asarray(arrests.network, dtype=np.uint64),
        "charged": np.asarray(arrests.charged, dtype=bool)})


def spells_frame(spells: SpellLog, now: int, names: list[str]) -> pd.DataFrame:
    """The model's exploitation spells (:class:`~simulation.model.records.SpellLog`) as a table;
    spells still open end at ``now``."""
    columns = ["person", "start", "end", "jurisdiction", "form", "sex", "age_group"]
    if not len(spells):
        return pd.DataFrame(columns=columns)
    group = np.asarray(spells.group, dtype=np.int64)
    end = np.asarray(spells.end, dtype=np.int64)
    return pd.DataFrame({
        "person": np.asarray(spells.person, dtype=np.int64),
        "start": np.asarray(spells.start, dtype=np.int64),
        "end": np.where(end == SpellLog.OPEN, now, end),
        "jurisdiction": np.array(names)[np.asarray(spells.jurisdiction, dtype=np.int64)],
        "form": np.array(FORMS)[np.asarray(spells.form, dtype=np.int64)],
        "sex": _SEX[group], "age_group": _AGE[group]})


def _clean(d: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def timeseries_frame(series: np.ndarray, burn_in: int, names: list[str]) -> pd.DataFrame:
    """Long table: one row per week and jurisdiction, one column per weekly quantity."""
    weeks, _, n = series.shape
    flat = series.transpose(0, 2, 1).reshape(weeks * n, len(WEEKLY_COLUMNS))
    frame = pd.DataFrame(flat, columns=list(WEEKLY_COLUMNS))
    frame.insert(0, "jurisdiction", pd.Categorical(np.tile(names, weeks), categories=names))
    frame.insert(0, "week", np.repeat(np.arange(weeks) - burn_in, n))
    return frame
