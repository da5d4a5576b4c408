"""The inference layer (docs/architecture.md): what a batch or the published data say.

Comparisons of a batch's policies (:mod:`simulation.inference.analysis`, on the tables of
:mod:`simulation.inference.batch_runs`), the conclusions and their sentences, sweeps, the value
of information, the model's credibility against stylised facts, calibration by ABC-SMC
(:mod:`simulation.inference.calibration`) and multiple systems estimation
(:mod:`simulation.inference.mse`). A module here imports from the model and studies layers,
never from the reports or the command line.
"""
