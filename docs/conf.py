"""Sphinx configuration of tipsim's documentation site (``make docs`` -> docs/_build/html).

Pages are Markdown (MyST). The notebooks are rendered by myst-nb as committed, without running
them (the test suite runs them), so the build is fast and needs no network. Before the build
this file writes two generated inputs into ``docs/_generated/`` (not in git): the command-line
reference, walked from ``simulation.cli``'s argument parser, and a copy of the notebooks with
their links to ``docs/`` pointed at the site's pages.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

import cli_reference  # noqa: E402

from simulation import __version__  # noqa: E402

project = "tipsim"
author = "The tipsim developers"
copyright = "The tipsim developers, MIT licence"
version = release = __version__

extensions = [
    "myst_nb",  # MyST Markdown pages and .ipynb notebooks (it loads myst_parser itself)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# MyST: anchors for headings (ODD.md links to its own sections), $...$ maths, definition lists
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "deflist", "colon_fence", "substitution"]
myst_substitutions = {"release": release}

# Notebooks are shown as committed (no outputs): the test suite executes them.
nb_execution_mode = "off"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = True

html_theme = "furo"
html_title = f"tipsim {release}"


def _generate() -> None:
    generated = DOCS / "_generated"
    generated.mkdir(exist_ok=True)
    cli_reference.write(generated / "cli.md")
    notebooks = generated / "notebooks"
    if notebooks.exists():
        shutil.rmtree(notebooks)
    notebooks.mkdir()
    # from docs/_generated/notebooks/ the repository's docs/ is ../../
    fix = (("](../docs/", "](../../"),
           ("[src/](src/)", "`notebooks/src/`"))  # sources are not pages of the site
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = source.read_text(encoding="utf-8")
        for old, new in fix:
            text = text.replace(old, new)
        (notebooks / source.name).write_text(text, encoding="utf-8")
    readme = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    for old, new in fix:
        readme = readme.replace(old, new)
    readme = readme.replace("# Notebooks for students", "# Notebooks", 1)
    listing = "\n".join(p.stem for p in sorted(notebooks.glob("*.ipynb")))
    note = ("\nThe pages below show each notebook's text and code as committed; run them to see "
            "their tables and figures (the test suite runs every one).\n")
    (notebooks / "index.md").write_text(
        readme + note + "\n```{toctree}\n:hidden:\n\n" + listing + "\n```\n", encoding="utf-8")


_generate()
