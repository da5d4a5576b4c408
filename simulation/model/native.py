"""Whether the keyed random streams' hash chain runs in C here (``simulation/model/hashchain.c``,
built at install where a C compiler is found), decided once for :mod:`simulation.model.streams`
and for ``tipsim --version``. The numbers are the same either way. Imports no numpy, so that
``tipsim --help`` stays quick."""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["HOW", "hashchain"]

hashchain: ModuleType | None = None
"""The C extension, or None where the streams' Python path runs."""

if os.environ.get("TIPSIM_PURE_PYTHON"):  # (set, it times or checks the path without C)
    HOW = "in Python (TIPSIM_PURE_PYTHON is set)"
else:
    try:
        import simulation.model.hashchain as hashchain
        HOW = "in C"
    except ImportError:  # installed where no C compiler was found
        HOW = "in Python (the C extension was not built when tipsim was installed)"
