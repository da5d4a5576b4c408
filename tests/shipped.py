"""The scenario files tipsim ships: those under version control in ``scenarios/``.

A user's own scenario saved in ``scenarios/`` (as the getting-started guide suggests) is not one
of them, so a draft there, finished or not, never breaks ``make test``. Outside a git checkout
(an unpacked source archive) every file there is taken as shipped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shipped(pattern: str = "*.toml") -> list[Path]:
    """The shipped files of ``scenarios/`` matching ``pattern`` (``**/*.toml`` for every
    folder), sorted."""
    folder = ROOT / "scenarios"
    found = sorted(folder.glob(pattern))
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", "scenarios"], cwd=ROOT,
                                capture_output=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return found
    tracked = {(ROOT / name).resolve() for name in listed.decode().split("\0") if name}
    if not tracked:
        return found
    return [p for p in found if p.resolve() in tracked]
