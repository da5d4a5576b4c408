"""tipsim: an agent-based policy-impact simulator of human-trafficking enforcement.

Common tasks are one line::

    import simulation
    result = simulation.run("scenarios/baseline.toml", seed=1)
    result.outcomes["victims_identified"]
"""

__version__ = "0.1.0"
