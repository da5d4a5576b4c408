"""The command-line reference page, walked from ``simulation.cli.build_parser()``.

A small generator rather than sphinx-argparse: it writes MyST Markdown like the rest of the
site, needs no extra package, and shows exactly what ``tipsim COMMAND --help`` shows (usage,
description, every argument with its choices and default), so the page cannot drift from the
parser. ``python docs/cli_reference.py`` prints it.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

SPECIAL = re.compile(r"([\\`*_\[\]<>|#{}$~])")


def escape(text: str) -> str:
    """Plain help text as Markdown that shows it unchanged."""
    return SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each subcommand's one-line help, as ``tipsim --help`` lists it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _argument_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.option_strings:
            name = ", ".join(action.option_strings)
            if action.nargs != 0:
                choices = ("{" + ",".join(map(str, action.choices)) + "}"
                           if action.choices else None)
                name += " " + (action.metavar or choices or action.dest.upper())
        else:
            name = action.metavar or action.dest
        text = action.help or ""
        if (action.option_strings and "default" not in text and action.nargs != 0 and action.default is not None
                and action.default is not argparse.SUPPRESS):
            text += f" (default: {action.default})"
        rows.append(f"| `{name}` | {escape(text) if text else ''} |")
    return rows


def reference(parser: argparse.ArgumentParser | None = None) -> str:
    """The whole page: the ``tipsim`` command, then one section per subcommand."""
    if parser is None:
        from simulation.cli import build_parser

        parser = build_parser()
    os.environ["COLUMNS"] = "88"  # usage lines wrapped alike on every machine
    helps = _helps(parser)
    lines = ["# Command-line reference", "",
             "Generated from the `tipsim` command's argument parser at every build "
             "(`docs/cli_reference.py`); `tipsim COMMAND --help` shows the same.", "",
             escape(parser.description or ""), "", "```text", parser.format_usage().strip(),
             "```", "", "| command | what it does |", "|---|---|"]
    commands = _subcommands(parser)
    lines += [f"| [`{name}`](#tipsim-{name}) | {escape(helps.get(name, ''))} |"
              for name in commands]
    for name, sub in commands.items():
        lines += ["", f"## tipsim {name}", ""]
        if sub.description or helps.get(name):
            lines += [escape(sub.description or helps[name]), ""]
        lines += ["```text", sub.format_usage().strip(), "```", ""]
        rows = _argument_rows(sub)
        if rows:
            lines += ["| argument | meaning |", "|---|---|", *rows]
        if sub.epilog:
            lines += ["", escape(sub.epilog)]
    return "\n".join(lines) + "\n"


def write(path: Path) -> None:
    """Write the page only when it changed, so Sphinx does not rebuild it needlessly."""
    text = reference()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    print(reference(), end="")
