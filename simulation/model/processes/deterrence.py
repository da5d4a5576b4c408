"""Deterrence (ODD 6.11): traffickers' perceived certainty and severity of punishment, learned
from what they see, and the expected sanction that lowers recruitment, market value and entry
and raises desistance (those two are in :mod:`turnover`).

Monthly (step 11). Perceptions are per jurisdiction (shared street knowledge), held by the
model as :class:`Perceptions` (``model.perceptions``): ``certainty`` (perceived yearly chance
of conviction), ``perceived_sentence`` (years) and ``severity`` (the discounted weight of that
sentence).
"""

from __future__ import annotations


from dataclasses import dataclass, field

import numpy as np

from simulation.model import fmath
from simulation.model.clock import MONTHS_PER_YEAR

READS = ("active_traffickers", "jurisdictions", "params")
CHANGES = ("perceptions",)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

def discounted(k: float, sentence):
    """Hyperbolic discounting: a sentence of S years weighs ln(1 + kS) / k."""
    return fmath.log1p_all(k * np.asarray(sentence, dtype=float)) / k


@dataclass
class Perceptions:
    """What traffickers in each jurisdiction (by index) believe about punishment, and what they
    have seen since the last monthly update. Owned by the model (``model.perceptions``),
    changed only here."""

    certainty: np.ndarray  # perceived yearly chance of conviction
    perceived_sentence: np.ndarray  # years
    severity: np.ndarray  # the discounted weight of that sentence
    seen_arrests: np.ndarray
    seen_convictions: np.ndarray
    seen_sentences: np.ndarray  # years handed down, summed
    certainty_of: list[float] = field(default_factory=list)  # plain-float copies, read per
    severity_of: list[float] = field(default_factory=list)  # network (see renew_copies)

    def renew_copies(self) -> None:
        """Plain-float copies of certainty and severity (the one place they are renewed)."""
        self.certainty_of = self.certainty.tolist()
        self.severity_of = self.severity.tolist()


def start_perceptions(model) -> Perceptions:
    """Before anything is seen: ``prior_certainty`` everywhere, and each jurisdiction's
    sentence lever as the perceived sentence."""
    n = len(model.jurisdictions)
    sentence = np.array([j.levers["sentence_years"] for j in model.jurisdictions], dtype=float)
    perceptions = Perceptions(np.full(n, model.params["prior_certainty"]), sentence,
                              discounted(model.params["discount_rate"], sentence),
                              np.zeros(n), np.zeros(n), np.zeros(n))
    perceptions.renew_copies()
    return perceptions


def observe_arrest(model, j: int) -> None:
    model.perceptions.seen_arrests[j] += 1


def observe_conviction(model, j: int, years: float) -> None:
    seen = model.perceptions
    seen.seen_convictions[j] += 1
    seen.seen_sentences[j] += years


def expected_sanction(model, network, j: int) -> float:
    """Expected discounted prison-years per year of work in ``j`` for ``network``'s members:
    (certainty there + ``hit_certainty`` x remembered own losses) x severity there."""
    seen = model.perceptions
    return ((seen.certainty_of[j] + model.params["hit_certainty"] * network.hits)
            * seen.severity_of[j])


def update_perceptions(model) -> None:
    """Monthly: perceived certainty follows the arrests (weighted ``arrest_signal``) and
    convictions seen among peers in each jurisdiction, per year; the perceived sentence
    follows the sentences handed down; both by exponential smoothing (``risk_update_rate``)."""
    p = model.params
    rate = p["risk_update_rate"]
    seen = model.perceptions
    active = np.maximum(model.active_traffickers, 1)
    # a monthly count x MONTHS_PER_YEAR is a yearly rate (simulation.model.clock)
    signal = ((seen.seen_convictions + p["arrest_signal"] * seen.seen_arrests)
              * MONTHS_PER_YEAR / active)
    seen.certainty += rate * (signal - seen.certainty)
    convicted = seen.seen_convictions > 0
    mean_sentence = np.divide(seen.seen_sentences, seen.seen_convictions,
                              out=np.zeros_like(seen.seen_sentences), where=convicted)
    seen.perceived_sentence[convicted] += rate * (mean_sentence[convicted]
                                                  - seen.perceived_sentence[convicted])
    seen.severity = discounted(p["discount_rate"], seen.perceived_sentence)
    seen.renew_copies()
    seen.seen_arrests[:] = 0
    seen.seen_convictions[:] = 0
    seen.seen_sentences[:] = 0
