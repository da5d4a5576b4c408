"""How big a request may be, estimated before any work starts.

A scenario, an experiment or a command-line option can be valid one by one and still ask for
more than a machine can give: ``demand = 1e7`` per market makes tens of millions of victims,
``replications = 1e9`` a billion runs. Such requests are refused at once, with the estimate and
the limit in the message; ``--allow-large`` (``allow_large=True``) runs them anyway, for those
who know their machine.

The estimates (measured on the development machine, tipsim 0.x, Python 3.12):

- victims a run holds: the scenario's demand summed over markets, times its scale (markets
  fill up to their demand: the baseline at scale 1 has a demand of 9,160 and held 5,140 victims
  in exploitation on average over a two-year run);
- a run's peak memory: 200 MiB for the interpreter and libraries (211 MiB measured for a
  two-year baseline run at scale 1) plus 3 KiB per victim of demand for a 12-year run (354 MiB
  measured at scale 8: 73,280 victims of demand, 624 weeks, so 2.2 KiB each, rounded up),
  growing with the weeks simulated (the run keeps its history);
- a batch's runs: scenarios x design points x replications, counted without building the
  design (at about 1 to 3 s a run on one core, a million runs is days of a whole machine).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from simulation.model.errors import UserError

MAX_RUNS = 1_000_000
BASE_BYTES = 200 * 2**20
BYTES_PER_VICTIM = 3 * 2**10
MEASURED_WEEKS = 624
ADVICE = "--allow-large runs it anyway"


class TooLargeError(UserError):
    """A request that would not fit or not finish."""


def cores() -> int:
    """The CPUs this process may run on: its affinity (set by ``taskset``, a cluster's job
    scheduler or a container's cpuset), which is what worker processes can use. The machine's
    count (``os.cpu_count``) can be many more: on a cluster node with 4 of its 64 cores given to
    the job, 64 workers would share 4 cores. Python 3.13's ``os.process_cpu_count`` where there
    is one, the affinity mask elsewhere on Linux, the machine's count where the OS has neither."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def memory_bytes() -> int:
    """The memory this process may use: the machine's physical memory, or the limit of its
    control group when that is lower (a container's ``--memory``, a cluster job's memory under
    a scheduler that enforces it with cgroups, as SLURM and Kubernetes do)."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 * 2**30  # a guess where the OS does not say
    limit = cgroup_memory_limit()
    return min(physical, limit) if limit else physical


PROC_CGROUP = Path("/proc/self/cgroup")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_memory_limit() -> int | None:
    """The memory limit of this process's control group in bytes, ``None`` where there is none
    to read (not Linux, no limit set): cgroup v2's ``memory.max`` or v1's
    ``memory.limit_in_bytes``, of the process's own group and of the hierarchy's root, the
    lowest that is a number (v2 writes ``max`` for no limit, v1 a number near 2**63). Dask reads
    the same files for its workers' memory limit (``distributed.system.memory_limit``)."""
    try:
        lines = PROC_CGROUP.read_text().splitlines()
    except OSError:
        return None
    files = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        group = group.strip().lstrip("/")
        if controllers == "":  # the v2 hierarchy
            files += [CGROUP_ROOT / group / "memory.max", CGROUP_ROOT / "memory.max"]
        elif "memory" in controllers.split(","):  # v1's memory controller
            files += [CGROUP_ROOT / "memory" / group / "memory.limit_in_bytes",
                      CGROUP_ROOT / "memory" / "memory.limit_in_bytes"]
    limits = []
    for file in files:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) > 0:
            limits.append(int(text))
    return min(limits) if limits else None


def victims(scenario) -> float:
    """Victims of demand a run of ``scenario`` holds (demand summed over markets x scale)."""
    return sum(sum(j.demand.values()) for j in scenario.jurisdictions) * scenario.scale


def run_bytes(scenario, weeks: int | None = None) -> float:
    """Estimated peak memory of one run of ``scenario`` (``weeks``: its policy weeks)."""
    total_weeks = (scenario.weeks if weeks is None else weeks) + scenario.burn_in_weeks
    return BASE_BYTES + victims(scenario) * BYTES_PER_VICTIM * max(1.0, total_weeks
                                                                   / MEASURED_WEEKS)


def check_run(scenario, weeks: int | None = None, *, where: str = "", workers: int = 1) -> float:
    """Refuse a run (or ``workers`` runs at once) that would not fit in this machine's memory;
    return the estimated bytes of one run."""
    need, have = run_bytes(scenario, weeks), memory_bytes()
    if workers * need > have:
        at_once = f"{workers} runs at once, " if workers > 1 else ""
        raise TooLargeError(
            f"{where or scenario.source or scenario.name}: scenario {scenario.name!r} at scale "
            f"{scenario.scale:g} holds about {victims(scenario):,.0f} victims, about "
            f"{_gib(need)} of memory per run ({at_once}estimated); this machine has "
            f"{_gib(have)}; allowed: a smaller demand or scale ({ADVICE})")
    return need


def design_points(experiment) -> int:
    """How many design points ``experiment`` has (under [uncertainty], parameter draws),
    counted without building its design."""
    if experiment.uncertainty is not None:
        return experiment.uncertainty.draws
    d = experiment.design
    if d is None:
        return 1
    ranges = experiment.input_ranges
    k = len(ranges)
    if d.method == "grid":
        return math.prod(len(r["values"]) if "values" in r else r["points"]
                         for r in ranges.values())
    if d.method == "lhs":
        return d.samples
    if d.method == "sobol":
        return d.samples * (2 * k + 2 if d.second_order else k + 2)
    return d.samples * (k + 1)  # morris: a trajectory has k + 1 points


def check_runs(experiment, where: str) -> int:
    """Refuse an experiment of more than ``MAX_RUNS`` runs; return its number of runs."""
    points = design_points(experiment)
    runs = len(experiment.scenarios) * points * experiment.replications
    if runs > MAX_RUNS:
        kind = "parameter draws" if experiment.uncertainty is not None else "design points"
        raise TooLargeError(
            f"{where}: {runs:,} runs ({len(experiment.scenarios)} scenarios x {points:,} {kind} "
            f"x {experiment.replications:,} replications); allowed: at most "
            f"{MAX_RUNS:,} runs in one batch ({ADVICE})")
    return runs


MAX_RESAMPLES = 10**12  # beyond this numpy cannot index the resamples at all
BOOTSTRAP_COPIES = 4  # the resampled data of two samples, their statistics and temporaries


def bootstrap_bytes(n_resamples: int, n: int) -> float:
    """Estimated peak memory of one bootstrap interval of ``n`` runs (scipy.stats.bootstrap,
    vectorised: every resample is drawn at once as ``n_resamples x n`` float64, for each of the
    two samples of a difference, with as many again in temporaries)."""
    return float(n_resamples) * max(n, 1) * 8 * BOOTSTRAP_COPIES


def check_resamples(n_resamples: int, n: int, where: str = "--resamples") -> float:
    """Refuse a bootstrap that would not fit in half this machine's memory; return its
    estimated bytes."""
    need, have = bootstrap_bytes(n_resamples, n), memory_bytes() / 2
    if need > have:
        raise TooLargeError(
            f"{where} {n_resamples:,}: about {_gib(need)} of memory for the bootstrap of "
            f"{n:,} runs per scenario (estimated); allowed: at most {_gib(have)} (half of this "
            f"machine's memory), so at most {int(have // (max(n, 1) * 8 * BOOTSTRAP_COPIES)):,} "
            f"resamples ({ADVICE})")
    return need


def useful_workers(requested: int, runs: int, run_bytes_each: float) -> int:
    """Worker processes worth starting: no more than the cores this process may use
    (:func:`cores`), the runs to do, or the runs that fit in memory at once."""
    fits = max(1, int(memory_bytes() // max(run_bytes_each, 1)))
    return max(1, min(requested, cores(), runs, fits))


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"
