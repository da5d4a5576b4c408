"""A newcomer's first hour with the command line: quick to start, messages that say what a file
is and which command takes it, "did you mean" for slips, tables that fit the terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulation.cli import main

HEAVY = ("pandas", "numpy", "scipy", "mesa", "pydantic", "plotly", "pyarrow", "networkx")


def test_help_imports_no_heavy_library():
    """``tipsim --help`` (and the parser every command builds) loads none of the scientific
    libraries: they load inside the command that needs them (see ``python -X importtime``)."""
    code = ("import sys; from simulation.cli import build_parser; build_parser(); "
            "import json; print(json.dumps(sorted(m for m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout))
    assert [m for m in HEAVY if m in loaded] == []


def test_the_package_still_offers_its_one_line_tasks():
    import simulation

    assert simulation.SCENARIOS.name in ("scenarios", "library")
    assert callable(simulation.run) and simulation.load_scenario is not None
    with pytest.raises(AttributeError):
        simulation.no_such_thing  # noqa: B018
