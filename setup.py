"""The one part of tipsim that pyproject.toml cannot declare without setuptools' warning that
it is experimental: the C extension.

``simulation.model.hashchain`` is the keyed random streams' hash chain in C
(``simulation/model/hashchain.c``): the same numbers as its Python and numpy definition in
``simulation/model/streams.py``, for about a sixth less CPU a run (docs/performance.md). It is
optional: where no C compiler is found the install goes on without it, and tipsim computes
the same numbers in Python (``tipsim --version`` says which).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("simulation.model.hashchain", ["simulation/model/hashchain.c"],
                             optional=True)])
