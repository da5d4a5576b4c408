"""Every coefficient that shapes the model's behaviour or a lever's effect, one line each.

A parameter has a name (used in scenario files' ``[parameters]``, in experiment ``inputs`` and in
result columns), a label, a unit, a default, the plausible range that sensitivity analysis and
calibration sample (``low`` to ``high``), hard bounds outside which the formulas stop making
sense (what scenario validation enforces), and a source or the word *assumption*.

Parameters are grouped by the process that uses them (docs/ODD.md section 6); the sizes of the
policy levers' effects form their own group, ``lever_effects``, because baseline data cannot
identify them: they are what a policy comparison rests on. An experiment varies one group with
``inputs = ["lever_effects.*"]``, or every parameter with ``inputs = "parameters"``.

Only structural constants (weeks in a year or a month) and unit conversions (densities per
100,000 people, demand per 1,000) stay literal in the mechanism code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

GROUPS = {
    "setup": "Initial region (ODD 5)",
    "recruitment": "Recruitment (ODD 6.2)",
    "movement": "Movement and border checks (ODD 6.3)",
    "exploitation": "Exploitation (ODD 6.4)",
    "markets": "Markets: demand, buyers' risk and price (ODD 6.4)",
    "identification": "Identification and other exits (ODD 6.5)",
    "referral": "Referral and the decision that confirms a victim (ODD 6.5)",
    "records": "Contacts on record: the lists that estimate hidden victims (ODD 6.5)",
    "online": "Online recruitment and its monitoring (ODD 6.2, 6.5, 6.7)",
    "support": "Support, trust and testimony (ODD 6.6)",
    "investigation": "Investigation (ODD 6.7)",
    "cross_border": "Cross-border work (ODD 6.8)",
    "justice": "Prosecution and sentencing (ODD 6.9)",
    "networks": "Network response (ODD 6.10)",
    "structure": "Ties inside networks and brokers between them (ODD 6.10)",
    "offenders": "Offenders who are not organised networks: alone, in pairs, families (ODD 6.10)",
    "targeting": "Targeting strategies of investigations (ODD 6.7)",
    "deterrence": "Deterrence, entry and desistance (ODD 6.11)",
    "recovery": "Recovery and re-trafficking (ODD 6.12)",
    "lever_effects": "Sizes of the policy levers' effects",
}
"""Parameter groups, in the order of the weekly schedule, with the ODD section of each."""


@dataclass(frozen=True)
class Parameter:
    """An uncertain coefficient, varied in sensitivity analysis and calibration."""

    name: str
    label: str
    unit: str
    default: float
    low: float
    high: float
    description: str
    source: str = "assumption"
    bounds: tuple[float, float] = (0.0, 1.0)
    """Values a scenario may set (validation). ``low``-``high`` is the plausible range that
    sensitivity analysis samples; ``bounds`` are the hard limits outside which the model's
    formulas stop making sense."""
    group: str = ""
    integer: bool = False
    """A count or a whole number of weeks: sampled values are rounded to the nearest integer
    when a run starts."""

    @property
    def qualified(self) -> str:
        """``group.name``, as experiment files may write it."""
        return f"{self.group}.{self.name}"


_TABLE: list[Parameter] = []


def _group(group: str, *params: Parameter) -> None:
    for p in params:
        _TABLE.append(Parameter(**{**p.__dict__, "group": group}))


P = Parameter
_UNIT = (0.0, 1.0)
_ILO = "ILO, Walk Free and IOM 2022, Global Estimates of Modern Slavery"

_group(
    "setup",
    P("initial_fill", "Initial market fill", "share of demand", 0.55, 0.3, 0.8,
      "Share of each market's demand already in exploitation when a run starts (the burn-in "
      "lets the region settle from there)."),
    P("initial_network_victims", "Initial network size", "victims (lognormal mean)", 40.0, 20.0,
      80.0, "Mean number of victims a network holds at the start (lognormal).",
      bounds=(5.0, 1000.0)),
    P("initial_network_spread", "Initial network size spread", "sd of log", 0.6, 0.3, 1.0,
      "Spread of the initial networks' sizes (standard deviation of the log).",
      bounds=(0.0, 3.0)),
    P("initial_network_min", "Smallest initial network", "victims", 5, 2, 10,
      "Fewest victims an initial network holds.", bounds=(1.0, 100.0), integer=True),
    P("initial_spell_weeks", "Initial spell age", "weeks (geometric mean)", 100.0, 50.0, 200.0,
      "Mean time the initial victims have already been exploited.", bounds=(1.0, 1000.0)),
    P("domestic_weight", "Domestic recruitment weight", "relative weight", 3.0, 1.0, 6.0,
      "How much more a network founded in a market recruits at home than its vulnerable "
      "population alone suggests (recruiting at home is easier than abroad).",
      bounds=(0.0, 100.0)),
    P("victims_per_recruiter_at_founding", "Victims per recruiter at founding", "victims", 15.0,
      8.0, 30.0, "A founded network gets max(1, round(victims / this)) recruiters.",
      bounds=(1.0, 1000.0)),
    P("victims_per_exploiter_at_founding", "Victims per exploiter at founding", "victims", 8.0,
      4.0, 10.0, "A founded network gets max(minimum, ceil(victims / this)) exploiters.",
      bounds=(1.0, 100.0)),
    P("min_exploiters_at_founding", "Fewest exploiters at founding", "people", 2, 1, 4,
      "Fewest exploiters a founded network starts with.", bounds=(1.0, 20.0), integer=True),
    P("second_transporter_victims", "Victims that call for a second transporter", "victims", 30,
      15, 60, "A founded cross-border network gets two transporters above this many victims, "
      "else one.", bounds=(0.0, 10000.0), integer=True),
    P("leader_at_destination", "Leader based at destination", "probability", 0.5, 0.2, 0.8,
      "Chance that a newly placed leader works where the victims are exploited rather than "
      "where they are recruited."),
)

_group(
    "recruitment",
    P("recruitment_efficiency", "Recruitment efficiency", "recruits per recruiter-week",
      0.5, 0.2, 1.0,
      "Victims a recruiter brings in per week with a fully vulnerable population and "
      "wholly unmet demand.",
      bounds=(0.0, 10.0)),
    P("victims_per_exploiter", "Victims per exploiter", "victims", 10, 5, 20,
      "How many victims one exploiter can control: a network recruits only below this "
      "capacity and hires an exploiter when it reaches it.", bounds=(1.0, 200.0), integer=True),
    P("security_recruitment_cost", "Recruitment lost to security", "share at full security",
      0.5, 0.2, 0.8, "Share of recruitment a network forgoes at full security posture "
      "(security costs)."),
    P("female_share_sexual", "Female share, sexual exploitation", "share", 0.79, 0.7, 0.9,
      "Share of women and girls among people trafficked for sexual exploitation.",
      source=_ILO + ": almost four in five people in forced commercial sexual exploitation "
             "are women or girls"),
    P("female_share_labour", "Female share, forced labour", "share", 0.35, 0.2, 0.5,
      "Share of women and girls among people trafficked for forced labour.",
      source="assumption: men and boys are the majority in forced labour exploitation outside "
             "commercial sex (" + _ILO + ")"),
    P("female_share_criminal", "Female share, forced criminality", "share", 0.45, 0.3, 0.6,
      "Share of women and girls among people trafficked for forced criminality.",
      source="assumption (prevalence not estimated separately; UNODC GLOTIP 2022 reports the "
             "detected profile)"),
    P("child_share_sexual", "Child share, sexual exploitation", "share", 0.27, 0.2, 0.35,
      "Share of children among people trafficked for sexual exploitation.",
      source=_ILO + ": of 3.3 million children in forced labour more than half are in "
             "commercial sexual exploitation (6.3 million people in all)"),
    P("child_share_labour", "Child share, forced labour", "share", 0.08, 0.04, 0.12,
      "Share of children among people trafficked for forced labour.",
      source=_ILO + ": fewer than half of the 3.3 million children in forced labour, among "
             "about 21 million people in other forced labour"),
    P("child_share_criminal", "Child share, forced criminality", "share", 0.4, 0.2, 0.6,
      "Share of children among people trafficked for forced criminality.",
      source="assumption (children are the majority of detected victims of forced "
             "criminality in several regions, UNODC GLOTIP 2022)"),
    P("vulnerability_spread", "Spread of individual vulnerability", "half-width, relative",
      0.5, 0.2, 0.8, "A recruit's vulnerability is the origin's times U(1 - s, 1 + s), capped "
      "at 1: part of the profile a run reports; no process reads it yet, so it shapes no "
      "outcome."),
)

_ONLINE_SOURCE = ("assumption; UNODC GLOTIP 2020 (chapter on traffickers' use of the internet) "
                  "reports a growing share of cases with online recruitment, most for sexual "
                  "exploitation")
_group(
    "online",
    P("online_share_sexual", "Online recruitment, sexual exploitation", "share", 0.4, 0.2, 0.7,
      "Share of recruitment for sexual exploitation done online (advertisements, social "
      "media), before any monitoring.", source=_ONLINE_SOURCE),
    P("online_share_labour", "Online recruitment, forced labour", "share", 0.2, 0.05, 0.4,
      "Share of recruitment for forced labour done online (fake job offers).",
      source=_ONLINE_SOURCE),
    P("online_share_criminal", "Online recruitment, forced criminality", "share", 0.15, 0.05,
      0.4, "Share of recruitment for forced criminality done online.", source=_ONLINE_SOURCE),
    P("platform_gap", "Monitoring lost without platforms", "share", 0.5, 0.2, 0.8,
      "Share of online monitoring's effect lost where platforms do not cooperate (they hold "
      "the accounts, messages and payments)."),
    P("online_deterrence", "Online recruitment given up under monitoring", "share", 0.6, 0.3,
      0.9, "Share of its online recruitment a network moves offline at full effective "
      "monitoring where it recruits."),
    P("online_adjustment", "Speed of the shift offline", "per month", 0.1, 0.03, 0.3,
      "Share of the gap between its online share and the one the risk warrants that a "
      "network closes each month."),
)

_group(
    "movement",
    P("leg_weeks", "Weeks per leg of a journey", "weeks (geometric mean)", 2.0, 1.2, 4.0,
      "Mean weeks between crossings on an international route.", bounds=(1.0, 52.0)),
    P("border_encounter", "Border check encounter",
      "per crossing at 10 inspectors per 100,000", 0.006, 0.002, 0.02,
      "Chance a victim crossing into a jurisdiction is checked by a border officer, "
      "scaled by that jurisdiction's inspectors per 100,000."),
    P("border_check_cap", "Most crossings checked", "probability", 0.9, 0.5, 0.99,
      "Ceiling on the chance that a crossing is checked, however many inspectors."),
)

_group(
    "exploitation",
    P("release_hazard", "Release by network", "per victim-week", 0.0055, 0.002, 0.012,
      "Weekly chance that a network lets a victim go (debt 'paid', no longer useful)."),
    P("escape_hazard", "Self-rescue", "per victim-week", 0.003, 0.001, 0.008,
      "Weekly chance that a victim escapes without contact with authorities."),
    P("revenue_sexual", "Revenue, sexual exploitation", "x price level per victim-week", 1.6,
      1.0, 3.0, "Weekly revenue per victim of sexual exploitation, relative to the "
      "jurisdiction's price level.", bounds=(0.0, 100.0),
      source="assumption after ILO 2014 'Profits and Poverty' (forced sexual exploitation "
             "yields several times the profit per victim of forced labour)"),
    P("revenue_labour", "Revenue, forced labour", "x price level per victim-week", 0.6, 0.3,
      1.0, "Weekly revenue per victim of forced labour, relative to the price level.",
      bounds=(0.0, 100.0), source="assumption after ILO 2014 'Profits and Poverty'"),
    P("revenue_criminal", "Revenue, forced criminality", "x price level per victim-week", 1.0,
      0.5, 1.5, "Weekly revenue per victim of forced criminality, relative to the price level.",
      bounds=(0.0, 100.0)),
)

_LABOUR_DEMAND = ("Lichter, Peichl and Siegloch 2015 (European Economic Review 80) meta-analysis "
                  "of own-wage labour demand elasticities, modal estimates about -0.4; Popp "
                  "2023 (Journal for Labour Market Research), mean -0.43 over 705 German "
                  "estimates; of ordinary labour, not forced labour")
_group(
    "markets",
    P("price_elasticity_sexual", "Price elasticity of demand, sexual exploitation",
      "% fall in demand per % rise in price", 0.5, 0.0, 1.0,
      "How much the demand for sexual exploitation falls when its price rises (ODD 6.4).",
      bounds=(0.0, 5.0),
      source="assumption: no estimate of buyers' price elasticity was found; 0 (demand does "
             "not answer price) to 1"),
    P("price_elasticity_labour", "Price elasticity of demand, forced labour",
      "% fall in demand per % rise in price", 0.4, 0.1, 1.0,
      "How much employers' demand for forced labour falls when its price rises.",
      bounds=(0.0, 5.0), source=_LABOUR_DEMAND),
    P("price_elasticity_criminal", "Price elasticity of demand, forced criminality",
      "% fall in demand per % rise in price", 0.3, 0.0, 1.0,
      "How much the demand for forced criminality falls when its price rises.",
      bounds=(0.0, 5.0)),
    P("price_flexibility", "Price flexibility", "% rise in price per % fall in fill", 1.0,
      0.0, 2.0,
      "How much a market's price rises when its fill (victims exploited / demand) falls "
      "below the fill it had settled at by the end of the burn-in (0: a fixed price).",
      bounds=(0.0, 10.0)),
    P("price_adjustment", "Price adjustment per month", "share of the (log) gap closed", 0.25,
      0.1, 1.0, "Share of the gap between a market's price and the price its scarcity calls "
      "for that closes each month (1: at once; prices are sticky, and a month's count of "
      "victims in a small market is noisy).", bounds=(0.01, 1.0)),
    P("price_index_cap", "Price ceiling and floor", "x the scenario's price level", 3.0, 2.0,
      5.0, "The price stays between 1/this and this times the scenario's price level (buyers "
      "turn to substitutes beyond it; an empty market's price is not infinite).",
      bounds=(1.0, 100.0)),
)

_VIS = "Visibility of {form} exploitation to {channel}, relative to the most visible form."
_VIS_SOURCE = "assumption, following the channel mix UNODC GLOTIP 2022 reports"
_VIS_PROFILE_SOURCE = ("assumption, set (issue 23) so that the baseline's detected profile "
                       "approaches UNODC GLOTIP 2020/2024's (labour 38-39%, female 61-65%, "
                       "children 34-38% of detected victims); the calibration fits it")
_GROUP_SOURCE = ("assumption; the detected profile it produces is compared with UNODC GLOTIP 2022 "
                 "in ODD 7 (an out-of-sample check)")
_group(
    "identification",
    P("police_encounter_rate", "Police encounter rate",
      "per visible victim-week at 10 officers per 100,000", 0.00012, 0.00004, 0.0004,
      "Weekly chance that routine police work encounters a fully visible victim "
      "where there are 10 anti-trafficking officers per 100,000 at-risk people."),
    P("ngo_contact_rate", "NGO contact rate",
      "per victim-week at 10 outreach workers per 100,000", 0.00025, 0.00008, 0.0008,
      "Weekly chance that NGO outreach reaches a victim who accepts referral, at "
      "full trust, with 10 outreach workers per 100,000 at-risk people."),
    P("inspection_rate", "Inspection contact rate",
      "per visible victim-week at 10 inspectors per 100,000", 0.00004, 0.00002, 0.0002,
      "Weekly chance that labour inspections reach a fully visible victim at a work "
      "site, with 10 inspectors per 100,000 at-risk people.", source=_VIS_PROFILE_SOURCE),
    P("self_referral_hazard", "Self-referral hazard", "per victim-week", 0.00015,
      0.00005, 0.0005,
      "Weekly chance an exploited victim comes forward on their own (hotline, "
      "embassy, walk-in) before awareness and trust raise it."),
    P("self_referral_trust_offset", "Self-referral without trust", "x hazard", 0.5, 0.2, 1.0,
      "Self-referral scales with (this + trust): the share of it that does not depend on "
      "trust in the authorities.", bounds=(0.0, 10.0)),
    P("misidentification", "Misidentification by untrained officers", "probability",
      0.5, 0.2, 0.8,
      "Chance that an untrained officer who encounters but does not recognise a "
      "victim treats them as an offender, with no non-punishment provision."),
    P("recognition_untrained", "Recognition by untrained officers", "probability", 0.25, 0.1,
      0.4, "Chance that an officer without training recognises a victim they encounter."),
    P("trust_base", "Trust without victim-centred levers", "0-1", 0.15, 0.05, 0.3,
      "Victims' trust in the authorities and NGOs with every trust lever at zero."),
    P("visibility_police_labour", "Police visibility, forced labour", "relative", 0.25, 0.15,
      0.6, _VIS.format(form="labour", channel="police"), source=_VIS_PROFILE_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_police_criminal", "Police visibility, forced criminality", "relative", 0.5,
      0.25, 0.8, _VIS.format(form="criminal", channel="police"), source=_VIS_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_ngo_labour", "NGO visibility, forced labour", "relative", 0.4, 0.2, 0.9,
      _VIS.format(form="labour", channel="NGO outreach"), source=_VIS_PROFILE_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_ngo_criminal", "NGO visibility, forced criminality", "relative", 0.4, 0.2,
      0.7, _VIS.format(form="criminal", channel="NGO outreach"), source=_VIS_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_inspection_sexual", "Inspection visibility, sexual exploitation", "relative",
      0.15, 0.05, 0.3, _VIS.format(form="sexual", channel="labour inspections"),
      source=_VIS_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_inspection_criminal", "Inspection visibility, forced criminality",
      "relative", 0.2, 0.05, 0.4, _VIS.format(form="criminal", channel="labour inspections"),
      source=_VIS_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_self_labour", "Self-referral, forced labour", "relative", 0.3, 0.15, 1.0,
      _VIS.format(form="labour", channel="self-referral") + " Workers in debt bondage or "
      "tied to an employer seldom see themselves as victims of a crime.",
      source=_VIS_PROFILE_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_self_criminal", "Self-referral, forced criminality", "relative", 0.7, 0.4,
      1.0, _VIS.format(form="criminal", channel="self-referral"), source=_VIS_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_police_child", "Police visibility of children", "x adults", 1.2, 0.8, 1.6,
      "How readily police recognise a child victim, relative to an adult (child-protection "
      "duties).", source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_police_male", "Police visibility of men and boys", "x women and girls", 0.8,
      0.5, 1.0, "How readily police see a male victim, relative to a female one (men are "
      "less often seen as victims).", source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_ngo_child", "NGO visibility of children", "x adults", 0.8, 0.5, 1.2,
      "How readily NGO outreach reaches a child victim, relative to an adult.",
      source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_ngo_male", "NGO visibility of men and boys", "x women and girls", 0.6, 0.3,
      1.0, "How readily NGO outreach reaches a male victim (services are mostly for women).",
      source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_inspection_child", "Inspection visibility of children", "x adults", 0.5,
      0.2, 0.9, "How readily inspections find a child victim (children are kept off sites and "
      "payrolls), relative to an adult.", source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_inspection_male", "Inspection visibility of men and boys",
      "x women and girls", 1.2, 0.8, 1.6, "How readily inspections find a male victim "
      "(inspected sectors employ more men; domestic work is rarely inspected).",
      source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_self_child", "Self-referral of children", "x adults", 0.4, 0.2, 0.7,
      "How readily a child comes forward, relative to an adult.", source=_GROUP_SOURCE,
      bounds=(0.0, 5.0)),
    P("visibility_self_male", "Self-referral of men and boys", "x women and girls", 0.7, 0.4,
      1.0, "How readily a male victim comes forward (stigma; few see themselves as victims).",
      source=_GROUP_SOURCE, bounds=(0.0, 5.0)),
    P("security_visibility", "Visibility lost to security", "share at full security", 0.6,
      0.3, 0.9, "Share of a victim's visibility to every channel that a network at full "
      "security posture hides."),
    P("police_case_probability", "Case from a police identification", "probability", 0.3, 0.1,
      0.6, "Chance that a victim identified by the police leads to a case against the "
      "network."),
)

_SERVICES_SOURCE = ("assumption on the size; the direction follows how the services meet "
                    "victims (UNODC GLOTIP 2022 ch. 1 on who detects victims; Home Office NRM "
                    "statistics 2023: 44% of referrals are children, most from local "
                    "authorities' children's services)")
_group(
    "identification",
    P("child_protection_rate", "Child-protection contact rate", "per child victim-week",
      0.0007, 0.0001, 0.002,
      "Weekly chance that child protection, a school or children's services refer a fully "
      "visible child victim (sexual exploitation) to the referral mechanism; adults are never "
      "reached this way.", source=_SERVICES_SOURCE, bounds=(0.0, 0.1)),
    P("visibility_child_protection_labour", "Child-protection visibility, forced labour",
      "relative", 0.5, 0.2, 1.0, _VIS.format(form="labour", channel="child protection") +
      " A child kept out of school is noticed; one working beside a parent less so.",
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_child_protection_criminal", "Child-protection visibility, forced criminality",
      "relative", 0.8, 0.4, 1.2, _VIS.format(form="criminal", channel="child protection") +
      " Children exploited in crime meet youth justice and children's services.",
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_child_protection_male", "Child-protection visibility of boys", "x girls",
      0.8, 0.5, 1.2, "How readily child protection sees an exploited boy, relative to a girl.",
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("health_services_rate", "Health and social services contact rate", "per victim-week",
      0.0003, 0.00005, 0.0008,
      "Weekly chance that health or social services (clinics, emergency care, housing and "
      "welfare offices) refer a fully visible adult female victim of sexual exploitation.",
      source=_SERVICES_SOURCE, bounds=(0.0, 0.1)),
    P("visibility_health_labour", "Health-service visibility, forced labour", "relative",
      0.25, 0.1, 0.7, _VIS.format(form="labour", channel="health and social services") +
      " Workplace injuries bring some in; most never see a clinic.",
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_health_criminal", "Health-service visibility, forced criminality",
      "relative", 0.4, 0.15, 0.8,
      _VIS.format(form="criminal", channel="health and social services"),
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_health_male", "Health-service visibility of men and boys",
      "x women and girls", 0.5, 0.3, 1.0, "How readily health and social services see a male "
      "victim (sexual and reproductive health services see mostly women).",
      source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
    P("visibility_health_child", "Health-service visibility of children", "x adults", 1.3,
      0.8, 2.0, "How readily health and social services see a child victim (safeguarding "
      "duties make staff ask).", source=_SERVICES_SOURCE, bounds=(0.0, 5.0)),
)

_NRM = ("Home Office (2024), Modern Slavery: National Referral Mechanism and Duty to Notify "
        "statistics UK, end of year summary 2023")
_group(
    "referral",
    P("referral_removal", "Removed from exploitation at referral", "probability", 0.8, 0.5,
      1.0, "Chance that a referral takes the person out of exploitation at once; the others "
      "stay exploited until the decision (they decline support, cannot be reached, or go "
      "back). Border referrals always end the journey.",
      source="assumption; " + _NRM + " counts adults who do not consent to a referral (Duty "
             "to Notify reports, about a third of adult first-responder reports) without "
             "saying whether they stay exploited"),
    P("decision_weeks", "Time to the decision", "weeks (geometric mean)", 8.0, 1.0, 52.0,
      "Mean time from referral to the decision that confirms the person as a victim or not.",
      source="assumption between the UK's reasonable-grounds target (5 working days) and "
             "its conclusive-grounds decisions (at least a 30-45-day recovery period first, "
             "often much longer: " + _NRM + ")", bounds=(1.0, 520.0)),
    P("confirmation_probability", "Referrals confirmed", "probability", 0.66, 0.5, 0.9,
      "Chance that the decision confirms a referred adult as a victim; the others are found "
      "not to be victims.",
      source=_NRM + ": 66% of 9,825 conclusive-grounds decisions positive (55% of 15,247 "
             "reasonable-grounds decisions); Hansard 14 January 2010: 301 of 432 decided "
             "reasonable-grounds referrals positive in 2009 (70%)"),
    P("first_responder_growth", "Yearly growth of first responders' referrals", "per year",
      0.0, -0.1, 0.4,
      "Yearly growth of the hazards with which first responders (police, NGO outreach, labour "
      "inspection, child protection, health and social services) identify and refer a victim: "
      "in policy year y (0, 1, ...) they are (1 + this) ** y times their stated values, as a "
      "new referral mechanism becomes known to the agencies that use it. Self-referral and "
      "border checks do not grow. 0 (the stylised region) keeps them constant; below 0 they "
      "fall (a mechanism falling out of use).",
      source="the stylised region: assumption (0, a mechanism long in place); a country model "
             "fits it to its referral series (the UK's NRM referrals grew from 712 in 2010 to "
             "2,339 in 2014, about 35% a year: scenarios/countries/uk/pre_act_statistics.csv, "
             "pq_107708_nrm_by_age)", bounds=(-0.5, 1.0)),
    P("confirmation_child_gain", "Confirmation of children", "share of adult refusals", 0.5,
      0.0, 1.0, "Share of the refusals an adult would get that a child does not, because a "
      "child need not show force, fraud or coercion (Palermo Protocol art. 3(c)): a child is "
      "confirmed with chance p + this x (1 - p).",
      source="direction from the Palermo Protocol (2000) art. 3(c); size an assumption"),
)

_CONTACT = ("For every victim this channel identifies, how many others it records on its list "
            "without their leaving exploitation, at the same visibility: ")
_group(
    "records",
    P("contacts_police", "Police records of suspected victims", "x police identifications",
      0.5, 0.1, 2.0, _CONTACT + "a suspected victim noted in a police record, not identified.",
      bounds=(0.0, 50.0)),
    P("contacts_ngo", "NGO outreach contacts", "x NGO identifications", 3.0, 1.0, 6.0,
      _CONTACT + "outreach meets many more victims than it brings out of exploitation.",
      bounds=(0.0, 50.0)),
    P("contacts_inspection", "Suspected victims in inspection records",
      "x inspection identifications", 1.0, 0.3, 3.0,
      _CONTACT + "an inspection that notes indicators of trafficking.", bounds=(0.0, 50.0)),
    P("contacts_hotline", "Hotline calls", "x self-referrals", 1.0, 0.3, 3.0,
      _CONTACT + "a call or message to a hotline that does not lead out of exploitation.",
      bounds=(0.0, 50.0)),
)

_group(
    "support",
    P("max_wait_weeks", "Longest wait for a shelter place", "weeks", 4, 2, 8,
      "An identified victim waits this long for a place, then leaves unsupported.",
      bounds=(1.0, 104.0), integer=True),
    P("shelter_weeks", "Shelter stay", "weeks (geometric mean)", 16.0, 8.0, 26.0,
      "Mean shelter stay.", bounds=(1.0, 520.0),
      source="assumption; many programmes offer 3-6 months"),
    P("programme_weeks", "Reintegration programme", "weeks (geometric mean)", 26.0, 12.0, 52.0,
      "Mean length of a reintegration programme after the shelter.", bounds=(1.0, 520.0)),
    P("testimony_base", "Testimony propensity", "probability at full trust", 0.7,
      0.3, 0.95, "Chance a fully trusting, protected, supported victim testifies."),
    P("intimidation", "Network intimidation", "0-1", 0.5, 0.1, 0.9,
      "How strongly network threats suppress testimony without witness protection."),
    P("unsupported_testimony", "Testimony without a shelter place", "relative", 0.35, 0.1,
      0.7, "Testimony propensity of a victim who never got a place, relative to one who did."),
    P("labour_testimony", "Testimony of labour-trafficking victims", "relative", 0.7, 0.4, 0.95,
      "Testimony propensity of a victim of forced labour, relative to other victims (debts, "
      "dependence on the employer and doubts that the case will hold keep more of them "
      "silent)."),
    P("conditional_permit_value", "Worth of a conditional permit", "x an unconditional one",
      0.4, 0.1, 0.7, "How much a residence permit conditional on cooperating with the "
      "prosecution counts, in a victim's decision to come forward, against an unconditional "
      "one."),
    P("offender_fear", "Fear of being treated as an offender", "share of self-referral", 0.4,
      0.2, 0.8, "Share of self-referral deterred when a victim who comes forward risks "
      "detention or deportation in full (no permit, no non-punishment provision)."),
)

_group(
    "investigation",
    P("proactive_case_rate", "Proactive case opening",
      "cases per week per 100 officers at full capability", 0.06, 0.02, 0.2,
      "How many proactive cases an agency opens per week per 100 officers when "
      "undercover, digital and financial capabilities sum to one.",
      bounds=(0.0, 10.0)),
    P("case_evidence_rate", "Evidence accumulation", "per investigative week",
      0.017, 0.005, 0.03,
      "Evidence a case gathers per week from routine investigation alone."),
    P("case_min_weeks", "Shortest investigation", "weeks", 8, 4, 16,
      "Weeks a case gathers evidence before the geometric tail starts.",
      bounds=(1.0, 520.0), integer=True),
    P("case_extra_weeks", "Investigation tail", "weeks (geometric mean)", 16.0, 8.0, 32.0,
      "Mean extra weeks a case runs beyond the shortest investigation.", bounds=(1.0, 520.0)),
    P("testimony_evidence", "Evidence per testimony", "0-1 evidence", 0.2, 0.1, 0.4,
      "Evidence a victim's testimony adds to a case."),
    P("ngo_report_evidence", "Evidence per NGO report", "0-1 evidence", 0.15, 0.05, 0.3,
      "Evidence an NGO report adds to a case."),
    P("police_finding_evidence", "Evidence per police identification", "0-1 evidence", 0.1,
      0.05, 0.2, "Evidence a police identification of a victim adds to a case."),
    P("corruption_case_loss", "Cases lost to corruption", "share at full corruption", 0.6,
      0.3, 0.9, "Share of cases that corruption sinks (tip-off, bribe) at full effective "
      "corruption."),
    P("reach_leader", "Reach to leaders", "probability", 0.05, 0.01, 0.15,
      "Chance a case identifies a leader, before techniques and testimony."),
    P("reach_transporter", "Reach to transporters", "probability", 0.1, 0.05, 0.2,
      "Chance a case identifies a transporter, before techniques and testimony."),
    P("reach_recruiter", "Reach to recruiters", "probability", 0.15, 0.05, 0.3,
      "Chance a case identifies a recruiter, before techniques and testimony."),
    P("reach_exploiter", "Reach to exploiters", "probability", 0.35, 0.2, 0.5,
      "Chance a case identifies an exploiter (they are where the victims are)."),
    P("reach_testimony", "Reach added by testimony", "probability", 0.2, 0.1, 0.35,
      "What a case with at least one testimony adds to its chance of identifying each "
      "recruiter, transporter and exploiter."),
    P("reach_testimony_leader", "Testimony's reach to leaders", "x reach added", 0.5, 0.2, 1.0,
      "Share of the testimony's added reach that extends to leaders (victims seldom know "
      "them).", bounds=(0.0, 5.0)),
    P("reach_cap", "Highest reach", "probability", 0.9, 0.7, 0.99,
      "Ceiling on the chance that a case identifies any one member."),
    P("cases_per_officer", "Open investigations per officer", "cases", 0.05, 0.02, 0.15,
      "How many trafficking investigations an agency can keep open per anti-trafficking "
      "officer (an investigation takes a team; the rest of their time goes to the encounters "
      "that identify victims). Leads beyond that wait.", bounds=(0.001, 10.0)),
    P("case_wait_weeks", "Longest wait for an investigator", "weeks", 12, 4, 26,
      "A lead that waits this long for capacity is dropped.", bounds=(1.0, 520.0),
      integer=True),
    P("labour_evidence", "Evidence in labour cases", "x routine evidence rate", 0.6, 0.3, 0.9,
      "Routine evidence gathers more slowly against forced-labour networks (coercion hidden "
      "in employment relations, paperwork that looks legal).", bounds=(0.0, 2.0)),
)

_group(
    "cross_border",
    P("mla_floor", "Cross-border success without legal assistance", "relative", 0.3, 0.1, 0.5,
      "Share of the arrest chance abroad that remains with mutual legal assistance at zero."),
    P("extradition_floor", "Surrender without extradition", "relative", 0.1, 0.0, 0.3,
      "Share of the arrest chance abroad that remains with extradition at zero (a suspect "
      "arrested and tried abroad, or surrendered informally)."),
    P("cross_border_min_weeks", "Shortest cross-border delay", "weeks", 4, 2, 8,
      "Weeks a cross-border arrest takes at best.", bounds=(1.0, 104.0), integer=True),
    P("cross_border_delay_weeks", "Cross-border delay without legal assistance", "weeks",
      40.0, 20.0, 80.0, "Weeks added to a cross-border arrest when mutual legal assistance "
      "is at zero.", bounds=(0.0, 520.0)),
)

_group(
    "justice",
    P("charge_base", "Charging before evidence", "probability", 0.4, 0.2, 0.6,
      "Chance an arrested trafficker is charged, before evidence and specialisation."),
    P("charge_evidence", "Charging from evidence", "per unit of evidence", 0.5, 0.3, 0.7,
      "What full evidence adds to the chance of a charge."),
    P("charge_cap", "Highest chance of a charge", "probability", 0.95, 0.8, 0.99,
      "Ceiling on the chance that an arrest leads to a charge."),
    P("trial_weeks", "Charge to verdict", "weeks (geometric mean)", 40.0, 20.0, 80.0,
      "Mean weeks from charge to verdict without specialised prosecution.",
      bounds=(1.0, 520.0),
      source="UNODC GLOTIP country profiles: trials often take a year or more"),
    P("conviction_base", "Conviction before evidence", "probability", 0.2, 0.05, 0.35,
      "Chance of conviction with no evidence, testimony or specialisation."),
    P("conviction_evidence", "Conviction from evidence", "per unit of evidence", 0.45, 0.25,
      0.65, "What full evidence adds to the chance of conviction."),
    P("conviction_testimony", "Conviction from testimony", "probability", 0.15, 0.05, 0.3,
      "What a victim's testimony adds to the chance of conviction."),
    P("conviction_corruption", "Convictions lost to corruption", "per unit of corruption", 0.4,
      0.2, 0.6, "What full effective corruption takes from the chance of conviction."),
    P("conviction_floor", "Lowest chance of conviction", "probability", 0.02, 0.0, 0.1,
      "Floor on the chance of conviction where the law covers the form."),
    P("conviction_cap", "Highest chance of conviction", "probability", 0.95, 0.8, 0.99,
      "Ceiling on the chance of conviction."),
    P("sentence_spread", "Sentence spread", "sd of log", 0.5, 0.2, 0.8,
      "Spread of sentences around the lever's mean (lognormal).", bounds=(0.0, 3.0)),
    P("reoffend", "Return to crime after custody", "probability", 0.5, 0.3, 0.7,
      "Share of released, acquitted or uncharged traffickers who return to the criminal "
      "labour pool (the others desist).",
      source="assumption, in the range of reconviction rates for released prisoners (e.g. "
             "Durose et al. 2014, BJS: most released prisoners are rearrested within five "
             "years)"),
    P("forfeiture_floor", "Forfeiture without financial investigation", "relative", 0.3, 0.1,
      0.5, "Share of the forfeitable assets found with financial investigation at zero."),
    P("forfeiture_leader_share", "Assets forfeited per leader", "share of network assets", 0.6,
      0.3, 0.9, "Share of the network's assets attributed to a convicted leader."),
    P("forfeiture_member_share", "Assets forfeited per other member",
      "share of network assets", 0.15, 0.05, 0.3,
      "Share of the network's assets attributed to another convicted member."),
    P("trials_per_prosecutor_year", "Trials per prosecutor", "trials per year", 6.0, 3.0, 12.0,
      "Trafficking trials one prosecutor (with the court time they need) brings to verdict a "
      "year; trials beyond the jurisdiction's capacity wait.", bounds=(0.1, 200.0)),
    P("trial_capacity_weeks", "Weeks of unused trial capacity kept", "weeks", 13, 4, 26,
      "Prosecutors' unused capacity carries over for at most this many weeks (idle court time "
      "is not stored for ever); at least one trial's worth always carries.",
      bounds=(1.0, 104.0), integer=True),
    P("trial_wait_weeks", "Longest wait for a trial", "weeks", 52, 26, 104,
      "A trial postponed this long for lack of capacity is dropped and the accused released.",
      bounds=(1.0, 520.0), integer=True),
    P("labour_lesser_charge", "Labour cases charged as lesser offences", "share", 0.3, 0.1,
      0.5, "Share of charged forced-labour cases brought under a lesser offence (labour or "
      "immigration law) because trafficking is hard to prove."),
    P("lesser_sentence_share", "Sentence for a lesser offence", "x the trafficking sentence",
      0.2, 0.05, 0.4, "Sentence on conviction for a lesser offence, relative to the "
      "trafficking sentence lever."),
)

_group(
    "networks",
    P("replacement_delay_weeks", "Replacement delay", "weeks (mean)", 8.0, 2.0, 26.0,
      "Mean time for a network to replace an arrested member from the criminal "
      "labour pool.",
      bounds=(1.0, 520.0)),
    P("leader_split_probability", "Split after leader loss", "probability", 0.35,
      0.1, 0.7,
      "Chance a network that loses its leader splits into two rather than "
      "collapsing or carrying on under a new leader."),
    P("collapse_probability", "Collapse after leader loss", "probability", 0.3, 0.1, 0.5,
      "Chance a network that loses its leader to arrest collapses (the alternatives: a "
      "large network splits, or a member is promoted)."),
    P("split_min_size", "Smallest network that splits", "members", 6, 4, 12,
      "A network needs at least this many members left to split after losing its leader.",
      bounds=(2.0, 1000.0), integer=True),
    P("security_gain", "Security after a hit", "per arrest", 0.12, 0.03, 0.3,
      "How much a network's security posture rises for each member arrested."),
    P("security_decay", "Security kept each month", "monthly factor", 0.93, 0.85, 0.98,
      "Networks relax when left alone: their security is multiplied by this each month."),
    P("hit_memory", "Memory of losses kept each month", "monthly factor", 0.8, 0.6, 0.95,
      "Monthly decay of a network's memory of its own losses."),
    P("asset_retention", "Revenue kept as assets", "share", 0.25, 0.1, 0.5,
      "Share of revenue a network keeps as seizable assets."),
    P("hire_pull_threshold", "Market pull to hire", "share of demand unmet", 0.2, 0.05, 0.5,
      "A network at capacity hires an exploiter if its market's unmet demand exceeds this."),
    P("dissolution_hazard", "Dissolution", "per network-year", 0.08, 0.03, 0.2,
      "Yearly hazard that a network ends from business failure or conflict (not counted as "
      "dismantled).", bounds=(0.0, 5.0)),
    P("relocation_review", "Networks reconsidering each month", "share", 0.25, 0.1, 0.5,
      "Share of networks that reconsider where they exploit each month."),
    P("switching_cost", "Cost of relocating", "share of current value", 0.3, 0.1, 0.6,
      "A network moves only if the new market's value beats staying by this share.",
      bounds=(0.0, 10.0)),
)

_group(
    "structure",
    P("tie_closure", "Tie closure", "probability", 0.3, 0.0, 0.7,
      "Chance a newcomer, introduced by a sponsor, also comes to know one of the sponsor's "
      "contacts (triadic closure): the higher, the denser and more redundant a network's "
      "ties, and the fewer members one loss cuts off.",
      source="Morselli 2009 (Inside Criminal Networks): trafficking and smuggling networks "
             "trade efficiency (sparse, centralised ties) against security (redundant ties); "
             "no measured rate, so a wide range"),
    P("fragment_loss", "Drop-out when cut off", "probability", 0.5, 0.0, 1.0,
      "Chance that a member whom a loss cuts off from the leader drops out of the network "
      "(back to the criminal labour pool) rather than rewiring to the others.",
      source="Duijn, Kashirin and Sloot 2014 (Scientific Reports 4:4238): simulated "
             "disruption of a cannabis network is followed by fast recovery through rewiring; "
             "how many drop out is not measured, so the range is the whole unit interval"),
    P("broker_share", "Networks with a broker", "share of founded networks", 0.3, 0.0, 0.6,
      "Share of founded networks with a broker: a member tied to a member of another network "
      "recruiting in the same place.",
      source="Morselli 2009 and Bright, Hughes and Chalmers 2012 (Crime, Law and Social "
             "Change 57) describe brokers between criminal groups; no share is measured"),
    P("broker_replacement_factor", "Replacement delay with a broker", "x the delay", 0.6, 0.3,
      1.0, "A network with a live broker tie refills a lost role in this multiple of the "
      "usual replacement delay (brokers supply recruits); 1 is no effect.",
      bounds=(0.05, 1.0),
      source="assumption: brokers' role in replacing members (Morselli 2009) with no measured "
             "size; the range reaches no effect"),
)

_group(
    "offenders",
    P("share_lone", "Operations run by one trafficker", "share of founded operations", 0.2,
      0.05, 0.4, "Share of new trafficking operations run by one trafficker alone (often "
      "exploiting an intimate partner: the 'lover boy').",
      source="UNODC GLOTIP 2022 (court-case summaries): individual traffickers, most often "
             "young men exploiting their partners, are the most reported profile of convicted "
             "individual offenders; shares by type of structure vary by region; the range is "
             "wide"),
    P("share_pair", "Operations run by a pair", "share of founded operations", 0.1, 0.0, 0.25,
      "Share of new operations run by two traffickers (typically intimate partners).",
      source="UNODC GLOTIP 2022: female traffickers are 43% of those operating in pairs, "
             "typically with intimate partners; Australian Institute of Criminology, Trends & "
             "Issues 436 (2012): offenders include individuals acting alone or with a spouse"),
    P("share_family", "Operations run by a family", "share of founded operations", 0.05, 0.0,
      0.15, "Share of new operations run by members of one family (three people).",
      source="UNODC GLOTIP 2014, box on intimate and close family relationships in "
             "trafficking offending; no share measured"),
    P("small_visibility", "Visibility of a small operation's victims", "x visibility", 0.9,
      0.5, 1.0, "Victims of a lone, pair or family trafficker are this much as visible to "
      "every identification channel as those of an organised network (control through a "
      "relationship or the family, in private, may hide them).", bounds=(0.01, 1.0),
      source="assumption; no measured ratio: intimate control may hide victims, while small "
             "operations lack an organised network's security (which 6.10 already models); "
             "the range runs from half to no difference"),
    P("victims_per_small_offender", "Victims per small offender", "victims per member", 2.0,
      1.0, 4.0, "Victims each member of a small operation can control.",
      bounds=(1.0, 20.0),
      source="assumption: court cases of lone and pair traffickers typically involve one to a "
             "few victims (GLOTIP 2022 profile of individual traffickers)"),
    P("reach_small", "Reach of a case against a small operation", "probability", 0.6, 0.3,
      0.9, "Chance a case identifies a member of a lone, pair or family operation (the victims "
      "know everyone involved), at least; the reach cap applies.",
      source="assumption; Kangaspunta 2015 (Anti-Trafficking Review 4): prosecutions depend "
             "heavily on victims' testimony and reach those the victims can identify"),
)

_group(
    "targeting",
    P("targeting_focus_gain", "Reach gained in focus", "x reach", 1.0, 0.0, 2.0,
      "With targeted investigation (leaders or key players), reach of a member fully in focus "
      "rises by this multiple (before the reach cap).", bounds=(0.0, 10.0),
      source="assumption; no evaluation compares targeting strategies in trafficking cases, "
             "so the range reaches no gain"),
    P("targeting_focus_loss", "Reach lost out of focus", "share of reach", 0.5, 0.0, 0.9,
      "With targeted investigation, reach of members out of focus falls by this share "
      "(investigators' time goes to the targets).",
      source="assumption; the range reaches no loss"),
    P("targeted_case_weeks", "Extra weeks of a targeted case", "weeks", 8, 0, 26,
      "Weeks added to an investigation that maps a network's ties or follows its money before "
      "acting (the cost of key-player, leader and financial targeting).",
      bounds=(0.0, 104.0), integer=True,
      source="assumption; financial and network investigations are described as slower than "
             "reactive ones (UNODC 2017 toolkit on financial investigation of trafficking) "
             "without a measured figure"),
    P("money_target_weight", "Weight of assets in choosing targets", "x relative assets", 1.0,
      0.0, 3.0, "Under follow-the-money targeting, a network's chance of being the target of "
      "proactive work rises by this multiple of its assets relative to the mean.",
      bounds=(0.0, 20.0), source="assumption; the range reaches no effect"),
    P("money_forfeiture_gain", "Forfeiture gain from following the money",
      "share of assets found", 0.2, 0.0, 0.5, "Under follow-the-money targeting, the share "
      "of a convicted member's assets found for confiscation rises by this much.",
      source="assumption; the range reaches no effect"),
)

_group(
    "deterrence",
    P("risk_update_rate", "Risk-perception update rate", "weight per month", 0.15,
      0.03, 0.5,
      "How fast traffickers' perceived certainty of punishment follows what they "
      "observe (exponential smoothing weight per monthly review).",
      source="Anwar & Loughran 2011 show offenders update risk perceptions from "
             "experience; rate is an assumption"),
    P("discount_rate", "Discounting of future prison years", "per year (hyperbolic)",
      0.6, 0.1, 2.0,
      "Hyperbolic discount rate k: a sentence of S years weighs ln(1+kS)/k.",
      source="Nagin & Pogarsky 2004; Loughran et al. 2012 find steep discounting "
             "among offenders; value is an assumption",
      bounds=(0.001, 10.0)),
    P("deterrence_weight", "Deterrence weight", "per discounted prison-year", 8.0,
      1.0, 30.0,
      "How strongly one expected, discounted prison-year per year of activity "
      "weighs against profit in traffickers' choices.",
      bounds=(0.0, 200.0)),
    P("network_entry_rate", "Network entry", "new networks per month per 1,000 victims of "
      "demand, at full unmet demand", 0.8, 0.2, 2.0,
      "How readily new networks enter a market with unmet demand: the monthly mean number of "
      "entrants is this x demand / 1,000 x pull x exp(-w x certainty x severity) (ODD 6.11).",
      bounds=(0.0, 50.0)),
    P("desistance_hazard", "Desistance", "per trafficker-year", 0.06, 0.02, 0.2,
      "Yearly hazard that an active trafficker leaves crime at zero perceived risk (a "
      "chance 1 - exp(-h / 13) at each monthly review).",
      bounds=(0.0, 5.0)),
    P("prior_certainty", "Perceived certainty at the start", "per year", 0.01, 0.002, 0.05,
      "Perceived yearly chance of conviction before anything has been seen."),
    P("arrest_signal", "Weight of an arrest in perceived certainty", "x a conviction", 0.3,
      0.1, 0.6, "How much an arrest seen among peers counts, relative to a conviction."),
    P("hit_certainty", "Certainty per remembered loss", "per year", 0.02, 0.005, 0.05,
      "Perceived yearly certainty a network adds for each of its own losses it remembers."),
)

_group(
    "recovery",
    P("retrafficking_hazard", "Re-trafficking hazard (unsupported)", "per person-year",
      0.12, 0.04, 0.3,
      "Yearly chance a person released, returned or misidentified without support is "
      "trafficked again; support and reintegration lower it.",
      bounds=(0.0, 5.0)),
    P("risk_fade_years", "Fading of re-trafficking risk", "years (time constant)", 1.0, 0.5,
      3.0, "The re-trafficking hazard fades after exit with this time constant.",
      bounds=(0.01, 50.0)),
    P("retrafficking_risk_misidentified", "Re-trafficking risk after misidentification",
      "relative to an unsupported exit", 1.5, 1.0, 2.5,
      "Re-trafficking risk of a person treated as an offender, relative to one released, "
      "self-rescued or returned without support.", bounds=(0.0, 10.0),
      source="assumption after IOM 2010 'The causes and consequences of re-trafficking'"),
    P("retrafficking_risk_supported", "Re-trafficking risk after support",
      "relative to an unsupported exit", 0.6, 0.3, 0.9,
      "Re-trafficking risk of a person returned after a shelter stay.", bounds=(0.0, 10.0),
      source="assumption after IOM 2010 'The causes and consequences of re-trafficking'"),
    P("retrafficking_risk_reintegrated", "Re-trafficking risk after reintegration",
      "relative to an unsupported exit", 0.25, 0.1, 0.5,
      "Re-trafficking risk of a person who completed a reintegration programme.",
      bounds=(0.0, 10.0),
      source="assumption after IOM 2010 'The causes and consequences of re-trafficking'"),
)

_EFFECT = "Size of a lever's effect; baseline data cannot identify it. "
_group(
    "lever_effects",
    P("recognition_trained", "Recognition by trained officers", "probability", 0.85, 0.25,
      0.95, _EFFECT + "Chance that a trained officer recognises a victim they encounter "
      "(training moves recognition from the untrained value to this)."),
    P("non_punishment_effect", "Misidentification prevented by non-punishment", "share", 0.7,
      0.0, 0.9, _EFFECT + "Share of misidentifications a fully implemented non-punishment "
      "provision prevents.",
      source="assumption after OSCE 2013 policy recommendations on non-punishment"),
    P("trust_victim_centred", "Trust from victim-centred practice", "0-1 trust", 0.35, 0.0,
      0.5, _EFFECT + "Trust added by fully victim-centred practice."),
    P("trust_witness_protection", "Trust from witness protection", "0-1 trust", 0.2, 0.0,
      0.35, _EFFECT + "Trust added by full witness protection."),
    P("trust_partnership", "Trust from NGO-police partnership", "0-1 trust", 0.2, 0.0, 0.35,
      _EFFECT + "Trust added by a full NGO-police partnership."),
    P("trust_non_punishment", "Trust from non-punishment", "0-1 trust", 0.1, 0.0, 0.25,
      _EFFECT + "Trust added by a fully implemented non-punishment provision."),
    P("anti_corruption_effect", "Corruption removed by anti-corruption", "share", 0.7, 0.0,
      0.9, _EFFECT + "Share of corruption that full anti-corruption effort removes."),
    P("awareness_recruitment", "Recruitment prevented by awareness", "share", 0.6, -0.2, 0.8,
      _EFFECT + "Share of recruitment that full awareness coverage prevents in an origin "
      "(negative: a campaign that backfires and raises it).", bounds=(-1.0, 1.0)),
    P("awareness_self_referral", "Self-referral from awareness", "x hazard", 2.0, 0.0, 4.0,
      _EFFECT + "Full awareness coverage multiplies self-referral by (1 + this).",
      bounds=(0.0, 20.0)),
    P("awareness_retrafficking", "Re-trafficking prevented by awareness", "share", 0.5, 0.0,
      0.8, _EFFECT + "Share of the re-trafficking hazard that full awareness in the "
      "person's origin prevents."),
    P("evidence_digital", "Evidence from digital forensics", "x routine evidence", 1.0, 0.0,
      1.5, _EFFECT + "Full digital forensics capability adds this to the rate at which a case "
      "gathers evidence, relative to routine work.", bounds=(0.0, 10.0)),
    P("evidence_financial", "Evidence from financial investigation", "x routine evidence", 0.6,
      0.0, 1.0, _EFFECT + "What full financial investigation adds to the evidence rate.",
      bounds=(0.0, 10.0)),
    P("evidence_undercover", "Evidence from undercover work", "x routine evidence", 0.8, 0.0,
      1.2, _EFFECT + "What full undercover capability adds to the evidence rate of a "
      "proactive case.", bounds=(0.0, 10.0)),
    P("reach_leader_digital", "Leaders reached by digital forensics", "probability", 0.3, 0.0,
      0.5, _EFFECT + "What full digital capability adds to a case's reach to leaders."),
    P("reach_leader_financial", "Leaders reached by financial investigation", "probability",
      0.5, 0.0, 0.7, _EFFECT + "What full financial capability adds to the reach to leaders."),
    P("reach_transporter_digital", "Transporters reached by digital forensics", "probability",
      0.4, 0.0, 0.6, _EFFECT + "What full digital capability adds to the reach to "
      "transporters."),
    P("reach_recruiter_digital", "Recruiters reached by digital forensics", "probability", 0.2,
      0.0, 0.4, _EFFECT + "What full digital capability adds to the reach to recruiters."),
    P("mla_effect", "Cross-border success from legal assistance", "relative", 0.7, 0.0, 0.9,
      _EFFECT + "What full mutual legal assistance adds to the share of the arrest chance "
      "that survives a cross-border request."),
    P("extradition_effect", "Surrender from extradition", "relative", 0.9, 0.0, 1.0,
      _EFFECT + "What full extradition adds to the share of the arrest chance that survives "
      "a cross-border request."),
    P("joint_investigation_effect", "Cooperation raised by joint teams", "share of the gap",
      0.5, 0.0, 0.8, _EFFECT + "Full joint investigation teams close this share of the gap "
      "between each cooperation lever and 1.",
      source="assumption; Eurojust JIT evaluations describe faster evidence exchange, not "
             "its size"),
    P("joint_delay_effect", "Delay cut by joint teams", "share", 0.5, 0.0, 0.8,
      _EFFECT + "Share of the cross-border delay that full joint investigation teams remove."),
    P("charge_specialised", "Charges from specialised prosecution", "probability", 0.1, 0.0,
      0.25, _EFFECT + "What full specialised prosecution adds to the chance of a charge."),
    P("trial_specialised", "Trial time cut by specialised prosecution", "share", 0.3, 0.0, 0.5,
      _EFFECT + "Share of the time from charge to verdict that full specialisation removes."),
    P("conviction_specialised", "Convictions from specialised prosecution", "probability",
      0.2, 0.0, 0.35, _EFFECT + "What full specialised prosecution adds to the chance of "
      "conviction."),
    P("forfeiture_financial", "Assets found by financial investigation", "relative", 0.7, 0.0,
      0.9, _EFFECT + "What full financial investigation adds to the share of forfeitable "
      "assets found."),
    P("online_identification_rate", "Identification by online monitoring",
      "per victim-week at full effective monitoring", 0.0005, 0.0, 0.002,
      _EFFECT + "Weekly chance that monitoring finds a victim recruited online, exploited "
      "where it runs at full capability with full platform cooperation.", bounds=(0.0, 0.1)),
    P("online_evidence", "Evidence from online traces", "0-1 evidence", 0.2, 0.0, 0.4,
      _EFFECT + "Evidence full effective monitoring adds to a case against a network that "
      "recruits wholly online."),
    P("online_reach_recruiter", "Recruiters reached through online traces", "probability",
      0.2, 0.0, 0.4, _EFFECT + "What full effective monitoring adds to a case's reach to "
      "recruiters of a network that recruits wholly online."),
    P("permit_self_referral", "Self-referral from a residence permit", "share", 0.3, 0.0, 1.0,
      _EFFECT + "How much a secure residence permit raises victims' coming forward.",
      bounds=(0.0, 10.0)),
    P("compensation_self_referral", "Self-referral from compensation", "share", 0.2, 0.0, 0.5,
      _EFFECT + "How much full compensation coverage raises victims' coming forward.",
      bounds=(0.0, 10.0)),
    P("permit_testimony_conditional", "Testimony from a conditional permit", "share", 0.3,
      0.0, 0.6, _EFFECT + "How much a permit conditional on cooperation raises testimony "
      "(cooperation is its price).", bounds=(0.0, 10.0)),
    P("permit_testimony_unconditional", "Testimony from an unconditional permit", "share",
      0.15, 0.0, 0.4, _EFFECT + "How much a secure, unconditional permit raises testimony "
      "(safety and time to recover).", bounds=(0.0, 10.0)),
    P("compensation_testimony", "Testimony from compensation", "share", 0.3, 0.0, 0.6,
      _EFFECT + "How much full compensation coverage raises testimony (claims go through the "
      "proceedings).", bounds=(0.0, 10.0)),
)

_group(
    "lever_effects",
    P("sex_purchase_ban_effect", "Demand deterred by criminalising the purchase of sex",
      "share of sexual-exploitation demand", 0.25, 0.0, 0.5,
      _EFFECT + "Share of the demand for sexual exploitation that a purchase ban deters at "
      "full enforcement, at a fixed price (ODD 6.4).",
      source="Vista Analyse 2014 (Norway): prostitution about 25% below 2008, indoor 10-20%, "
             "Oslo street 45-60%; SOU 2010:49 (Sweden): street prostitution halved; both "
             "contested (Holmstrom and Skilbrei 2017)"),
    P("due_diligence_effect", "Demand deterred by a supply-chain due diligence duty",
      "share of forced-labour demand", 0.05, 0.0, 0.2,
      _EFFECT + "Share of the demand for forced labour that a full due diligence duty deters, "
      "at a fixed price.",
      source="assumption: reviews of UK MSA s.54 find little change in corporate behaviour "
             "(Field et al. 2019; Hsin et al. 2021); no evaluation of an effect on forced "
             "labour"),
    P("import_ban_effect", "Demand deterred by a forced-labour import ban",
      "share of forced-labour demand", 0.1, 0.0, 0.3,
      _EFFECT + "Share of the demand for forced labour that a fully enforced import ban "
      "deters, at a fixed price.",
      source="assumption: US customs detained thousands of shipments under the UFLPA; no "
             "evaluation of an effect on forced labour, and goods are reported diverted"),
    P("procurement_effect", "Demand deterred by public procurement rules",
      "share of forced-labour demand", 0.03, 0.0, 0.1,
      _EFFECT + "Share of the demand for forced labour that full anti-trafficking procurement "
      "rules deter (public contracts are a small part of demand), at a fixed price.",
      source="assumption: GAO-24-106973 finds the US rule applied unevenly; no evaluation"),
    P("demand_displacement_places", "Deterred demand displaced to other jurisdictions",
      "share of deterred demand", 0.3, 0.0, 0.6,
      _EFFECT + "Share of the demand that buyer-side levers deter which reappears in the same "
      "form in the region's other jurisdictions (buyers travel, goods are diverted).",
      source="assumption: Vista Analyse 2014 reports relatively more foreign buyers; reports on "
             "the UFLPA describe goods diverted to other markets; no measured share"),
    P("demand_displacement_forms", "Deterred demand displaced to other forms",
      "share of deterred demand", 0.05, 0.0, 0.2,
      _EFFECT + "Share of the demand that buyer-side levers deter which reappears in the "
      "jurisdiction's other forms of exploitation."),
)

CALIBRATED = (
    "self_referral_hazard", "police_encounter_rate",
    "ngo_contact_rate", "case_evidence_rate", "testimony_evidence",
    "intimidation", "network_entry_rate", "escape_hazard", "self_referral_trust_offset",
    "charge_base", "visibility_self_labour", "child_protection_rate", "health_services_rate",
    "visibility_police_child", "visibility_self_child", "visibility_ngo_child",
)
"""The parameters the shipped baseline calibration fits (``fit`` in
scenarios/calibration/baseline.toml; a test keeps the two lists equal): their source says so,
since their values in a batch come from the calibrated ensemble, not from the default."""
_CALIBRATED_SOURCE = ("calibrated by ABC-SMC to published patterns (scenarios/calibration/"
                      "baseline.toml, targets from UNODC GLOTIP 2022, US TIP Reports and ILO/"
                      "Walk Free/IOM 2022); the default and range are the prior's")

PARAMETERS: dict[str, Parameter] = {
    p.name: (replace(p, source=_CALIBRATED_SOURCE) if p.name in CALIBRATED else p)
    for p in _TABLE}
"""Every parameter by name, in the order of :data:`GROUPS`."""

INTEGER_PARAMETERS = tuple(n for n, p in PARAMETERS.items() if p.integer)


def in_group(group: str) -> list[str]:
    """The names of the parameters in ``group`` (one of :data:`GROUPS`)."""
    return [n for n, p in PARAMETERS.items() if p.group == group]


def resolve_parameter_names(names: list[str]) -> list[str]:
    """Expand ``"group.*"`` to the group's parameters and ``"group.name"`` to ``"name"``;
    other names pass through unchanged (the caller checks them). Raises ``KeyError`` naming an
    unknown group."""
    out: list[str] = []
    for name in names:
        if name.endswith(".*"):
            group = name[:-2]
            if group not in GROUPS:
                raise KeyError(f"unknown parameter group {group!r} (groups: "
                               f"{', '.join(GROUPS)})")
            out += [n for n in in_group(group) if n not in out]
            continue
        head, _, tail = name.partition(".")
        if tail and head in GROUPS and tail in PARAMETERS and PARAMETERS[tail].group == head:
            name = tail
        if name not in out:
            out.append(name)
    return out


def run_values(values: dict[str, float]) -> dict[str, float]:
    """Parameter values as a run uses them: integer parameters rounded to whole numbers."""
    out = dict(values)
    for name in INTEGER_PARAMETERS:
        if name in out:
            out[name] = int(round(out[name]))
    return out
