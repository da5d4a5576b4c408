"""Build the student notebooks (``notebooks/*.ipynb``) from their sources (``notebooks/src/*.py``).

The sources are plain Python files in the "percent" format that Jupytext, VS Code and Spyder
read: a line ``# %%`` starts a code cell and ``# %% [markdown]`` a text cell, whose lines are
commented with ``# ``. They are what reviewers read and what maintainers edit; the notebooks
are generated from them, without outputs, so that git never stores outputs.

    python notebooks/build_notebooks.py           # write every notebook
    python notebooks/build_notebooks.py --check   # exit 1 if a notebook is out of date

tests/test_notebooks.py runs the check and then executes every notebook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
CELL = "# %%"
MARKDOWN = "# %% [markdown]"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def parse(text: str) -> list[tuple[str, str]]:
    """``[(kind, source), ...]`` with kind "code" or "markdown", from a percent-format file.

    Anything before the first cell marker (the file's docstring) is not part of the notebook."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith(CELL):
            cells.append(("markdown" if line.startswith(MARKDOWN) else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [_uncomment(line) for line in lines]
        source = "\n".join(lines).strip("\n")
        if source:
            out.append((kind, source))
    return out


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    if line.rstrip() in ("#", ""):
        return ""
    raise ValueError(f"a markdown line must start with '# ' or be '#': {line!r}")


def build(source: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    for kind, text in parse(source.read_text(encoding="utf-8")):
        cell = (nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                else nbformat.v4.new_code_cell(text))
        cell.pop("id", None)  # ids would change on every build; nbformat adds them on read
        nb.cells.append(cell)
    nb.nbformat, nb.nbformat_minor = 4, 4  # 4.4 has no cell ids: stable, diff-friendly files
    return nb


def target(source: Path) -> Path:
    return HERE / f"{source.stem}.ipynb"


def render(source: Path) -> str:
    return nbformat.writes(build(source)) + "\n"


def sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="report notebooks that differ from their sources; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        text = render(source)
        path = target(source)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if args.check and stale:
        names = ", ".join(p.name for p in stale)
        print(f"out of date: {names}; run python notebooks/build_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
