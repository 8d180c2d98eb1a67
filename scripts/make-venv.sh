#!/usr/bin/env bash
# make-venv.sh <dir> <python> <lock>: creates/refreshes a venv from a lock file.
# Idempotent: a stamp holding the lock's hash skips the work when nothing changed.
set -euo pipefail
dir=$1 py=$2 lock=$3
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [ -f "$dir/.lock-hash" ] && [ "$(cat "$dir/.lock-hash")" = "$want" ] && [ -x "$dir/bin/python" ]; then
  exit 0
fi
echo ">> building $dir from $lock with $($py --version 2>&1)"
[ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
"$dir/bin/python" -m pip install -q --upgrade "pip>=24" wheel "setuptools<71"
"$dir/bin/python" -m pip install -q --no-deps -r "$lock"
"$dir/bin/python" -m pip check >/dev/null || { "$dir/bin/python" -m pip check; exit 1; }
echo "$want" > "$dir/.lock-hash"
