#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 does not run on 3.11+).
# Order: a python3.10 on PATH that actually runs, then pyenv's, then ~/.pyenv/versions/3.10.*.
set -u
works() { [ -x "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  prefix=$(pyenv prefix 3.10 2>/dev/null | head -n 1) && candidates+=("$prefix/bin/python3.10")
fi
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*; do candidates+=("$dir/bin/python3.10"); done
for py in "${candidates[@]}"; do
  if works "$py"; then echo "$py"; exit 0; fi
done
echo "error: Python 3.10 not found (Rasa 3.6.21 needs Python 3.10; 3.11+ is not supported)." >&2
echo "       Install it, e.g. 'pyenv install 3.10', or put a working python3.10 on PATH." >&2
exit 1
