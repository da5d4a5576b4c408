"""One rule for seeds everywhere: a whole number from 0 to 2^63 - 1.

Scenario files (``run.seed``), experiment files (``seed``), ``simulation.run``/``evaluate`` and
``tipsim run --seed`` all apply it, so a seed that one of them takes is a seed all of them take.
A float (even 1.0), a string ("1") or a bool (True) is refused rather than rounded or converted:
``seed=1.5`` silently meaning seed 1 would make two different requests give one answer.
The upper bound is what a signed 64-bit column in the results store holds.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from simulation.model.errors import UserError

MAX_SEED = 2**63 - 1
ALLOWED = "a whole number from 0 to 9_223_372_036_854_775_807"  # as scenario files say it


class SeedError(UserError, ValueError):
    """A seed outside the rule."""


def check_seed(value: Any, where: str = "seed") -> int:
    """``value`` as a plain int if it is a seed, else :class:`SeedError` naming ``where``.

    >>> check_seed(7)
    7
    >>> check_seed(1.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    simulation.model.seeds.SeedError: seed: got 1.5; allowed: a whole number from 0 to 9_223_372_...
    """
    if problem := seed_problem(value):
        raise SeedError(f"{where}: {problem}")
    return int(value)


def validated_seed(value: Any) -> int:
    """For a file's ``seed`` field (a pydantic validator): ``value`` as a plain int, or a
    ``ValueError`` saying what is allowed (the validator names the field)."""
    if problem := seed_problem(value):
        raise ValueError(problem)
    return int(value)


def seed_problem(value: Any) -> str | None:
    """What is wrong with ``value`` as a seed, or None."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
            or not 0 <= int(value) <= MAX_SEED):
        return f"got {value!r}; allowed: {ALLOWED}"
    return None


def derive_seed(master: int, common_random_numbers: bool, scenario_name: str, point: int,
                replication: int) -> int:
    """A run's seed from the master seed (see :meth:`Experiment.run_seed`); the store checks
    every part's seed with it."""
    key: tuple[int, ...] = (point, replication)
    if not common_random_numbers:
        key = (_name_key(scenario_name),) + key
    state = np.random.SeedSequence(master, spawn_key=key).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def _name_key(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def task_seed(seed: int, generation: int, task: int) -> int:
    """The numpy seed of one task: a child of the calibration's seed keyed by what the task is
    (``generation`` is -1 for pyabc's calibration sample from the prior, -2 for this
    process's own draws)."""
    key = np.random.SeedSequence(seed, spawn_key=(generation + 2, task))
    return int(key.generate_state(1)[0])
