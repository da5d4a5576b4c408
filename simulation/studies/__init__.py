"""The studies layer (docs/architecture.md): experiments run and stored.

An experiment file's schema (:mod:`simulation.studies.experiment`), its designs and parameter
draws, the order of its runs, the executors that run them (:mod:`simulation.studies.executors`)
and the results store that keeps them (:mod:`simulation.studies.store`, with its reader,
provenance, parts and lock), and backtests. A module here imports from the model layer only.
"""
