"""The reports layer (docs/architecture.md): the pages that show results.

:mod:`simulation.reports.dashboard` (the report of a batch, its cards, figures, explorer and
backtest pages), :mod:`simulation.reports.calibration_report`,
:mod:`simulation.reports.backtest_report` and :mod:`simulation.reports.shown` (a comparison as
a person reads it). A module here imports from the model, studies and inference layers, never
from the command line.
"""
