"""The model layer (docs/architecture.md): the model, its inputs and one run.

The model itself (:mod:`simulation.model.trafficking_model`: :class:`TraffickingModel`), its
processes (:mod:`simulation.model.processes`), agents, events, calendars, records, random
streams and outcomes; its inputs (the registry of levers and outcomes, the parameter table, the
evidence map, scenarios, the country data and published lists); one run
(:mod:`simulation.model.runner`); and what every layer uses (errors, files, seeds, limits,
display). A module here imports from this layer only.

``from simulation.model import TraffickingModel`` (or ``BASELINE``, ``SCENARIOS``) loads the
model on first use, so that importing a light module of this layer (``simulation.model.errors``)
does not load Mesa, pandas and scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.model.trafficking_model import BASELINE, SCENARIOS, TraffickingModel

_ON_FIRST_USE = ("BASELINE", "SCENARIOS", "TraffickingModel")


def __getattr__(name: str):
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module 'simulation.model' has no attribute {name!r}")
    from simulation.model import trafficking_model

    value = getattr(trafficking_model, name)
    globals()[name] = value
    return value


__all__ = ["BASELINE", "SCENARIOS", "TraffickingModel"]
