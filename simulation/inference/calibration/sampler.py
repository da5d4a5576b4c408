"""A pyabc sampler whose populations depend on the seed alone.

pyabc's parallel samplers keep whichever particles finish first, and reseed each worker from
the operating system, so two runs with the same seed give different ensembles. This one is
pyabc's ``MappingSampler`` with two changes: each task gets its seed from
:func:`~simulation.model.seeds.task_seed` (the calibration's seed, the generation, the task's
index), results are gathered in task order, and pyabc's cap on a generation's runs
(``population / min_acceptance_rate``) is counted in that order too. Any ordered map works: this
process, a ``ProcessPoolExecutor`` or a Dask client. The cost is that a generation waits for its
slowest task (pyabc's documentation of MappingSampler says the same).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import numpy as np
from pyabc.sampler import MappingSampler

from simulation.model.seeds import task_seed


class OrderedSampler(MappingSampler):
    """pyabc's MappingSampler with seeded tasks: task *i* of generation *t* seeds numpy and
    Python's ``random`` with :func:`task_seed` before it samples until it has one accepted
    particle, and the tasks' results are gathered in task order. So the population depends
    on the seed and the previous population only, never on which worker was quicker."""

    def __init__(self, map_, seed: int, progress: Callable | None = None):
        super().__init__(map_=map_, mapper_pickles=False)
        self.seed = seed
        self.progress = progress

    def map_function(self, simulate_one, seed):  # runs in the worker
        simulate_one = self.unpickle(simulate_one)
        np.random.seed(seed)
        random.seed(seed)
        evaluations = 0
        sample = self._create_empty_sample()
        while True:
            particle = simulate_one()
            evaluations += 1
            sample.append(particle)
            if particle.accepted:
                return sample, evaluations

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        fn = functools.partial(self.map_function, self.pickle(simulate_one))
        seeds = [task_seed(self.seed, t, i) for i in range(n)]
        sample, evaluations = self._create_empty_sample(), 0
        for done, (part, count) in enumerate(self.map_(fn, seeds), start=1):
            sample += part
            evaluations += count
            if self.progress is not None:
                self.progress(t, done, n, evaluations)
            if evaluations > max_eval and done < n:
                # pyabc's max_eval (population / min_acceptance_rate), counted in task order
                # so that where a generation stops does not depend on timing: the generation is
                # abandoned and pyabc stops with the previous population as the result
                sample.ok = False
                break
        self.nr_evaluations_ = evaluations
        return sample
