"""Is a held-out check really held out? (issue 23)

A check is independent of the fitted targets only if it is neither the same statistic as one
nor an arithmetic function of fitted quantities. :func:`dependence` finds both, from what each
target measures, without running the model:

- each target's quantity is written as a relation between two model quantities (an outcome in
  a place: the region, a jurisdiction, a form or a victim group): a ratio or share ``a / b``
  links ``a`` to ``b``; a level (victims identified a year) links the quantity to the constant
  1; an outcome that is itself a ratio of two outcomes (:data:`RATIO_OUTCOMES`) is read as that
  ratio; a numerator that sums several outcomes is a quantity of its own, tied to its parts
  by an identity like those of :data:`SUMS`;
- fitted targets join their quantities; so does an accounting identity (:data:`SUMS`) when all
  but one of its terms are already joined: the last is then the total minus the others;
- the fitted targets named in a finding are those along the shortest chain of joins;
- a check ``a / b`` follows from the fitted targets when ``a`` and ``b`` are joined (its value
  is a product or quotient of fitted values, or one minus a sum of them); a level when it is
  joined to the constant.

This finds, for instance, that ``identification_rate`` is the fitted identification rate,
that ``identified_inspection / victims_identified`` is one minus the three fitted channel
shares, and that identified victims over victims in exploitation in a jurisdiction follows from
fitted levels of both. It cannot know what the model makes true by its rules (that is what
``basis = "by_construction"`` says, with its reason); it only refuses arithmetic dependence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

RATIO_OUTCOMES = {
    "conviction_ratio": ("convictions", "prosecutions"),
    "identification_rate": ("victims_identified", "victims_in_exploitation"),
    "convictions_per_identified_victim": ("convictions", "victims_identified"),
}
"""Outcomes that are ratios of two other outcomes, as simulation/model/outcomes.py computes them
(``identification_rate`` is identified victims per year over the mean number in exploitation;
per-year scaling is a constant and does not change what follows from what).
tests/test_independence.py checks each against a run."""

SUMS = {
    "victims_identified": ("identified_police", "identified_ngo", "identified_inspection",
                           "identified_self", "identified_border", "identified_health",
                           "identified_child_protection"),
}
"""Accounting identities: each identified (confirmed) victim is counted under exactly one
channel, the first responder that referred them (simulation/model/processes/confirmation.py,
``confirm``). tests/test_independence.py checks the
identity on a run."""

ONE = ("1", "")  # the constant: a fitted level is known relative to it


def _place(target: Any) -> str:
    for field in ("jurisdiction", "form", "group"):
        value = getattr(target, field, None)
        if value is not None:
            return f"{field}:{value}"
    return "region"


def _quantity(target: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two nodes a target relates: (numerator, denominator), or (level, ONE)."""
    place = _place(target)
    statistic = getattr(target, "statistic", None)
    if statistic is not None:  # a statistic of the records: a quantity of its own
        return (statistic, place), ONE
    if target.outcome is not None:
        pair = RATIO_OUTCOMES.get(target.outcome)
        if pair is None:
            return (target.outcome, place), ONE
        return (pair[0], place), (pair[1], place)
    return ((_sum_name(target.numerator), place),
            (target.denominator, "region" if target.share_of_region else place))


def _sum_name(parts: tuple[str, ...]) -> str:
    """The node of a numerator: an outcome, or the sum of several (``a+b``)."""
    return "+".join(parts)


class _Joined:
    """Model quantities joined by fitted targets: an undirected graph whose edges carry the
    names of the fitted targets that join their ends."""

    def __init__(self):
        self.edges: dict = {}

    def join(self, a, b, names: Iterable[str]) -> None:
        for x, y in ((a, b), (b, a)):
            self.edges.setdefault(x, {}).setdefault(y, set()).update(names)

    def path(self, a, b) -> set[str] | None:
        """The fitted targets along a shortest path from ``a`` to ``b`` (None: not joined)."""
        if a == b:
            return set()
        came = {a: None}
        queue = [a]
        while queue:
            node = queue.pop(0)
            for other in self.edges.get(node, {}):
                if other in came:
                    continue
                came[other] = node
                if other == b:
                    names: set[str] = set()
                    while came[other] is not None:
                        names |= self.edges[came[other]][other]
                        other = came[other]
                    return names
                queue.append(other)
        return None


def _joined(fitted: Iterable[Any], check: Any = None) -> _Joined:
    graph = _Joined()
    places = {"region"}
    identities: list[tuple[str, tuple[str, ...]]] = list(SUMS.items())  # (total, parts)
    for t in [*fitted, *([check] if check is not None else [])]:
        parts = getattr(t, "numerator", ())
        if len(parts) > 1:  # a summed numerator is an identity too ...
            identities.append((_sum_name(parts), parts))
            for total, all_parts in SUMS.items():  # ... and stands for its parts in a larger one
                if set(parts) < set(all_parts):
                    rest = tuple(p for p in all_parts if p not in parts)
                    identities.append((total, (_sum_name(parts), *rest)))
    for t in fitted:
        a, b = _quantity(t)
        graph.join(a, b, [t.name])
        places |= {a[1], b[1]} - {""}
    changed = True
    while changed:  # an identity joins its last term once all the others are joined
        changed = False
        for place in places:
            for total, parts in identities:
                terms = [(total, place)] + [(p, place) for p in parts]
                for i, node in enumerate(terms):
                    others = [n for j, n in enumerate(terms) if j != i]
                    names = _joined_names(graph, others)
                    if names is not None and graph.path(others[0], node) is None:
                        graph.join(others[0], node, names)
                        changed = True
    return graph


def _joined_names(graph: _Joined, nodes: list) -> set[str] | None:
    """The fitted targets joining all ``nodes`` to the first (None: not all joined)."""
    names: set[str] = set()
    for node in nodes[1:]:
        path = graph.path(nodes[0], node)
        if path is None:
            return None
        names |= path
    return names


def dependence(check: Any, fitted: Iterable[Any]) -> str | None:
    """Why ``check`` is not independent of the ``fitted`` targets, in words; None when it is
    neither the same statistic as one nor an arithmetic function of them."""
    fitted = list(fitted)
    a, b = _quantity(check)
    for t in fitted:
        if _quantity(t) == (a, b):
            return f"the same statistic as fitted target {t.name!r}"
    names = _joined(fitted, check).path(a, b)
    if names is not None:
        return ("an arithmetic function of fitted targets "
                + ", ".join(repr(n) for n in sorted(names)))
    return None
