"""Dashboards for policymakers: a static report of a batch and a live what-if explorer.

- :func:`build_report` writes one self-contained HTML file from a results directory
  (``tipsim dashboard results/NAME``).
- :mod:`simulation.reports.dashboard.backtest` adds a section per backtest (``tipsim dashboard
  [RESULTS] --backtest DIR``) read from ``tipsim backtest``'s output folder, or writes a page
  of backtests alone.
- :mod:`simulation.reports.dashboard.explorer` is a Solara app (``tipsim explore``) that reruns a
  scenario with changed levers and shows the same charts against the baseline.

Both draw with :mod:`simulation.reports.dashboard.figures`, from numbers prepared by
:func:`prepare` (which calls :func:`simulation.inference.analysis.compare`, like ``tipsim compare``,
and for a batch over parameter draws :func:`simulation.inference.conclusions.conclusions`, like
``tipsim compare --format json``). The report's parts below the cards are
:class:`~simulation.reports.dashboard.report.Section` objects, so a new one is one more in the list.
"""

from simulation.reports.dashboard.data import DashboardData, prepare
from simulation.reports.dashboard.report import Section, build_report, render_report

__all__ = ["DashboardData", "Section", "build_report", "prepare", "render_report"]
