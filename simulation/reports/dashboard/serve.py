"""The explorer's server process (``tipsim explore`` replaces itself with it): Solara's own
command line, with SIGTERM ending the server as Ctrl-C does.

uvicorn, under Solara, catches SIGINT and SIGTERM, shuts down gracefully, puts the previous
handlers back and raises the signal again. Python's default for SIGTERM kills the process at
once, so the what-if worker pool (:mod:`simulation.reports.dashboard.whatif`) was never shut down
and the resource tracker reported its semaphores as leaked. With :func:`end_on_sigterm` the
process exits as Python does on Ctrl-C: its exit handlers run and the pool is closed.
"""

from __future__ import annotations

import signal
import sys


def end_on_sigterm() -> None:
    """SIGTERM raises ``SystemExit(143)`` (128 + the signal's number, as a shell reports a
    process it ended) in the main thread, so exit handlers run."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main() -> None:
    end_on_sigterm()
    from solara.__main__ import main as solara_main

    solara_main()  # reads sys.argv[1:]: run simulation.reports.dashboard.explorer --host ...


if __name__ == "__main__":
    main()
