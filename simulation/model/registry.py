"""One registry for every lever, behavioural parameter and outcome.

The scenario schema, validation, ``tipsim levers``, the docs and the dashboard labels are all
built from the tables below, so a name means the same thing everywhere.

Levers are policy choices; parameters are uncertain facts about behaviour and the sizes of the
levers' effects (ODD section 6; declared in :mod:`simulation.model.parameters`, one per
coefficient). Monetary figures are in a generic currency unit ("CU", think of USD-equivalent);
they are *assumptions* chosen to give plausible relative costs, not measured prices, unless a
source is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from simulation.model.parameters import GROUPS, PARAMETERS, Parameter  # noqa: F401  (re-exported)

class Form(IntEnum):
    """Forms of exploitation (UNODC GLOTIP 2022 reports these as the three main forms). Agents
    hold a form as its index (``victim.form``, ``network.form``)."""

    SEXUAL = 0
    LABOUR = 1
    CRIMINAL = 2


FORMS = tuple(f.name.lower() for f in Form)
"""The forms' names, as scenario files, result columns and the dashboard write them."""


class Channel(StrEnum):
    """Channels through which an exploited victim is identified (ODD 6.5); each has its own
    outcome ``identified_<channel>``."""

    POLICE = "police"
    NGO = "ngo"
    INSPECTION = "inspection"
    SELF = "self"
    BORDER = "border"  # border and immigration officers (the border checks, ODD 6.3)
    HEALTH = "health"  # health and social services
    CHILD_PROTECTION = "child_protection"  # child protection, schools and children's services


CHANNELS = tuple(c.value for c in Channel)

LISTS = ("police", "ngo", "inspection", "hotline")
"""The lists on which victims are recorded (ODD 6.5), one per channel: self-referrals come in
through hotlines. Multiple systems estimation works on their overlaps
(``simulation.inference.mse``)."""
LIST_OF_CHANNEL = {Channel.POLICE: 0, Channel.NGO: 1, Channel.INSPECTION: 2, Channel.SELF: 3,
                   Channel.BORDER: 2, Channel.HEALTH: 1, Channel.CHILD_PROTECTION: 1}
"""The list each channel's referrals go on: border officers share the inspectors' list (the
``labour_inspections`` lever covers both), health, social and child-protection services the
NGOs' list of service providers."""

ROLES = ("origin", "transit", "destination")


@dataclass(frozen=True)
class Lever:
    """A policy lever: something a government or NGO can change."""

    name: str
    label: str
    unit: str
    default: Any
    low: float | None
    high: float | None
    unit_cost: float
    cost_basis: str
    description: str
    source: str = "assumption"
    scope: str = "jurisdiction"  # "jurisdiction" or "pair"
    kind: str = "float"  # "float", "int", "forms" or "choice"
    scales: bool = False  # a capacity that `scale` multiplies with the population


@dataclass(frozen=True)
class Outcome:
    """A model outcome, reported per jurisdiction and for the region."""

    name: str
    label: str
    unit: str
    family: str  # "disruption", "victims", "rate", "cost"
    kind: str  # "flow" (summed over the policy period), "stock" (mean), "ratio"
    description: str
    higher_is_better: bool | None = None
    extra: dict = field(default_factory=dict)


_J = "jurisdiction"
_P = "pair"

LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in [
        Lever("officers", "Anti-trafficking officers", "officers (FTE) at scale 1", 60, 0, 20000,
              60_000, "per officer per year",
              "Police officers working trafficking, vice and labour-exploitation cases.",
              scales=True, kind="int"),
        Lever("training", "Officers trained in victim identification", "share of officers",
              0.25, 0, 1, 3_000, "per trained officer per year",
              "Share of those officers trained to recognise victims (and not treat them as "
              "offenders)."),
        Lever("undercover", "Undercover capability", "0-1 capability", 0.1, 0, 1, 400_000,
              "per unit of capability per year",
              "Proactive undercover operations: opens cases without a victim's testimony."),
        Lever("digital_forensics", "Digital forensics capability", "0-1 capability", 0.1, 0, 1,
              300_000, "per unit of capability per year",
              "Phone, online-advertising and communications analysis; raises evidence and "
              "reaches transporters and leaders."),
        Lever("financial_investigation", "Financial investigation capability", "0-1 capability",
              0.05, 0, 1, 300_000, "per unit of capability per year",
              "Follow-the-money investigation; reaches leaders and enables asset forfeiture."),
        Lever("sentence_years", "Sentence on conviction", "years (mean)", 5.0, 0, 40, 35_000,
              "per prisoner-year served",
              "Mean prison sentence imposed on conviction; sentences vary around it.",
              source="UNODC GLOTIP 2022 and national statutes commonly set 5-20 years; "
                     "default is an assumption at the low end of what is imposed"),
        Lever("asset_forfeiture", "Asset forfeiture", "share of assets", 0.1, 0, 1, 100_000,
              "per unit per year",
              "Share of a convicted network's assets confiscated (more with financial "
              "investigation)."),
        Lever("criminalisation", "Forms covered by law", "list of forms",
              list(FORMS), None, None, 0, "legislation (no running cost)",
              "Which forms of exploitation the criminal law covers; an uncovered form cannot be "
              "convicted as trafficking.", kind="forms",
              source="Palermo Protocol art. 3 (2000) defines all three; coverage varies"),
        Lever("non_punishment", "Non-punishment provision", "0-1 implementation", 0.3, 0, 1,
              20_000, "per unit per year",
              "How fully victims are protected from prosecution or deportation for offences "
              "committed under coercion.",
              source="OSCE 2013 policy recommendations on non-punishment; strength assumption"),
        Lever("victim_centred", "Victim-centred practice", "0-1 implementation", 0.3, 0, 1,
              150_000, "per unit per year",
              "Trauma-informed interviews, interpreters, reflection periods: raise trust."),
        Lever("witness_protection", "Witness protection", "0-1 coverage", 0.2, 0, 1, 250_000,
              "per unit per year",
              "Protection against intimidation for victims who testify."),
        Lever("shelter_places", "Shelter places", "places at scale 1", 20, 0, 100000, 20_000,
              "per place per year", "Specialised shelter places for identified victims.",
              scales=True, kind="int"),
        Lever("reintegration", "Reintegration coverage", "share of supported victims", 0.3, 0, 1,
              4_000, "per enrolled victim (the whole programme's cost, charged when the "
              "victim enrols)",
              "Share of supported victims enrolled in a rehabilitation and reintegration "
              "programme (education, work, housing, counselling)."),
        Lever("ngo_outreach", "NGO outreach workers", "workers at scale 1", 10, 0, 10000, 30_000,
              "per worker per year", "Outreach workers who find and refer victims.",
              scales=True, kind="int"),
        Lever("ngo_police_partnership", "NGO-police partnership", "0-1 strength", 0.2, 0, 1,
              50_000, "per unit per year",
              "Formal referral partnership: NGO information opens police cases; police "
              "refer victims to NGOs."),
        Lever("awareness", "Prevention and awareness", "0-1 coverage", 0.2, 0, 1, 400_000,
              "per unit per year",
              "Campaigns and hotlines in at-risk communities: lower recruitment, raise "
              "self-referral."),
        Lever("labour_inspections", "Labour inspectors", "inspectors at scale 1", 20, 0, 20000,
              45_000, "per inspector per year",
              "Labour and border inspectors who can recognise victims at work sites and "
              "crossings.", scales=True, kind="int"),
        Lever("prosecutors", "Trafficking prosecutors", "prosecutors (FTE) at scale 1", 2, 0,
              5000, 120_000, "per prosecutor per year",
              "Prosecutors (with the court time they need) available for trafficking trials; "
              "each can bring trials_per_prosecutor_year to verdict a year.",
              scales=True, kind="int"),
        Lever("residence_permit", "Residence permits for victims", "none, conditional or "
              "unconditional", "conditional", None, None, 10_000, "per permit granted",
              "Reflection period and residence permit for identified foreign victims: none; "
              "conditional on cooperating with the prosecution; or unconditional.",
              kind="choice",
              source="GRETA general reports: many states grant permits only to victims who "
                     "cooperate; default follows that"),
        Lever("compensation", "Compensation for victims", "0-1 coverage", 0.05, 0, 1, 15_000,
              "per victim compensated (state fund or from confiscated assets)",
              "Chance that a victim who testifies is awarded compensation.",
              source="GRETA general reports: compensation from perpetrators is still rare; "
                     "default is an assumption at that end"),
        Lever("online_monitoring", "Online monitoring", "0-1 capability", 0.1, 0, 1, 250_000,
              "per unit of capability per year",
              "Screening of online advertisements and recruitment (automated tools and "
              "analysts): finds victims recruited online and evidence against recruiters.",
              source="UNODC GLOTIP 2020, chapter on traffickers' use of the internet, "
                     "describes the practice; size of effect is an assumption"),
        Lever("platform_cooperation", "Platform cooperation", "0-1 strength", 0.2, 0, 1, 50_000,
              "per unit per year",
              "Cooperation of online platforms with law enforcement (data requests answered, "
              "notice and takedown): online monitoring needs it to reach its full effect."),
        Lever("specialised_prosecution", "Specialised prosecution", "0-1 coverage", 0.2, 0, 1,
              200_000, "per unit per year",
              "Prosecutors and judges specialised in trafficking cases: raise conviction odds."),
        Lever("anti_corruption", "Anti-corruption", "0-1 effort", 0.2, 0, 1, 300_000,
              "per unit per year",
              "Integrity measures that reduce the share of cases lost to corruption."),
        Lever("targeting", "Targeting strategy", "volume, leaders, key players or money",
              "volume", None, None, 0, "no running cost: targeted cases take longer "
              "(targeted_case_weeks), which uses investigators' capacity",
              "Whom investigations pursue first: volume (whoever the evidence reaches, by "
              "role); leaders; key players (members central in the network's ties, brokers "
              "among them); or money (proactive work aimed at networks with most assets, and "
              "more of their assets traced for confiscation).", kind="choice",
              source="key-player policing after Morselli 2009 and Duijn, Kashirin and Sloot "
                     "2014; follow-the-money after FATF 2018 (Financial flows from human "
                     "trafficking); sizes of effect are assumptions (parameter group "
                     "targeting)"),
        # buyer-side levers: they act on demand (processes.markets, ODD 6.4)
        Lever("sex_purchase_ban", "Criminalising the purchase of sex",
              "0-1 enforcement (1: as enforced in Sweden and Norway)", 0.0, 0, 1, 250_000,
              "per unit of enforcement per year",
              "Buying sex is an offence and police pursue buyers: raises buyers' risk and "
              "deters part of the demand for sexual exploitation.",
              source="Sweden 1999 (Penal Code ch. 6 s. 11), Norway 2009, France 2016; effect "
                     "from the Swedish (SOU 2010:49) and Norwegian (Vista Analyse 2014) "
                     "evaluations; cost an assumption"),
        Lever("supply_chain_due_diligence", "Supply-chain due diligence duty",
              "0-1 strength (1: a duty with sanctions)", 0.0, 0, 1, 100_000,
              "per unit of strength per year",
              "Large firms must find and stop forced labour in their supply chains: from a "
              "reporting duty (UK Modern Slavery Act 2015 s.54, about 0.3) to a due diligence "
              "duty with liability or fines (French duty of vigilance 2017, German supply-chain "
              "act 2023, 1). Deters part of the demand for forced labour.",
              source="UK MSA 2015 s.54, French law 2017-399, German LkSG 2023; no evaluation "
                     "measures an effect on forced labour; cost an assumption"),
        Lever("forced_labour_import_ban", "Forced-labour import ban",
              "0-1 enforcement (1: like the US UFLPA 2022)", 0.0, 0, 1, 400_000,
              "per unit of enforcement per year",
              "Customs detain goods made with forced labour. The model has no trade: the ban "
              "deters part of the demand for forced labour that buyers here create.",
              source="US Uyghur Forced Labor Prevention Act (in force June 2022); no evaluation "
                     "measures an effect on forced labour; cost an assumption"),
        Lever("procurement_rules", "Anti-trafficking public procurement rules", "0-1 coverage",
              0.0, 0, 1, 50_000, "per unit of coverage per year",
              "Public buyers bar contractors and subcontractors that use forced labour, with "
              "checks and debarment; deters the share of labour demand that public contracts "
              "create.",
              source="US FAR 52.222-50 (2015 rule); GAO-24-106973 finds agencies apply it "
                     "unevenly; no evaluation of an effect; cost an assumption"),
        Lever("info_sharing", "Information sharing", "0-1 per pair", 0.3, 0, 1, 50_000,
              "per pair per unit per year",
              "Police-to-police intelligence exchange (e.g. through liaison officers).",
              scope=_P),
        Lever("mutual_legal_assistance", "Mutual legal assistance", "0-1 per pair", 0.3, 0, 1,
              80_000, "per pair per unit per year",
              "Speed and reliability of formal evidence requests between the pair.", scope=_P),
        Lever("extradition", "Extradition", "0-1 per pair", 0.2, 0, 1, 60_000,
              "per pair per unit per year",
              "Likelihood that a suspect located in the other jurisdiction is surrendered.",
              scope=_P),
        Lever("joint_investigations", "Joint investigation teams", "0-1 per pair", 0.0, 0, 1,
              300_000, "per pair per unit per year",
              "Joint investigation teams: raise the speed and the odds of every cross-border "
              "step.", scope=_P,
              source="Eurojust JIT evaluations describe faster evidence exchange; size "
                     "of effect is an assumption"),
        Lever("harmonisation", "Harmonisation instrument", "0-1 per pair", 0.0, 0, 1, 20_000,
              "per pair per unit per year",
              "An instrument that drops the dual-criminality check between the pair for "
              "trafficking, in the spirit of the European Arrest Warrant (1: always; between 0 "
              "and 1: for that share of requests).", scope=_P,
              source="Council Framework Decision 2002/584/JHA (European Arrest Warrant), art. "
                     "2(2): no dual-criminality check for listed offences, trafficking among "
                     "them"),
    ]
}
"""Every policy lever by name: label, unit, default, range, unit cost and scope."""

CHOICES = {"residence_permit": ("none", "conditional", "unconditional"),
           "targeting": ("volume", "leaders", "key_players", "money")}
"""The values a ``choice`` lever takes."""

JURISDICTION_LEVERS = tuple(n for n, v in LEVERS.items() if v.scope == _J)
PAIR_LEVERS = tuple(n for n, v in LEVERS.items() if v.scope == _P)

_OUT = [
    # disruption
    ("arrests", "Arrests", "people", "disruption", "flow", "Traffickers arrested.", True),
    ("prosecutions", "Prosecutions", "people", "disruption", "flow",
     "Arrested traffickers charged and prosecuted.", True),
    ("convictions", "Convictions", "people", "disruption", "flow",
     "Prosecutions ending in conviction.", True),
    ("conviction_ratio", "Conviction ratio", "convictions / prosecutions", "disruption", "ratio",
     "Convictions divided by prosecutions over the policy period.", True),
    ("mean_sentence_years", "Mean sentence", "years", "disruption", "ratio",
     "Mean sentence imposed on conviction.", None),
    ("networks_active", "Networks active", "networks", "disruption", "stock",
     "Trafficking networks operating (mean over the policy period).", False),
    ("networks_dismantled", "Networks dismantled", "networks", "disruption", "flow",
     "Networks that collapsed after losing members to enforcement.", True),
    ("networks_dissolved", "Networks dissolved", "networks", "disruption", "flow",
     "Networks that ended for other reasons: business failure, conflict, or every member "
     "leaving crime.", None),
    ("leaders_arrested", "Leaders arrested", "people", "disruption", "flow",
     "Network leaders arrested (members lost at the top of a network).", True),
    ("small_offenders_arrested", "Lone, pair and family traffickers arrested", "people",
     "disruption", "flow", "Arrests of traffickers who worked alone, in a pair or in a family "
     "rather than in an organised network.", None),
    ("central_members_arrested", "Central members arrested", "people", "disruption", "flow",
     "Members arrested who had the most ties in their network (its hub, often but not always "
     "the leader).", True),
    ("members_cut_off", "Members cut off", "people", "disruption", "flow",
     "Members who dropped out of their network because a loss (an arrest, or a member "
     "leaving crime) cut them off from its leader.", None),
    ("enforcement_share_of_endings", "Enforcement's share of network endings", "share",
     "disruption", "ratio", "Networks dismantled divided by all networks that ended "
     "(dismantled or dissolved).", True),
    ("disruptions_major", "Major disruptions", "hits", "disruption", "flow",
     "Investigations whose arrests ended a network or cost it at least half its members "
     "(arrested or cut off), after the National Crime Agency's grading.", True),
    ("disruptions_moderate", "Moderate disruptions", "hits", "disruption", "flow",
     "Investigations whose arrests took a network's leader or a quarter of its members.", True),
    ("disruptions_minor", "Minor disruptions", "hits", "disruption", "flow",
     "Investigations whose arrests cost a network fewer members.", None),
    ("networks_recovered", "Networks recovered", "networks", "disruption", "flow",
     "Networks hit by enforcement that got back to their size before the hit.", False),
    ("mean_recovery_weeks", "Time to recover", "weeks", "disruption", "ratio",
     "Mean weeks a hit network took to get back to its size before the hit (networks that "
     "recovered in the policy period; those that ended first are not counted).", True),
    ("cross_border_refused", "Requests refused: dual criminality", "requests", "disruption",
     "flow", "Requests to another jurisdiction refused because its law does not cover the "
     "case's form of exploitation (and no harmonisation instrument waives the check).", False),
    ("cases_dropped", "Investigations dropped", "cases", "disruption", "flow",
     "Leads that waited too long for an investigator and were dropped (agencies at "
     "capacity).", False),
    ("trials_dropped", "Prosecutions dropped", "people", "disruption", "flow",
     "Charged traffickers whose trial waited too long for a prosecutor and was dropped.",
     False),
    ("lesser_convictions", "Convictions for lesser offences", "people", "disruption", "flow",
     "Labour-trafficking cases convicted under a lesser offence (labour or immigration law) "
     "where trafficking was hard to prove; not counted in convictions.", None),
    ("traffickers_active", "Traffickers active", "people", "disruption", "stock",
     "Traffickers at liberty and working (mean over the policy period).", False),
    ("criminal_revenue", "Criminal revenue", "CU", "disruption", "flow",
     "Revenue networks made from exploitation.", False),
    ("assets_seized", "Assets seized", "CU", "disruption", "flow",
     "Criminal assets confiscated on conviction.", True),
    ("share_confiscated", "Share of revenue confiscated", "share", "disruption", "ratio",
     "Assets seized divided by criminal revenue.", True),
    ("network_density", "Network density", "share", "disruption", "ratio",
     "Ties among members over the pairs of members that could be tied, over living networks "
     "(sampled monthly).", None),
    ("leader_betweenness", "Leaders' betweenness", "0-1", "disruption", "ratio",
     "Mean normalised betweenness centrality of networks' leaders in the run's last month "
     "(how much of the ties' shortest paths run through them).", None),
    ("cross_border_cases", "Cross-border cases", "cases", "disruption", "flow",
     "Cases that needed another jurisdiction's help and got it.", True),
    ("displacement_index", "Displacement index", "0-1", "disruption", "ratio",
     "Share of exploitation that moved between jurisdictions: half the sum of absolute "
     "changes in each jurisdiction's share of victim-weeks, from the last burn-in year to the "
     "policy period.", None),
    # victims
    ("new_victims", "People trafficked", "people", "victims", "flow",
     "People recruited into trafficking (first time and again).", False),
    ("victims_in_exploitation", "Victims in exploitation", "people", "victims", "stock",
     "People in exploitation on an average week.", False),
    ("victim_weeks_exploited", "Victim-weeks of exploitation", "victim-weeks", "victims", "flow",
     "Sum over weeks of people in exploitation.", False),
    ("victims_identified", "Victims identified", "people", "victims", "flow",
     "Victims confirmed as victims by the national referral mechanism's decision, whichever "
     "first responder referred them (ODD 6.5).", True),
    ("identified_police", "Identified by police", "people", "victims", "flow",
     "Victims identified through police operations.", True),
    ("identified_ngo", "Identified by NGOs", "people", "victims", "flow",
     "Victims identified through NGO outreach.", True),
    ("identified_inspection", "Identified by inspections", "people", "victims", "flow",
     "Victims identified at labour inspections (border checks refer as identified_border).", True),
    ("identified_self", "Self-referred", "people", "victims", "flow",
     "Victims who came forward themselves (hotlines, embassies, walk-ins).", True),
    ("identified_border", "Identified by border and immigration officers", "people", "victims",
     "flow", "Victims referred by border or immigration officers at a crossing and confirmed.",
     True),
    ("identified_health", "Identified by health and social services", "people", "victims",
     "flow", "Victims referred by health or social services and confirmed.", True),
    ("identified_child_protection", "Identified by child protection", "people", "victims",
     "flow", "Child victims referred by child protection, schools or children's services and "
     "confirmed.", True),
    ("victims_referred", "Victims referred", "people", "victims", "flow",
     "Referrals of presumed victims by first responders to the national referral mechanism "
     "(each awaits a decision; ODD 6.5).", True),
    ("referrals_not_confirmed", "Referrals not confirmed", "people", "victims", "flow",
     "Referrals whose decision found the person not to be a victim.", None),
    ("identified_domestic", "Victims identified at home", "people", "victims", "flow",
     "Confirmed victims identified in their own country (domestic trafficking).", None),
    ("identified_online", "Identified through online monitoring", "people", "victims", "flow",
     "Police identifications owed to online monitoring (part of identified_police).", True),
    ("victims_misidentified", "Victims treated as offenders", "people", "victims", "flow",
     "Victims detained, prosecuted or deported as offenders.", False),
    ("victims_supported", "Victims supported", "people", "victims", "flow",
     "Identified victims who got a shelter place.", True),
    ("victims_testifying", "Victims testifying", "people", "victims", "flow",
     "Victims who gave testimony against their traffickers.", True),
    ("victims_reintegrated", "Victims reintegrated", "people", "victims", "flow",
     "Victims who completed a reintegration programme.", True),
    ("victims_retrafficked", "Victims re-trafficked", "people", "victims", "flow",
     "Former victims trafficked again.", False),
    ("victims_self_rescued", "Victims self-rescued", "people", "victims", "flow",
     "Victims who escaped exploitation without contact with authorities.", None),
    ("victims_released", "Victims released by networks", "people", "victims", "flow",
     "Victims let go by their network (debt 'paid', no longer useful, network ended).", None),
    ("mean_weeks_exploited", "Mean time in exploitation", "weeks", "victims", "ratio",
     "Mean weeks in exploitation of the exploitation spells that ended in the policy period.",
     False),
    ("unmet_shelter_demand", "Unmet shelter demand", "people", "victims", "flow",
     "Identified victims who needed a shelter place and never got one.", False),
    # rates
    ("identification_rate", "Identification rate", "per year", "rate", "ratio",
     "Victims identified per year divided by mean victims in exploitation.", True),
    ("convictions_per_identified_victim", "Convictions per identified victim", "ratio", "rate",
     "ratio", "Convictions divided by victims identified.", True),
    # cost
    ("policy_cost", "Policy cost", "CU", "cost", "flow",
     "Cost of all levers over the policy period (unit costs from the registry).", False),
]

OUTCOMES: dict[str, Outcome] = {
    name: Outcome(name, label, unit, family, kind, desc, better)
    for name, label, unit, family, kind, desc, better in _OUT
}
"""Every outcome by name: label, unit, family, kind and which direction is better."""

OUTCOME_NAMES = tuple(OUTCOMES)

MAJOR_LOSS = 0.5
MODERATE_LOSS = 0.25
"""Shares of a network's members an investigation's arrests must cost for a major or moderate
disruption (``disruptions_major``, ``disruptions_moderate``): the model's reading of the UK
National Crime Agency's framework, which grades disruptions major, moderate or minor by their
impact on a group's capability without fixed shares; definitions of outcomes, not behaviour."""

SHARE_OUTCOMES = ("conviction_ratio", "displacement_index", "convictions_per_identified_victim",
                  "enforcement_share_of_endings", "share_confiscated", "network_density")
"""Outcomes that are shares (a fraction of a whole, normally from 0 to 1): tables for reading
show them as percentages and their differences in percentage points."""

# Weekly time-series columns: the flows and stocks that the summary is built from.
WEEKLY_COLUMNS = tuple(
    n for n, o in OUTCOMES.items() if o.kind in ("flow", "stock")
) + ("victims_waiting_shelter", "victims_in_shelter", "prisoners", "victim_spell_weeks_ended",
     "spells_ended", "sentence_years_imposed", "reintegration_enrolments", "relocations",
     "cross_border_convictions", "cases_waiting", "trials_waiting", "permits_granted",
     "compensation_awarded", "recovery_weeks", "network_ties", "member_pairs",
     "leader_betweenness_total", "networks_measured")
WEEKLY_INDEX = {name: i for i, name in enumerate(WEEKLY_COLUMNS)}
"""Position of each weekly column in a run's ``(weeks, columns, jurisdictions)`` series."""

# -- breakdowns: by form of exploitation, and by victims' sex and age group ----------------------

FORM_WEEKLY = ("new_victims", "victims_in_exploitation", "victim_weeks_exploited",
               "victims_identified", "identified_police", "identified_ngo",
               "identified_inspection", "identified_self", "identified_border",
               "identified_health", "identified_child_protection", "identified_online",
               "victims_referred", "victims_misidentified", "arrests", "prosecutions",
               "convictions", "cross_border_refused")
"""Weekly columns kept for each form of exploitation (region totals)."""
FORM_OUTCOMES = FORM_WEEKLY + ("identification_rate", "conviction_ratio",
                               "convictions_per_identified_victim")
"""Outcomes reported for each form (``RunResult.by_form[form][outcome]``)."""

VICTIM_GROUPS = ("female", "male", "adult", "child")
"""Groups of victims by sex and by age group (each victim is in one of each pair)."""
FEMALE_SLOT, MALE_SLOT, ADULT_SLOT, CHILD_SLOT = range(4)
"""Each group's place in :data:`VICTIM_GROUPS`."""
assert VICTIM_GROUPS[FEMALE_SLOT] == "female" and VICTIM_GROUPS[CHILD_SLOT] == "child"
GROUP_WEEKLY = ("new_victims", "victims_identified", "identified_police", "identified_ngo",
                "identified_inspection", "identified_self", "identified_border",
                "identified_health", "identified_child_protection", "victims_referred",
                "victims_misidentified")
"""Weekly columns kept for each victim group (region totals)."""
GROUP_OUTCOMES = GROUP_WEEKLY + ("identified_share_of_trafficked",)
"""Outcomes reported for each group (``RunResult.by_group[group][outcome]``):
``identified_share_of_trafficked`` is the group's share among people identified divided by its
share among people trafficked (above 1: the group is seen more readily than others)."""
FORM_INDEX = {name: i for i, name in enumerate(FORM_WEEKLY)}
GROUP_INDEX = {name: i for i, name in enumerate(GROUP_WEEKLY)}


def label(name: str) -> str:
    """Human label for a lever, parameter or outcome name (falls back to the name)."""
    for table in (LEVERS, PARAMETERS, OUTCOMES):
        if name in table:
            return table[name].label
    return name.replace("_", " ").capitalize()
