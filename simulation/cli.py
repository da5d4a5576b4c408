"""The ``tipsim`` command.

Each module in :mod:`simulation.commands` contributes subcommands through a
``register(subparsers)`` function, so the command line grows with the package without one file
that everybody edits. A :class:`~simulation.model.errors.UserError` is printed as one line on stderr
(exit 1); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from simulation._version import __version__
from simulation import commands
from simulation.model.errors import UserError
from simulation.model.guide import Parser


def _version() -> str:
    """The version, and whether the keyed streams' hash chain runs in C here (the same numbers
    either way, about a sixth less CPU a run with it: docs/performance.md)."""
    from simulation.model import native

    return f"tipsim {__version__}, keyed random streams and float math {native.HOW}"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tipsim",
        description="Policy-impact simulator of human-trafficking enforcement and victim support.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"simulation.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"tipsim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tipsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``tipsim schema | head``): not an error worth a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
