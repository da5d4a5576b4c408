"""Whether tipsim's C extensions run here, decided once for the modules that use them and for
``tipsim --version``: the keyed random streams' hash chain (``simulation/model/hashchain.c``,
used by :mod:`simulation.model.streams`) and the model's float math
(``simulation/model/fmath.c``, used by :mod:`simulation.model.fmath`). Both are built at install
where a C compiler is found, together. The numbers are the same either way; without them a run
takes longer. Imports no numpy, so that ``tipsim --help`` stays quick."""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["HOW", "fmath", "hashchain"]

hashchain: ModuleType | None = None
"""The hash chain's C extension, or None where the streams' Python path runs."""
fmath: ModuleType | None = None
"""The float math's C extension, or None where its numpy and Python definitions run."""

if os.environ.get("TIPSIM_PURE_PYTHON"):  # (set, it times or checks the path without C)
    HOW = "in Python (TIPSIM_PURE_PYTHON is set)"
else:
    try:
        import simulation.model._fmath as _fmath
        import simulation.model.hashchain as _hashchain
        fmath, hashchain = _fmath, _hashchain
        HOW = "in C"
    except ImportError:  # installed where no C compiler was found
        HOW = "in Python (the C extension was not built when tipsim was installed)"
