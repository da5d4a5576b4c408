#!/usr/bin/env bash
# Print the path of a working Python 3.12+ interpreter, or explain what to install.
# Order: python3, python3.12, python3.13 on PATH, then pyenv's installed versions.
set -u
ok() { "$@" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cand in python3 python3.12 python3.13 python3.14; do
  if command -v "$cand" >/dev/null 2>&1 && ok "$cand"; then
    "$cand" -c 'import sys; print(sys.executable)'; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$)' | sort -V); do
    exe="$root/versions/$v/bin/python3"
    if [ -x "$exe" ] && ok "$exe"; then echo "$exe"; exit 0; fi
  done
fi
echo "tipsim needs Python 3.12 or newer and none was found." >&2
echo "Install one, e.g. 'apt-get install python3.12', 'pyenv install 3.12', or from python.org, then run make again." >&2
exit 1
