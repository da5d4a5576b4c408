"""The documentation site builds with warnings as errors.

The build renders the notebooks as committed (no execution: ``test_notebooks.py`` runs them), so
it takes seconds; a broken cross-reference, a page missing from the table of contents or a
docstring that no longer parses fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going",
                           "-q", "-d", str(out / ".doctrees"), str(ROOT / "docs"), str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-5000:]
    return out


def test_site_builds_without_warnings_with_every_page(site):
    for page in ("index", "getting-started", "dashboard", "ODD", "scenarios", "results",
                 "estimation", "api", "citing", "changelog", "_generated/cli",
                 "_generated/notebooks/index"):
        assert (site / f"{page}.html").is_file(), page
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks and all((site / "_generated" / "notebooks" / f"{n}.html").is_file()
                             for n in notebooks)


def test_command_reference_has_every_subcommand_and_option(site):
    from simulation.cli import build_parser

    text = (site / "_generated" / "cli.html").read_text()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        assert f'id="tipsim-{name}"' in text, name
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in text, (name, flag)


def test_api_reference_documents_the_public_modules(site):
    text = (site / "api.html").read_text()
    for target in ("simulation.run", "simulation.model.trafficking_model.TraffickingModel",
                   "simulation.inference.analysis.compare", "simulation.inference.mse.estimate",
                   "simulation.studies.store.load_results",
                   "simulation.studies.executors.run_experiment",
                   "simulation.model.registry.LEVERS", "simulation.model.calendars.Calendar",
                   "simulation.inference.credibility.credibility",
                   "simulation.inference.conclusions.conclusions",
                   "simulation.reports.dashboard.report.Section"):
        assert f'id="{target}"' in text, target
    assert re.search(r'id="simulation\.model\.processes\.\w+\.\w+"', text)
