"""The package is built in layers (docs/architecture.md): each module imports only from its own
layer or a lower one, and no modules import each other in a circle. Imports inside functions
count: an import moved into a function to dodge a cycle at load time is still a dependency.

Every module of ``simulation/`` must be placed in a layer here, so a new module is placed on
purpose (a module left out fails :func:`test_every_module_has_a_layer`), and each layer's modules
live in that layer's folder (:func:`test_each_layers_modules_live_in_its_folder`), so the
folders and this table cannot drift apart."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import simulation

ROOT = Path(simulation.__file__).parent

LAYERS = ("model", "studies", "inference", "reports", "cli")
"""From the bottom up: the model and its inputs; experiments run and stored; what a batch or the
published data say (comparisons, conclusions, calibration, estimation); the pages that show it;
the command line."""


def _in(folder: str, *names: str) -> list[str]:
    return [f"{folder}.{name}" for name in names]


PLACES = {
    # the model: its core, its inputs (scenarios, parameters, evidence, country data), one run
    "model": ["simulation._version", *_in(
        "simulation.model", "errors", "files", "seeds", "limits", "display", "guide", "clock",
        "calendars", "registry", "parameters", "distributions", "evidence", "scenario",
        "scenario_schema", "trafficking_model", "agents", "processes", "events", "caches",
        "pools", "outcomes", "records", "streams", "native", "fmath", "runner", "statistics",
        "country_calendar", "country_data", "country_statistics", "datasets")],
    # studies: experiments (designs, parameter draws, seeds), their execution and results store
    "studies": _in(
        "simulation.studies", "experiment", "experiment_design", "experiment_runs",
        "uncertainty", "elicitation", "executors", "store", "store_parts", "store_reader",
        "store_provenance", "store_lock", "file_schemas", "backtest", "backtest_years"),
    # inference: what a batch or the published data say
    "inference": [*_in(
        "simulation.inference", "batch_runs", "analysis", "conclusions", "effect_statistics",
        "effect_sentences", "sweep", "voi", "credibility", "stylised_facts", "calibration",
        "mse"), *_in(
        "simulation.inference.mse", "models", "tables", "checks", "sparse", "bayes", "lcmcr",
        "bootstrap", "synthetic")],
    # reports: the pages (dashboard, explorer, calibration and backtest reports)
    "reports": _in("simulation.reports", "dashboard", "calibration_report", "backtest_report",
                   "shown"),
    "cli": ["simulation.cli", "simulation.commands"],
}

FOLDERS = {"model": "simulation.model", "studies": "simulation.studies",
           "inference": "simulation.inference", "reports": "simulation.reports",
           "cli": "simulation.commands"}
"""The folder (subpackage) of each layer; a folder's own ``__init__`` is in its layer."""

AT_THE_TOP = {"simulation._version": "model", "simulation.cli": "cli"}
"""The modules outside the layers' folders, at the package's top: the version (which packaging
reads) and the command's entry point (``tipsim = "simulation.cli:main"``)."""

FACADES = {
    "simulation": "cli",  # simulation.run, compare, run_experiment, load_results ... on first use
}
"""Packages whose ``__init__`` gives, on first use, names from the layers below: the layer of
the package itself (its modules have their own)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """The layer of the most specific entry of :data:`PLACES` that is ``module`` or a package
    holding it (a facade package's own ``__init__`` is in :data:`FACADES`, a layer's folder's own
    ``__init__`` in that layer)."""
    if module in FACADES:
        return FACADES[module]
    for layer, folder in FOLDERS.items():
        if module == folder:
            return layer
    best, found = -1, None
    for layer, names in PLACES.items():
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), layer
    return found


def imports(module: str) -> set[str]:
    """The modules of the package that ``module`` imports, anywhere in its code.

    ``from P import M`` imports module ``P.M`` when there is one, else package ``P``; a name the
    top-level package gives on first use (``from simulation import run``) counts as an import
    of the module that defines it. (Python also runs the ``__init__`` of every package above a
    module it loads; those are not counted, nor are imports under ``if TYPE_CHECKING:``, which
    only the type checker reads.)"""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    for_types = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                 for stmt in block.body for n in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in for_types:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            targets = []
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    targets.append(f"{base}.{alias.name}")
                elif base == "simulation" and alias.name in simulation._ON_FIRST_USE:
                    targets.append(simulation._ON_FIRST_USE[alias.name])
                else:
                    targets.append(base)
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != module}
    return found


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    g.add_edges_from((m, t) for m in MODULES for t in imports(m))
    return g


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == []


def folder_of(module: str) -> str | None:
    """The layer whose folder holds ``module`` (None outside every layer's folder)."""
    for layer, folder in FOLDERS.items():
        if module == folder or module.startswith(folder + "."):
            return layer
    return None


def misplaced() -> list[str]:
    """Modules whose layer in :data:`PLACES` is not the layer of the folder they sit in."""
    return sorted(f"{m}: placed in {layer_of(m)}, sits in the folder of {folder_of(m)}"
                  for m in MODULES if m not in FACADES and m not in AT_THE_TOP
                  and folder_of(m) != layer_of(m))


def test_each_layers_modules_live_in_its_folder():
    """The table and the folders say the same: a module placed in a layer sits in that layer's
    folder, and only the modules of :data:`AT_THE_TOP` (and the facade) sit outside them."""
    assert misplaced() == []
    outside = {m: layer_of(m) for m in MODULES if folder_of(m) is None and m not in FACADES}
    assert outside == AT_THE_TOP


def test_a_module_in_the_wrong_folder_is_found(tmp_path, monkeypatch):
    """The check itself: a reports module placed in the inference layer, or an inference module
    dropped into the reports folder, is reported."""
    monkeypatch.setitem(MODULES, "simulation.reports.probe", tmp_path / "probe.py")
    monkeypatch.setitem(PLACES, "inference", [*PLACES["inference"], "simulation.reports.probe"])
    assert misplaced() == ["simulation.reports.probe: placed in inference, sits in the folder of "
                           "reports"]


def test_every_place_names_a_module():
    """No stale entry: every name in :data:`PLACES` is a module or package of ``simulation``."""
    assert [name for names in PLACES.values() for name in names if name not in MODULES] == []


def test_a_light_module_of_the_model_layer_does_not_load_the_model():
    """``simulation.model`` gives ``TraffickingModel``, ``BASELINE`` and ``SCENARIOS`` on first
    use: its light modules (errors) load without Mesa or pandas, and the short path works."""
    code = ("import sys\nimport simulation.model.errors\n"
            "assert not {'mesa', 'pandas'} & set(sys.modules), 'the model was loaded'\n"
            "from simulation.model import BASELINE, TraffickingModel\n"
            "from simulation.model import trafficking_model\n"
            "assert TraffickingModel is trafficking_model.TraffickingModel\n"
            "assert BASELINE == trafficking_model.BASELINE and 'mesa' in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_no_module_imports_from_a_higher_layer():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = sorted(f"{a} ({layer_of(a)}) imports {b} ({layer_of(b)})"
                    for a, b in graph().edges if rank[layer_of(b)] > rank[layer_of(a)])
    assert upward == []


def test_no_import_cycles_in_the_package():
    cycles = sorted(sorted(c) for c in nx.strongly_connected_components(graph()) if len(c) > 1)
    assert cycles == []


@pytest.mark.parametrize("source, found", [
    ("from simulation.reports.dashboard.report import build_report\n",
     "simulation.reports.dashboard.report"),
    ("def f():\n    from simulation import run\n", "simulation.model.runner"),
    ("from . import abc\n", "simulation.inference.calibration.abc"),
    ("import simulation.studies.store as s\n", "simulation.studies.store"),
    ("if x:\n    import simulation.studies.store\n", "simulation.studies.store"),
    ("from simulation.inference.calibration import load_targets\n",
     "simulation.inference.calibration"),
])
def test_the_check_sees_every_kind_of_import(tmp_path, monkeypatch, source, found):
    """The checker itself: a module-level, a function-level and a relative import, and a name of
    the top-level package, are each seen as the import of the module they load."""
    path = tmp_path / "probe.py"
    path.write_text(source)
    monkeypatch.setitem(MODULES, "simulation.inference.calibration.probe", path)
    assert found in imports("simulation.inference.calibration.probe")


def test_imports_only_the_type_checker_reads_are_not_dependencies(tmp_path, monkeypatch):
    path = tmp_path / "probe.py"
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from simulation.studies.experiment import Experiment\n")
    monkeypatch.setitem(MODULES, "simulation.probe", path)
    assert imports("simulation.probe") == set()


def test_modules_import_only_public_names_of_each_other():
    """A name starting with ``_`` is its module's own: another module needing it means it
    belongs lower down, public (the test files may still reach in)."""
    private = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulation"):
                private += [f"{module} imports {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []
