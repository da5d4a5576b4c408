"""Common random numbers: a random stream per decision, keyed by who decides and when (ODD 4,
"Stochasticity").

Every random number the model draws is a pure function of the run's seed, the name of the
decision (``"exit"``, ``"border_check"``, ``"dissolution"``, ...) and the keys of what is being
decided (a victim's key and the week, a network's key and the month, a case's key and a
member's key). No decision consumes numbers from a stream that another shares, so a policy that
changes one process leaves every other process's draws alone, and a victim's draw does not
depend on how many others drew before it: two runs of different scenarios with the same seed
differ only through what the policy changes (common random numbers; Klein, Abeysuriya, Stuart
& Kerr 2024, arXiv:2409.02086, for the same idea in Starsim; Pearson, Klein & Buffalo 2026,
arXiv:2603.11084, for counter-based generators keyed by event).

**The generator** is counter-based: a number is the SplitMix64 finaliser (Steele, Lea & Flood
2014, "Fast splittable pseudorandom number generators", OOPSLA; the mixing function of Java's
``SplittableRandom`` and the seeding step of xoshiro) applied, in a chain, to the decision's key
and each key part: ``x = mix((x ^ part) + 0x9E3779B97F4A7C15)`` for each part, then 53 bits
of ``x`` make a uniform number in (0, 1). numpy's own counter-based generators (Philox) cannot
draw one number per key for an array of keys in one call, which is what a decision over a pool
of victims needs; this chain can, and the scalar and the array versions give the very same
numbers (``tests/test_streams.py`` checks both, and the uniformity and independence of the
numbers).

**Agents' keys** are fixed by how an agent came to be, never by a global counter (Mesa's
``unique_id`` counts every agent made, so one more arrest would shift every later victim's):
a network founded when the region is seeded is keyed by its market and its rank there, one
that enters by the week, market and rank, one split off by its parent and the parent's count
of losses; a victim by the network that recruited them, the week and their rank among that
week's recruits; a trafficker by their network and the rank of their hiring. See
:func:`chain`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from simulation.model import fmath, native

# the hash chain in C where it was built: the same numbers, fewer numpy calls
_hashchain = native.hashchain
COMPILED = _hashchain is not None
"""Whether the hash chain runs in C here (``tipsim --version`` says so); the numbers are the
same either way."""

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_UNIT = 2.0 ** -53
_U64 = np.uint64
RACE_ONE_BY_ONE = 8
"""Races among at most this many candidates draw their numbers one by one (:meth:`Streams.race`):
measured faster than the vectorised pass below about ten candidates."""
PREFIXES_KEPT = 4096
"""At most this many chains of a decision and a small number (:meth:`Streams.uniform`'s cache,
mostly a decision and a week) are kept: a run at scale 8 otherwise ended holding some 20,000."""


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers with full avalanche."""
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def _chain(x: int, *parts: int) -> int:
    """``x`` extended by each part (negative ones too, as two's complement):
    ``x = mix((x ^ part) + GAMMA)``."""
    for part in parts:
        x = _mix(((x ^ (part & MASK)) + GAMMA) & MASK)
    return x


def _unit(x: int, part: int) -> float:
    """The uniform number in (0, 1) of one more step of a chain: 53 bits of
    ``chain(x, part)``."""
    x = ((x ^ (part & MASK)) + GAMMA) & MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    x ^= x >> 31
    return ((x >> 11) + 0.5) * _UNIT


# the definitions above, or the same arithmetic in C where it was built (tests/test_streams.py
# checks that both give the same numbers)
mix = _hashchain.mix if _hashchain is not None else _mix
chain = _hashchain.chain if _hashchain is not None else _chain
unit = _hashchain.unit if _hashchain is not None else _unit


def key(*parts: int) -> int:
    """A 64-bit key from integer parts: the chain from 0."""
    return chain(0, *parts)


def name_id(name: str) -> int:
    """A decision's name as a 64-bit integer (the first 8 bytes of its BLAKE2b digest), the
    same in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def extend(keys: np.ndarray, parts) -> np.ndarray:
    """:func:`chain` of each key by one part (an array of the same length, or one number):
    ``mix((key ^ part) + GAMMA)`` over arrays."""
    if _hashchain is not None:
        k = np.ascontiguousarray(keys, dtype=_U64)
        if k.ndim == 1:
            out = np.empty_like(k)
            if isinstance(parts, int):
                _hashchain.extend(k, parts & MASK, out)
                return out
            p = np.asarray(parts)
            if p.ndim == 0:
                _hashchain.extend(k, int(p.astype(np.int64)) & MASK, out)
                return out
            if p.shape == k.shape:
                _hashchain.extend(k, np.ascontiguousarray(p.astype(np.int64, copy=False)), out)
                return out
    parts = np.asarray(parts).astype(np.int64).astype(_U64)
    return _mix_array((np.asarray(keys, dtype=_U64) ^ parts) + _U64(GAMMA))


_S30, _S27, _S31, _S11 = _U64(30), _U64(27), _U64(31), _U64(11)
_M1U, _M2U, _GAMMAU = _U64(_M1), _U64(_M2), _U64(GAMMA)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """:func:`mix` over an array of uint64 (numpy's unsigned arithmetic wraps modulo 2**64),
    in place (``x`` is overwritten and returned)."""
    x ^= x >> _S30
    x *= _M1U
    x ^= x >> _S27
    x *= _M2U
    x ^= x >> _S31
    return x


class Streams:
    """The run's random streams: ``uniform(decision, *parts)`` for one number,
    ``uniforms(decision, parts, keys)`` for one number per key of an array.

    Args:
        seed: the run's seed (any ``numpy.random.SeedSequence`` entropy: an int or a sequence
            of ints).
    """

    def __init__(self, seed) -> None:
        state = np.random.SeedSequence(seed).generate_state(2, np.uint64)
        self.root = key(int(state[0]), int(state[1]))
        self._decisions: dict[str, int] = {}
        self._prefixes: dict[tuple, int] = {}

    def decision(self, name: str) -> int:
        """The key of a decision's stream in this run: ``chain(root, name_id(name))``."""
        found = self._decisions.get(name)
        if found is None:
            found = self._decisions[name] = chain(self.root, name_id(name))
        return found

    def uniform(self, name: str, *parts: int) -> float:
        """One uniform number in (0, 1) for decision ``name`` and key parts ``parts``.

        Hot path (a few hundred thousand calls a run): the chain up to the last part is cached
        when it is a decision alone or a decision and one small number (a week, a leg), so a
        draw for an agent costs one step of the chain."""
        n = len(parts)
        if n == 1:
            x = self._decisions.get(name)
            if x is None:
                x = self.decision(name)
        elif n == 2 and -1048576 < parts[0] < 1048576:
            prefix = (name, parts[0])
            x = self._prefixes.get(prefix)
            if x is None:
                if len(self._prefixes) >= PREFIXES_KEPT:
                    self._prefixes.clear()  # (most are weeks gone by)
                x = self._prefixes[prefix] = chain(self.decision(name), parts[0])
        elif n == 0:
            x = self.decision(name)
            return ((x >> 11) + 0.5) * _UNIT
        else:
            x = chain(self.decision(name), *parts[:-1])
        return unit(x, parts[-1])

    def base(self, name: str, *parts: int) -> int:
        """The chain of decision ``name`` through ``parts``: a draw for a key ``k`` is then one
        more step (``uniform(name, *parts, k)``); :meth:`table` takes several at once."""
        return chain(self.decision(name), *parts)

    def uniforms(self, name: str, parts: tuple[int, ...], keys: np.ndarray) -> np.ndarray:
        """One uniform number in (0, 1) per entry of ``keys`` (uint64): the same as
        ``uniform(name, *parts, k)`` for each ``k``, in one vectorised pass."""
        return self.table([self.base(name, *parts)], keys)[0]

    def race(self, name: str, parts: tuple[int, ...], keys: np.ndarray | list[int],
             weights: np.ndarray | list[float]) -> int:
        """The index of one of several candidates (their stream ``keys``), chosen with chance
        in proportion to ``weights``, by an exponential race: each candidate draws
        ``-log(u) / weight`` from its own number and the first to finish wins. Unlike the
        inverse of a cumulative sum, a candidate that stays wins the same races whoever else
        joins or leaves, so a choice among networks is paired across scenarios. ``keys`` and
        ``weights`` may be arrays or lists."""
        if len(keys) <= RACE_ONE_BY_ONE:
            # a few candidates (a network's members): their numbers one by one, the same as
            # uniforms', are cheaper than its numpy calls; the same log (fmath's), and the
            # finishing times divided one by one (the same division, correctly rounded)
            # unless a weight is not positive (numpy's rules for zeros and NaNs then)
            base = self.base(name, *parts)
            drawn = [unit(base, k)
                     for k in (keys.tolist() if isinstance(keys, np.ndarray) else keys)]
            w = weights.tolist() if isinstance(weights, np.ndarray) else list(weights)
            if all(x > 0 for x in w):
                finish = [-fmath.log(d) / x for d, x in zip(drawn, w)]
                return finish.index(min(finish))
            u = np.array(drawn)
        else:
            u = self.uniforms(name, parts, np.asarray(keys, dtype=_U64))
        with np.errstate(divide="ignore"):
            finish = -fmath.log_all(u) / np.asarray(weights, dtype=float)
        return int(np.argmin(finish))

    @staticmethod
    def table(bases: list[int] | np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Uniform numbers for several decisions (rows, by their :meth:`base`, a list or an
        array of uint64) and many keys (columns) in one vectorised pass."""
        if _hashchain is not None:
            k = np.ascontiguousarray(keys, dtype=_U64)
            if k.ndim == 1:
                out = np.empty((len(bases), len(k)))
                _hashchain.table(bases, k, out)
                return out
        k = np.asarray(keys, dtype=_U64)
        if len(bases) == 1:  # (the usual case: one decision, no broadcasting to set up)
            y = np.bitwise_xor(k, _U64(bases[0]))[None, :]
        else:
            y = np.bitwise_xor(k[None, :], np.array(bases, dtype=_U64)[:, None])
        y += _GAMMAU
        _mix_array(y)
        y >>= _S11
        out = y.astype(np.float64)
        out += 0.5
        out *= _UNIT
        return out

    # -- distributions by inversion of one uniform number ----------------------------------
    def geometric(self, p: float, name: str, *parts: int) -> int:
        """Trials up to the first success (1, 2, ...), each succeeding with chance ``p``."""
        return geometric(self.uniform(name, *parts), p)

    def poisson(self, lam: float, name: str, *parts: int) -> int:
        """A Poisson number with mean ``lam``."""
        return poisson(self.uniform(name, *parts), lam)

    def lognormal(self, mu: float, sigma: float, name: str, *parts: int) -> float:
        """``exp(mu + sigma * Z)`` for a standard normal ``Z``."""
        return fmath.exp(mu + sigma * fmath.normal_quantile(self.uniform(name, *parts)))


def below_chance(u: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """``u < 1 - exp(-hazard)`` element by element (``fmath.expm1``: the same decisions as
    one by one, on every machine)."""
    return u < -fmath.expm1_all(-np.asarray(hazard, dtype=float))


def geometric(u: float, p: float) -> int:
    """Trials up to the first success, each succeeding with chance ``p`` (1, 2, ...), from one
    uniform number ``u`` in (0, 1) by inversion: P(X > k) = (1 - p) ** k."""
    if p >= 1.0:
        return 1
    return 1 + int(fmath.log(1.0 - u) / fmath.log(1.0 - p))


def geometrics(u: np.ndarray, p: float) -> np.ndarray:
    """:func:`geometric` over an array of uniform numbers: the same numbers, element by element
    (``fmath.log`` gives the same bits one by one or vectorised)."""
    u = np.asarray(u, dtype=float)
    if p >= 1.0:
        return np.ones(len(u), dtype=np.int64)
    return 1 + (fmath.log_all(1.0 - u) / fmath.log(1.0 - p)).astype(np.int64)


POISSON_SEARCH_MAX = 700.0
"""The largest mean whose Poisson quantile is found by sequential search of the CDF from 0
(``exp(-700)`` is still a normal double). Past it the search starts at the mode
(:func:`_poisson_from_mode`). Both use only IEEE arithmetic and :mod:`simulation.model.fmath`,
so they give the same numbers on every machine (ODD 4). No shipped scenario comes near: the
largest mean a run of them draws is under 30."""

_LOG_2PI = 1.8378770664093453  # log(2 pi), the double nearest
_SMALLEST = 5e-324  # the smallest positive double
_NEGLIGIBLE = 2.0**-64
"""A term of the Poisson distribution this far below the one at the mode is left out of the
search from the mode (the mass left out is below 1e-18)."""


def poisson(u: float, lam: float) -> int:
    """The Poisson(``lam``) quantile of ``u``: the least ``k`` whose CDF reaches ``u``, by
    sequential search of the CDF (from the mode past :data:`POISSON_SEARCH_MAX`)."""
    if lam <= 0.0:
        return 0
    if lam > POISSON_SEARCH_MAX:
        return _poisson_from_mode(u, lam)
    term = fmath.exp(-lam)
    return _climb(u, lam, 0, term, term, _SMALLEST)  # (term >= _SMALLEST: term > 0)


def _poisson_from_mode(u: float, lam: float) -> int:
    """:func:`poisson` for a large mean, whose terms near 0 underflow: the term at the mode
    ``m = floor(lam)`` from Stirling's series, ``log p(m) = (m - lam) + m log1p((lam - m) / m)
    - log(2 pi m) / 2 - 1/(12m) + 1/(360m^3) - 1/(1260m^5)`` (the series' next term is below
    1e-22 for ``m >= 700``), then the terms below the mode by ``p(i - 1) = p(i) i / lam`` down
    to the negligible (:data:`_NEGLIGIBLE`), added from the smallest up, and the terms above
    by ``p(i + 1) = p(i) lam / (i + 1)`` as far as ``u`` needs, or up to the negligible (a
    ``u`` above the sum as rounded). About 25 microseconds a draw at a mean of 1,000 and
    300 at 100,000 (8 December 2026)."""
    m = int(lam)
    fm = float(m)
    series = (1.0 / (12.0 * fm) - 1.0 / (360.0 * fm * fm * fm)
              + 1.0 / (1260.0 * fm * fm * fm * fm * fm))
    log_pm = ((fm - lam) + fm * fmath.log1p((lam - fm) / fm)
              - 0.5 * (_LOG_2PI + fmath.log(fm)) - series)
    pm = fmath.exp(log_pm)
    below: list[float] = []  # p(m - 1), p(m - 2), ...
    term, i = pm, m
    negligible = pm * _NEGLIGIBLE
    while i > 0:
        term = term * i / lam
        i -= 1
        if term < negligible:
            break
        below.append(term)
    cdf = 0.0
    k = m - len(below)
    for term in reversed(below):
        cdf += term
        if u <= cdf:
            return k
        k += 1
    # (a u above the total as rounded stops where the terms become negligible)
    return _climb(u, lam, k, pm, cdf + pm, negligible)


def _climb(u: float, lam: float, k: int, term: float, cdf: float, least: float) -> int:
    """From the Poisson(``lam``) term and CDF at ``k``, up to the least ``k`` whose CDF
    reaches ``u``, or to where the term falls below ``least``."""
    while u > cdf and term >= least:
        k += 1
        term *= lam / k
        cdf += term
    return k


def poissons(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """:func:`poisson` over arrays: the same numbers, element by element, by the same
    sequential search run for all elements at once."""
    u = np.asarray(u, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    k = np.zeros(len(u), dtype=np.int64)
    large = lam > POISSON_SEARCH_MAX
    for i in np.flatnonzero(large).tolist():
        k[i] = poisson(float(u[i]), float(lam[i]))
    term = fmath.exp_all(-lam)
    cdf = term.copy()
    active = np.flatnonzero((u > cdf) & (lam > 0.0) & ~large)
    n = 0
    while active.size:
        n += 1
        term[active] *= lam[active] / n
        cdf[active] += term[active]
        k[active] = n
        active = active[(u[active] > cdf[active]) & (term[active] > 0.0)]
    return k


def cumulative(weights) -> list[float]:
    """Cumulative probabilities in proportion to ``weights``, computed as numpy's
    ``Generator.choice(n, p=weights / weights.sum())`` does: ``bisect_right(cdf, u)`` for a
    uniform ``u`` picks index ``i`` with chance ``weights[i] / sum(weights)`` at a tenth of that
    call's cost."""
    if len(weights) == 0:
        return []
    w = np.asarray(weights, dtype=float)
    cdf = (w / w.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


def stream_seed(seed, rng: np.random.Generator):
    """The entropy for a run's :class:`Streams`: the seed itself when it is an integer or a
    sequence of integers (the usual case, so a run's draws follow from its seed alone), else
    (a numpy ``Generator`` or ``SeedSequence`` passed as ``rng=``) one number drawn from the
    model's generator, which was seeded with it."""
    if isinstance(seed, int | np.integer):
        return int(seed)
    if isinstance(seed, list | tuple) and all(isinstance(s, int | np.integer) for s in seed):
        return [int(s) for s in seed]
    return int(rng.integers(2**63))
