"""The package is built in layers (docs/architecture.md): each module imports only from its own
layer or a lower one, and no modules import each other in a circle. Imports inside functions
count: an import moved into a function to dodge a cycle at load time is still a dependency.

Every module of ``simulation/`` must be placed in a layer here, so a new module is placed on
purpose (a module left out fails :func:`test_every_module_has_a_layer`)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import simulation

ROOT = Path(simulation.__file__).parent

LAYERS = ("model", "studies", "inference", "reports", "cli")
"""From the bottom up: the model and its inputs; experiments run and stored; what a batch or the
published data say (comparisons, conclusions, calibration, estimation); the pages that show it;
the command line."""

PLACES = {
    # the model: its core, its inputs (scenarios, parameters, evidence, country data), one run
    "model": [
        "simulation._version", "simulation.errors", "simulation.files",
        "simulation.seeds", "simulation.limits", "simulation.display", "simulation.guide",
        "simulation.clock", "simulation.calendars", "simulation.registry",
        "simulation.parameters", "simulation.distributions", "simulation.evidence",
        "simulation.scenario", "simulation.scenario_schema", "simulation.model",
        "simulation.agents", "simulation.processes", "simulation.events", "simulation.caches",
        "simulation.pools", "simulation.outcomes", "simulation.records", "simulation.streams",
        "simulation.runner", "simulation.statistics", "simulation.country_calendar",
        "simulation.country_data", "simulation.country_statistics", "simulation.datasets",
    ],
    # studies: experiments (designs, parameter draws, seeds), their execution and results store
    "studies": [
        "simulation.studies.experiment", "simulation.studies.experiment_design",
        "simulation.studies.experiment_runs", "simulation.studies.uncertainty",
        "simulation.studies.elicitation", "simulation.studies.executors",
        "simulation.studies.store", "simulation.studies.store_parts",
        "simulation.studies.store_reader", "simulation.studies.store_provenance",
        "simulation.studies.store_lock", "simulation.studies.file_schemas",
        "simulation.studies.backtest", "simulation.studies.backtest_years",
    ],
    # inference: what a batch or the published data say
    "inference": [
        "simulation.inference.batch_runs", "simulation.inference.analysis",
        "simulation.inference.conclusions", "simulation.inference.effect_statistics",
        "simulation.inference.effect_sentences", "simulation.inference.sweep",
        "simulation.inference.voi", "simulation.inference.credibility",
        "simulation.inference.stylised_facts", "simulation.inference.calibration",
        "simulation.inference.mse", "simulation.inference.mse.models",
        "simulation.inference.mse.tables", "simulation.inference.mse.checks",
        "simulation.inference.mse.sparse", "simulation.inference.mse.bayes",
        "simulation.inference.mse.lcmcr", "simulation.inference.mse.bootstrap",
        "simulation.inference.mse.synthetic",
    ],
    # reports: the pages (dashboard, explorer, calibration and backtest reports)
    "reports": [
        "simulation.reports.dashboard", "simulation.reports.calibration_report",
        "simulation.reports.backtest_report", "simulation.reports.shown",
    ],
    "cli": ["simulation.cli", "simulation.commands"],
}

FOLDERS = {"studies": "simulation.studies", "inference": "simulation.inference",
           "reports": "simulation.reports"}
"""The folder (subpackage) of each layer: its ``__init__`` is in that layer."""

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
    holding it (a facade package's own ``__init__`` is in :data:`FACADES`)."""
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
    ("def f():\n    from simulation import run\n", "simulation.runner"),
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
