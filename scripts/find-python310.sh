#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter for the Rasa environment.
# Order: $RASA_PYTHON, python3.10 on PATH, pyenv's newest 3.10.x.
set -euo pipefail
is310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
if [ -n "${RASA_PYTHON:-}" ]; then
  if is310 "$RASA_PYTHON"; then echo "$RASA_PYTHON"; exit 0; fi
  echo "RASA_PYTHON=$RASA_PYTHON is not a working Python 3.10 interpreter." >&2; exit 1
fi
if command -v python3.10 >/dev/null 2>&1 && is310 python3.10; then command -v python3.10; exit 0; fi
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
  if is310 "$p/bin/python3"; then echo "$p/bin/python3"; exit 0; fi
done
cat >&2 <<MSG
No Python 3.10 found: Rasa Open Source 3.6.21 needs Python >=3.8,<3.11 and this project uses 3.10.
Install one of:
  - Debian/Ubuntu: apt install python3.10 python3.10-venv (deadsnakes PPA on Ubuntu)
  - pyenv:         pyenv install 3.10.13
or point RASA_PYTHON at a 3.10 interpreter.
MSG
exit 1
