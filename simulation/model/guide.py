"""What a file or folder is, which command takes it, and "did you mean" for a slip.

A newcomer who gives a command the wrong kind of file (``tipsim batch`` a scenario, ``tipsim
run`` an experiment) or the wrong folder (``tipsim compare`` the output of one run) gets one
line saying what it is and which command takes it, instead of the errors of reading it as the
kind it is not. A file or folder that does not exist gets the nearest existing name.

Only the standard library: the command line imports this before any command runs.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from pathlib import Path

from simulation.model.errors import UserError

FILE_KINDS = {
    "scenario": "a scenario file (one region and its policies)",
    "experiment": "an experiment file (it lists scenarios to run many times)",
    "calibration": "a calibration file (a scenario and the published figures to fit)",
    "targets": "a file of calibration targets",
    "facts": "a file of stylised facts",
    "backtest": "a backtest file (a frozen lever file, its prediction and observed series)",
}
COMMANDS = {
    "scenario": "tipsim run FILE (one run), tipsim validate FILE, or list it in an "
                "experiment's scenarios = [...] for tipsim batch",
    "experiment": "tipsim batch FILE (then tipsim compare and tipsim dashboard on its results "
                  "folder)",
    "calibration": "tipsim calibrate FILE",
    "targets": "a calibration file's targets = \"...\" (tipsim calibrate)",
    "facts": "the credibility section of tipsim dashboard (it reads the shipped one)",
    "backtest": "tipsim backtest FILE",
}


def file_kind(path: str | Path) -> str | None:
    """Which kind of tipsim TOML file ``path`` is, from its top-level keys (None when it is
    not readable TOML or not recognisably any)."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    if "cut_year" in doc and "compare" in doc:
        return "backtest"
    if "scenarios" in doc or "replications" in doc or "design" in doc:
        return "experiment"
    if "targets" in doc and ("scenario" in doc or "fit" in doc or "priors" in doc):
        return "calibration"
    if "targets" in doc:
        return "targets"
    if "facts" in doc:
        return "facts"
    if {"levers", "jurisdictions", "extends", "policy", "add_policy", "cooperation",
            "parameters"} & set(doc):
        return "scenario"
    return None


def expect_file(path: str | Path, wanted: str, command: str) -> None:
    """Raise one :class:`UserError` when ``path`` does not exist (with the nearest name) or is
    recognisably another kind of file than ``wanted``, saying which command takes it."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such {wanted} file{did_you_mean(path)}")
    if path.is_dir():
        raise UserError(f"{path}: a folder, not {FILE_KINDS.get(wanted, wanted + ' file')}"
                        + (f"; {folder_advice(path)}" if folder_advice(path) else ""))
    kind = file_kind(path)
    if kind is not None and kind != wanted:
        raise UserError(f"{path}: {FILE_KINDS[kind]}, not {FILE_KINDS[wanted]}; "
                        f"{command} takes {FILE_KINDS[wanted].split(' (')[0]}. This one goes "
                        f"to {COMMANDS[kind].replace('FILE', str(path))}")


RUN_OUTPUT = ("summary.json", "timeseries.parquet", "timeseries.csv")
"""What ``tipsim run --out`` writes (and a results store never holds)."""


def folder_kind(path: str | Path) -> str | None:
    """'empty', 'run' (the output of ``tipsim run --out``), 'store' (has a manifest) or None."""
    path = Path(path)
    try:
        names = {p.name for p in path.iterdir()}
    except OSError:
        return None
    if not names:
        return "empty"
    if "manifest.json" in names:
        return "store"
    if names & set(RUN_OUTPUT) and "runs" not in names:
        return "run"
    return None


def folder_advice(path: str | Path) -> str:
    """What to do with a folder that is not a results store ('' when there is nothing to
    add)."""
    kind = folder_kind(path)
    if kind == "empty":
        return ("it is empty; tipsim batch EXPERIMENT --out " f"{path} writes a results store "
                "there")
    if kind == "run":
        return ("it holds the output of one run (tipsim run --out: summary.json and the "
                "weekly series), not a results store; compare, check and dashboard read the "
                "folder tipsim batch EXPERIMENT --out FOLDER writes")
    return ""


def expect_store(path: str | Path) -> None:
    """Raise one :class:`UserError` when ``path`` is missing (with the nearest name), empty or
    one run's output rather than a results store."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such results folder{did_you_mean(path)}")
    if not path.is_dir():
        kind = file_kind(path)
        what = FILE_KINDS.get(kind, "a file") if kind else "a file"
        hint = f"; it goes to {COMMANDS[kind].replace('FILE', str(path))}" if kind else ""
        raise UserError(f"{path}: {what}, not a results folder{hint}")
    advice = folder_advice(path)
    if advice:
        raise UserError(f"{path}: not a results store: {advice}")


def did_you_mean(path: str | Path) -> str:
    """' (did you mean 'NEAREST'?)' for the nearest existing name in the same folder (a file
    with the same suffix, or a folder), '' when none is close."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        names = [p.name for p in folder.iterdir()
                 if p.is_dir() or p.suffix == path.suffix]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    return f" (did you mean {str(path.parent / close[0])!r}?)" if close else ""


def close_to(word: str, choices) -> str:
    """' (did you mean 'X'?)' for the nearest of ``choices``, '' when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Parser(argparse.ArgumentParser):
    """``argparse`` with "did you mean" for a mistyped command, choice or option, and the
    usage of the command at fault (``tipsim run --seeds 3`` prints ``run``'s usage, not the
    top level's). Subcommands' parsers are of this class too (argparse makes them so)."""

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command_parser(namespace) or self
            options = [o for a in parser._actions for o in a.option_strings]
            hint = next((close_to(e.split("=")[0], options) for e in extras
                         if e.startswith("-") and close_to(e.split("=")[0], options)), "")
            parser.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return namespace

    def _command_parser(self, namespace) -> argparse.ArgumentParser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = getattr(namespace, action.dest, None)
                return action.choices.get(chosen) if chosen is not None else None
        return None

    def error(self, message: str):
        # 'argument COMMAND: invalid choice: 'compar' (choose from ...)'
        if "invalid choice: " in message:
            given = message.split("invalid choice: ", 1)[1].split(" (choose from", 1)[0]
            given = given.strip("'\"")
            choices = [c.strip(" '\"") for c in
                       message.split("(choose from", 1)[-1].rstrip(")").split(",")]
            message += close_to(given, choices)
        super().error(message)
