"""Dashboards for policymakers: a static report of a batch and a live what-if explorer.

- :func:`build_report` writes one self-contained HTML file from a results directory
  (``tipsim dashboard results/NAME``).
- :mod:`simulation.dashboard.explorer` is a Solara app (``tipsim explore``) that reruns a
  scenario with changed levers and shows the same charts against the baseline.

Both draw with :mod:`simulation.dashboard.figures`, from numbers prepared by
:func:`prepare` (which calls :func:`simulation.analysis.compare`, like ``tipsim compare``).
"""

from simulation.dashboard.data import DashboardData, prepare
from simulation.dashboard.report import build_report, render_report

__all__ = ["DashboardData", "build_report", "prepare", "render_report"]
