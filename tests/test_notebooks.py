"""The student notebooks: committed without outputs, in sync with their sources, written against
the public API only, and executed top to bottom by Jupyter's own machinery (nbclient) on a fresh
kernel that runs this interpreter, so a notebook that raises fails the suite.

Execution times are printed (``pytest -s``) and never asserted.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in PATHS]
CELL_TIMEOUT = 600  # seconds for any one cell; generous for a loaded CI machine

# What a notebook may import from tipsim: the package and its public modules. The model's
# internals (model, pathway, network_dynamics, calendar, outcomes, runner, scenario...) are
# reached through ``simulation`` itself.
PUBLIC_MODULES = {"simulation", "simulation.model.agents", "simulation.model.registry",
                  "simulation.inference.analysis", "simulation.studies.experiment",
                  "simulation.studies.executors", "simulation.studies.store",
                  "simulation.inference.mse", "simulation.inference.conclusions",
                  "simulation.model.datasets",
                  "simulation.inference.mse.synthetic"}

_spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
build_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_notebooks)


def test_there_are_seven_notebooks_one_per_source():
    assert [p.stem for p in PATHS] == [s.stem for s in build_notebooks.sources()]
    assert len(PATHS) == 7


def test_notebooks_are_in_sync_with_their_sources():
    assert build_notebooks.main(["--check"]) == 0, "run python notebooks/build_notebooks.py"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i} has outputs"


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_uses_only_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    for source in _code(nb):
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulation"):
                assert node.module in PUBLIC_MODULES, f"imports from {node.module}"
                for alias in node.names:
                    assert not alias.name.startswith("_"), f"imports private {alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("simulation"):
                        assert alias.name in PUBLIC_MODULES, f"imports {alias.name}"
            elif isinstance(node, ast.Attribute):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                assert not private, f"uses private attribute .{node.attr}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_explains_cites_and_ends_with_exercises(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.cells[-1].cell_type == "markdown"
    assert nb.cells[-1].source.lstrip().startswith("## Exercises")
    exercises = re.findall(r"^\d+\. ", nb.cells[-1].source, flags=re.M)
    assert 2 <= len(exercises) <= 3
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "docs/ODD.md" in text
    assert re.search(r"\b(19|20)\d\d\b", text), "cites no dated source"
    assert "plotly_mimetype+notebook" in "".join(_code(nb)), "figures must render offline"


KERNEL = "tipsim-test"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernel that runs this very interpreter, registered only in a temporary Jupyter data
    folder that this module puts first on JUPYTER_PATH (nothing is installed globally)."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tipsim test kernel", "language": "python"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(root),
                                                               os.environ.get("JUPYTER_PATH")])))
        yield KERNEL


def execute(path: Path, kernel_name: str) -> nbformat.NotebookNode:
    """Run a notebook top to bottom on a fresh kernel, from the notebooks folder, as a student
    would; raises CellExecutionError at the first cell that fails. nbclient starts the kernel
    and shuts it down."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name=kernel_name, timeout=CELL_TIMEOUT, allow_errors=False,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(kernel_name):
    """Executed notebooks, each run once per test session whichever test asks first."""
    cache: dict[Path, nbformat.NotebookNode] = {}

    def get(path: Path) -> nbformat.NotebookNode:
        if path not in cache:
            start = time.perf_counter()
            cache[path] = execute(path, kernel_name)
            print(f"\n{path.name}: executed in {time.perf_counter() - start:.1f} s")
        return cache[path]

    return get


def _outputs(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


# plotly's notebook renderer adds a MathJax <script src> from a CDN to every figure's HTML; it
# only typesets LaTeX in labels (these notebooks have none), and a figure draws without it.
OPTIONAL_SCRIPT = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/")


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_runs_top_to_bottom(path, executed):
    outputs = _outputs(executed(path))
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert figures, "no plotly figure was shown"
    # JupyterLab draws the plotly mimetype with the extension that ships with plotly; classic
    # front ends use the HTML, which needs plotly.js embedded (not loaded from a CDN).
    assert all("text/html" in o["data"] for o in figures)
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "window.Plotly = Plotly" in html, "plotly.js is not embedded in the notebook"
    sources = re.findall(r"<script[^>]+src=[\"']([^\"']+)", html)
    assert all(OPTIONAL_SCRIPT.match(s) for s in sources), f"needs the network: {sources}"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_figures_draw_in_a_browser_without_network(path, executed, tmp_path):
    """Every figure's HTML output, on one page, draws in headless Chromium with every network
    request refused."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("Playwright is not installed: run `make test` (pip install -e '.[dev]')")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (make test does it first)")
    outputs = _outputs(executed(path))
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    n_figures = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
    page_file = tmp_path / f"{path.stem}.html"
    page_file.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                         + "\n".join(html) + "</body></html>", encoding="utf-8")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("http*://**/*", lambda route: route.abort())
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_file.as_uri())
            page.wait_for_function(
                "n => { const d = [...document.querySelectorAll('.plotly-graph-div')];"
                " return d.length === n && d.every(x => x.querySelector('.main-svg')); }",
                arg=n_figures, timeout=60_000)
        finally:
            browser.close()
    assert not errors, errors
