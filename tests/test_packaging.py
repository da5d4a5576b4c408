"""An installed tipsim (a wheel, not only an editable checkout) ships its scenario library.

The library lives at the top of the source tree (``scenarios/``) and is packaged as
``simulation.library``; ``simulation.SCENARIOS`` and ``simulation.BASELINE`` point at whichever
copy exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from simulation import SCENARIOS
from simulation.studies.experiment import Experiment
from shipped import shipped

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.relative_to(ROOT / "scenarios").as_posix() for p in shipped("**/*.toml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from a copy of the source (so no build/ appears in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("simulation", "scenarios"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--quiet", "-w", str(out), str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (out / "build.log").write_text(done.stdout + done.stderr)
    return next(out.glob("tipsim-*.whl"))


def test_building_the_package_prints_no_packaging_warning(wheel):
    """``make demo`` installs tipsim with pip: setuptools must have nothing to warn about in
    tipsim's own packaging (a data folder that looks like a package it was not told of)."""
    log = (wheel.parent / "build.log").read_text()
    assert "absent from the `packages` configuration" not in log, log
    assert "Warning:" not in log, log


def test_wheel_holds_every_shipped_scenario_and_experiment(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "baseline.toml" in SHIPPED and "experiments/policy_comparison.toml" in SHIPPED
    missing = [rel for rel in SHIPPED if f"simulation/library/{rel}" not in names]
    assert not missing


def test_wheel_holds_every_package_of_the_source(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.parent.relative_to(ROOT).as_posix()
                      for p in (ROOT / "simulation").rglob("__init__.py")
                      if "__pycache__" not in p.parts)
    assert "simulation/model/processes" in packages
    assert [p for p in packages if f"{p}/__init__.py" not in names] == []


def test_wheel_holds_the_compiled_extensions_and_their_sources(wheel):
    """The C extensions (the keyed streams' hash chain, the float math) are built into the
    wheel (from the source, not a copy of this checkout's build: the fixture leaves ``*.so``
    out), with their sources, which the model code's hash covers."""
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "simulation/model/hashchain.c" in names and "simulation/model/hashchain.pyi" in names
    assert [n for n in names if n.startswith("simulation/model/hashchain.cpython-")]
    assert "simulation/model/fmath.c" in names and "simulation/model/_fmath.pyi" in names
    assert [n for n in names if n.startswith("simulation/model/_fmath.cpython-")]
    assert "-none-any" not in wheel.name  # a platform wheel, since it holds compiled code


def test_wheel_holds_the_published_lists_and_their_sources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.name for p in (ROOT / "simulation" / "model" / "datasets").glob("*.csv"))
    assert "uk_2013_five_lists.csv" in shipped and "simulation/model/datasets/README.md" in names
    assert [n for n in shipped if f"simulation/model/datasets/{n}" not in names] == []


def test_installed_wheel_runs_from_its_own_library(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    code = (
        "import json, simulation\n"
        "from simulation.studies.experiment import Experiment\n"
        "exp = Experiment.load(simulation.SCENARIOS / 'experiments' / 'policy_comparison.toml')\n"
        "result = simulation.run(weeks=4)\n"
        "from simulation.model import streams\n"
        "print(json.dumps([simulation.__file__, str(simulation.BASELINE), streams.COMPILED,\n"
        "                  [s.name for s in exp.scenario_objects],\n"
        "                  result.outcomes['new_victims']]))\n")
    # PYTHONPATH comes before the editable install of this checkout, so the wheel's copy loads
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    module, baseline, compiled, scenarios, new_victims = json.loads(out.stdout)
    assert compiled  # the wheel's C extension loads
    assert module.startswith(str(site)) and baseline.startswith(str(site))
    assert baseline.endswith("simulation/library/baseline.toml")
    shipped = Experiment.load(SCENARIOS / "experiments" / "policy_comparison.toml")
    assert scenarios == [s.name for s in shipped.scenario_objects]  # every one, from the wheel
    assert scenarios[0] == "baseline" and len(scenarios) > 10
    assert new_victims > 0


def test_the_lowest_versions_tested_are_the_bounds_pyproject_declares():
    """``tools/lowest_versions.sh`` runs the suite with ``tools/lowest_versions.txt``: every
    dependency of tipsim has a pin there, and each pin is the lowest release its bound in
    pyproject.toml names (``numpy>=1.26`` and ``numpy==1.26.4``), so that raising a bound without
    testing it, or adding a dependency without a lowest version, fails here."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}
    pins = {}
    for line in (ROOT / "tools" / "lowest_versions.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    assert pins.keys() == bounds.keys()
    for name, requirement in bounds.items():
        pin = pins[name]
        assert requirement.specifier.contains(pin), (name, str(pin), str(requirement))
        lower = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1 and pin.release[:len(lower[0].release)] == lower[0].release, (
            name, str(pin), str(requirement))
