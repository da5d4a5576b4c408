"""The stylised-facts file (``scenarios/calibration/stylised_facts.toml``): qualitative patterns
from the literature, each with a rule the credibility page checks on a batch
(:mod:`simulation.inference.credibility`); :func:`load_facts` reads and checks the file and
describes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulation.model.errors import UserError, explain
from simulation.model.files import read_toml

CHECKS = ("compare", "effect")
"""The kinds of stylised-fact rule: ``compare`` two quantities of the baseline, or the
``effect`` of a policy scenario against the baseline."""
RELATIONS = ("less", "greater")
DIRECTIONS = ("increase", "decrease")
QUANTITY_FIELDS = ("outcome", "ratio", "jurisdiction", "form", "group", "share_of_region")
"""What a quantity of a stylised fact may say: the quantity fields of a calibration target."""
FACT_FIELDS = {"compare": ("left", "relation", "right"),
               "effect": ("scenario", "quantity", "direction")}
COMMON_FIELDS = ("statement", "source", "note", "basis", "basis_reason", "check")
MAX_FILE_BYTES = 1_000_000
CONFIDENCE = 0.95
"""An ``effect`` rule holds when the paired difference's interval at this level lies on its side."""


class FactsError(UserError, ValueError):
    """A mistake in a stylised-facts file: the message names the file, the field and what is
    allowed."""


def library_folder() -> Path:
    """The shipped calibration files' folder (``scenarios/calibration``)."""
    from simulation.model.trafficking_model import SCENARIOS

    return SCENARIOS / "calibration"


def shipped_files() -> dict[str, Path]:
    """The files the credibility page reads by default: the baseline's targets (fitted and
    held out), the out-of-sample checks and the stylised facts."""
    folder = library_folder()
    return {"targets": folder / "baseline_targets.toml",
            "out_of_sample": folder / "forms_and_groups_targets.toml",
            "stylised_facts": folder / "stylised_facts.toml"}


# -- stylised facts: the file ------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One stylised fact: a pattern in words, who reported it, and a rule to check it.

    ``left``, ``right`` and ``quantity`` are quantities (a
    :class:`~simulation.inference.calibration.targets.Target` used for its quantity only) or, for
    ``left`` and ``right``, plain numbers."""

    name: str
    statement: str
    source: str
    check: str
    note: str = ""
    basis: str = "emergent"
    basis_reason: str = ""
    left: Any = None
    relation: str | None = None
    right: Any = None
    scenario: str | None = None
    quantity: Any = None
    direction: str | None = None

    def rule(self, baseline: str = "baseline") -> str:
        """The rule in words."""
        if self.check == "compare":
            word = "below" if self.relation == "less" else "above"
            return (f"{words(self.left)} is {word} {words(self.right)} in the {baseline} "
                    "runs (medians over runs)")
        word = "raises" if self.direction == "increase" else "lowers"
        return (f"{self.scenario} {word} {words(self.quantity)} against {baseline} (the mean "
                f"paired difference's {CONFIDENCE:.0%} interval lies "
                f"{'above' if self.direction == 'increase' else 'below'} zero)")


def load_facts(path: str | Path) -> tuple[Fact, ...]:
    """Read a stylised-facts file; one :class:`FactsError` names the file and the field of the
    first mistake, and what is allowed there.

    The file has an optional ``title`` and one table per fact under ``[facts]``::

        [facts.self_referral_ahead_of_police]
        statement = "More identified victims come forward on their own than police find."
        source = "UNODC GLOTIP 2022: 41% self-initiated, 28% by law enforcement"
        note = "..."                            # optional
        basis = "fitted"                        # or "by_construction", "emergent" (required)
        basis_reason = "the ordering of two fitted shares"   # one line: why (required)
        check = "compare"                       # medians over the baseline runs
        left = {outcome = "identified_self"}    # a quantity, or a number
        relation = "greater"                    # or "less"
        right = {outcome = "identified_police"}

        [facts.crackdown_displaces_exploitation]
        ...
        check = "effect"                        # a policy scenario against the baseline
        scenario = "crackdown_destination_a"
        quantity = {outcome = "victim_weeks_exploited", jurisdiction = "destination_b"}
        direction = "increase"                  # or "decrease"

    A quantity is written as a calibration target's quantity (docs/calibration.md):
    ``outcome = "name"`` or ``ratio = [a, b]``, with at most one of ``jurisdiction``, ``form``
    or ``group``, and ``share_of_region = true`` to read a ratio's numerator there and its
    denominator in the region. Flows are per year and at scale 1, as for targets."""
    path = Path(path)
    doc = read_toml(path, "a stylised-facts file", FactsError, MAX_FILE_BYTES)
    for key in doc:
        if key not in ("title", "description", "facts"):
            raise FactsError(f"{path}: {key}: unknown field; allowed: title, description, facts")
    facts = doc.get("facts")
    if not isinstance(facts, dict) or not facts:
        raise FactsError(f"{path}: facts: missing or empty; allowed: one table per fact, "
                         "[facts.NAME] with statement, source, check and its rule")
    return tuple(_fact(path, name, table) for name, table in facts.items())


def _fact(path: Path, name: str, table: Any) -> Fact:
    where = f"facts.{name}"

    def fail(field: str, message: str) -> FactsError:
        return FactsError(f"{path}: {where}.{field}: {message}")

    if not isinstance(table, dict):
        raise FactsError(f"{path}: {where}: expected a table [{where}] with statement, source, "
                         "check and its rule")
    check = table.get("check")
    if check not in CHECKS:
        got = "missing (required)" if check is None else f"got {check!r}"
        raise fail("check", f"{got}; allowed: {', '.join(CHECKS)}")
    allowed = COMMON_FIELDS + FACT_FIELDS[check]
    for key in table:
        if key not in allowed:
            raise fail(key, f"unknown field for check = {check!r}; allowed: "
                            f"{', '.join(allowed)}")
    for key in ("statement", "source") + FACT_FIELDS[check]:
        if key not in table:
            raise fail(key, "missing (required)")
    for key in ("statement", "source", "note"):
        value = table.get(key, "")
        if not isinstance(value, str) or (key != "note" and not value.strip()):
            raise fail(key, f"got {value!r}; allowed: text"
                            + (" (not empty)" if key != "note" else ""))
    fields: dict[str, Any] = {"name": name, "statement": table["statement"].strip(),
                              "source": table["source"].strip(), "check": check,
                              "note": table.get("note", "").strip()}
    if check == "compare":
        if table["relation"] not in RELATIONS:
            raise fail("relation", f"got {table['relation']!r}; allowed: {', '.join(RELATIONS)}")
        left = _side(path, f"{where}.left", table["left"], numbers=True)
        right = _side(path, f"{where}.right", table["right"], numbers=True)
        if isinstance(left, float) and isinstance(right, float):
            raise fail("left", "both sides are numbers; allowed: at least one side a quantity "
                               "(a table with outcome or ratio)")
        fields |= {"left": left, "relation": table["relation"], "right": right}
    else:
        scenario = table["scenario"]
        if not isinstance(scenario, str) or not scenario.strip():
            raise fail("scenario", f"got {scenario!r}; allowed: the name of a scenario")
        if table["direction"] not in DIRECTIONS:
            raise fail("direction", f"got {table['direction']!r}; allowed: "
                                    f"{', '.join(DIRECTIONS)}")
        fields |= {"scenario": scenario.strip(), "direction": table["direction"],
                   "quantity": _side(path, f"{where}.quantity", table["quantity"],
                                     numbers=False)}
    return Fact(**fields, **_basis(table, fail))


def _basis(table: dict, fail) -> dict[str, str]:
    """What a fact rests on (issue 23): required, one of BASES, with a one-line reason."""
    from simulation.inference.calibration.targets import BASES

    basis = table.get("basis")
    if basis not in BASES:
        got = "missing (required)" if basis is None else f"got {basis!r}"
        raise fail("basis", f"{got}; allowed: {', '.join(BASES)} (what the fact rests on, "
                            "with basis_reason saying why)")
    reason = table.get("basis_reason")
    if not isinstance(reason, str) or not reason.strip():
        got = "missing (required)" if reason is None else f"got {reason!r}"
        raise fail("basis_reason", f"{got}; allowed: one line saying why the fact holds "
                                   f"{basis.replace('_', ' ')}" + (" (or, for emergent, why it "
                                                                   "is independent)"
                                                                   if basis == "emergent"
                                                                   else ""))
    return {"basis": basis, "basis_reason": reason.strip()}


def _side(path: Path, where: str, value: Any, numbers: bool):
    """A quantity (a Target used for its quantity only) or, where allowed, a number."""
    from simulation.inference.calibration.targets import Target

    allowed = ("a table with outcome or ratio (and at most one of jurisdiction, form, group; "
               "share_of_region)" + (", or a number" if numbers else ""))
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise FactsError(f"{path}: {where}: got {value}; allowed: {allowed}")
        return float(value)
    if not isinstance(value, dict):
        raise FactsError(f"{path}: {where}: got {value!r}; allowed: {allowed}")
    for key in value:
        if key not in QUANTITY_FIELDS:
            raise FactsError(f"{path}: {where}.{key}: unknown field; allowed: "
                             f"{', '.join(QUANTITY_FIELDS)}")
    try:  # a Target's quantity rules, messages and arithmetic; its uncertainty is a placeholder
        return Target.model_validate({**value, "name": where, "mean": 0.0, "sd": 1.0,
                                      "source": "stylised fact"})
    except ValidationError as exc:
        raise FactsError(f"{path}: {explain(exc, prefix=where)}") from None


def words(side: Any) -> str:
    """One side of a rule (a quantity or a number) as the page says it."""
    return f"{side:g}" if isinstance(side, float) else side.description


__all__ = ["Fact", "FactsError", "library_folder", "load_facts", "shipped_files", "words"]
