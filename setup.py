"""The one part of tipsim that pyproject.toml cannot declare without setuptools' warning that
it is experimental: the C extension.

``simulation.model.hashchain`` is the keyed random streams' hash chain in C
(``simulation/model/hashchain.c``): the same numbers as its Python and numpy definition in
``simulation/model/streams.py``, for about a sixth less CPU a run (docs/performance.md). It is
optional: where no C compiler is found the install goes on without it, and tipsim computes
the same numbers in Python (``tipsim --version`` says which).

``simulation.model._fmath`` is the model's exp, log, expm1, log1p and pow in C
(``simulation/model/fmath.c``): the same numbers on every machine, and the same as their numpy
and Python definitions in ``simulation/model/fmath.py``. Also optional.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("simulation.model.hashchain", ["simulation/model/hashchain.c"], optional=True),
    # no fused multiply-adds: they would round once where fmath's definitions round twice
    Extension("simulation.model._fmath", ["simulation/model/fmath.c"], optional=True,
              extra_compile_args=["-ffp-contract=off", "-fno-fast-math"]),
])
