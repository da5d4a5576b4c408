"""The model's code is laid out as ODD section 6 describes it: no import cycle among its
modules, each process declaring what of the model it reads and what it changes (and using
nothing else), and no process attaching state to the model."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

import simulation
from simulation.model.trafficking_model import TraffickingModel

from conftest import small

ROOT = Path(simulation.__file__).parent / "model"
MODEL_PARTS = ("trafficking_model.py", "processes", "agents", "events.py", "calendars.py",
               "records.py", "caches.py", "pools.py", "streams.py", "clock.py", "outcomes.py")
PROCESSES = sorted(p.stem for p in (ROOT / "processes").glob("*.py") if p.stem != "__init__")
MUTATORS = {"append", "add", "extend", "update", "discard", "remove", "pop", "popleft",
            "schedule", "schedule_many", "set_status", "set_statuses", "new_episode", "clear",
            "open", "close", "changed", "new_week_of_recruiting", "sort", "renew_copies",
            "add_many", "add_exploited", "open_many", "close_many"}
TALLIES = {"tally": "weekly_tally", "tally_form": "form_tally", "tally_victim": "group_tally"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(("simulation", "model", *parts)).removesuffix(".__init__")


def _model_files() -> list[Path]:
    files = []
    for part in MODEL_PARTS:
        path = ROOT / part
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return files


def test_the_models_modules_import_each_other_without_a_cycle():
    """Imports inside functions count too: a cycle hidden in a function is still a cycle."""
    files = {_module_name(p): p for p in _model_files()}
    graph = nx.DiGraph()
    for name, path in files.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph.add_edges_from((name, t) for t in targets if t in files and t != name)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def _root(node) -> str | None:
    """The name an expression like ``a.b[c].d(...)`` starts from."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _model_attribute(node, aliases: dict[str, str], calls: bool = True) -> str | None:
    """The model attribute an expression is rooted at (``model.X...`` or a local alias of
    it); through method calls too unless ``calls`` is False."""
    kinds = (ast.Attribute, ast.Subscript, ast.Call) if calls else (ast.Attribute, ast.Subscript)
    while isinstance(node, kinds):
        inner = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Attribute) and isinstance(inner, ast.Name) and \
                inner.id == "model":
            return node.attr
        node = inner
    return aliases.get(node.id) if isinstance(node, ast.Name) else None


def uses(module: str) -> tuple[set[str], set[str]]:
    """``(read, changed)``: the model's attributes a process module's code uses, and those it
    changes (assigns, assigns into, or calls a changing method on, directly or through a local
    name bound to them; the tally methods change the tallies)."""
    tree = ast.parse((ROOT / "processes" / f"{module}.py").read_text())
    used, changed = set(), set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        aliases: dict[str, str] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                attribute = _model_attribute(node.value, aliases, calls=False)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and attribute:
                        aliases[target.id] = attribute
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "model":
                used.add(node.attr)
                if isinstance(node.ctx, ast.Store):
                    changed.add(node.attr)
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript | ast.Attribute):
                    attribute = _model_attribute(target, aliases)
                    if attribute:
                        changed.add(attribute)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attribute = _model_attribute(node.func.value, aliases)
                if node.func.attr in TALLIES and _root(node.func) == "model":
                    changed.add(TALLIES[node.func.attr])
                elif attribute and node.func.attr in MUTATORS:
                    changed.add(attribute)
    return used - set(TALLIES), changed


@pytest.mark.parametrize("module", PROCESSES)
def test_each_process_declares_what_it_reads_and_changes(module):
    """``READS`` and ``CHANGES`` of each process module are exactly the model's attributes its
    code reads and changes (so a reader knows what a process touches without reading it), and
    each is part of the model's documented state."""
    declared = importlib.import_module(f"simulation.model.processes.{module}")
    reads, changes = set(declared.READS), set(declared.CHANGES)
    used, changed = uses(module)
    assert changed == changes, "CHANGES differs from what the code changes"
    assert (used | changed) - changes == reads, "READS differs from what the code reads"
    model = TraffickingModel(small({"run.scale": 0.05}), rng=1)
    assert all(hasattr(model, name) for name in reads | changes)


def test_no_process_attaches_state_to_the_model():
    """Every attribute of a model exists once it is built: running it adds none."""
    model = TraffickingModel(small({"run.scale": 0.1, "run.weeks": 60}), rng=2)
    before = set(vars(model))
    model.run()
    assert set(vars(model)) == before
