#!/usr/bin/env bash
# Run the test suite with the lowest versions of tipsim's own dependencies that
# pyproject.toml admits (tools/lowest_versions.txt), so that its lower bounds stay true.
# The optional extras (dask, pyabc, Solara, Sphinx, ...) take whatever pip resolves with
# those pins. Builds its own venv (.venv-lowest, or $LOWEST_VENV) and leaves .venv alone.
#
#   tools/lowest_versions.sh            # the whole suite
#   tools/lowest_versions.sh tests/test_mse_published.py   # some of it
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${LOWEST_VENV:-.venv-lowest}
PY=$(tools/find_python.sh)
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
PYTHONWARNINGS="ignore:Editable installation" "$VENV/bin/python" -m pip install --quiet \
  -c tools/lowest_versions.txt -e '.[dev,cluster,explore,calibrate,backtest,docs]'
# every pin must be what is installed: a pin pip could not honour fails here, not silently
"$VENV/bin/python" - <<'PY'
import re, sys
from importlib.metadata import version
wrong = []
for line in open("tools/lowest_versions.txt"):
    line = line.split("#")[0].strip()
    if line:
        name, pinned = re.split(r"==", line)
        if version(name) != pinned:
            wrong.append(f"{name}: {version(name)} installed, {pinned} pinned")
sys.exit("\n".join(wrong)) if wrong else print("lowest versions installed:", open("tools/lowest_versions.txt").read().count("=="), "pins")
PY
tools/ensure_chromium.sh
jobs=$("$VENV/bin/python" -c 'import os; print(min(4, len(os.sched_getaffinity(0))))')
exec "$VENV/bin/python" -m pytest -q -n "$jobs" --dist loadfile "$@"
