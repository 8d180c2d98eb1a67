#!/usr/bin/env bash
# make-venv.sh <dir> <python> <lock>: creates/refreshes a venv from a lock file with uv.
# Idempotent: a stamp holding the lock's hash skips the install when nothing changed.
# Every run (re)writes the venv's complaint_intake.pth: the repository root on sys.path and
# contract.settings.apply() at interpreter start, so plain `rasa`, `pytest` and `python`
# in the activated venv see the project's modules and the embedded default settings.
set -euo pipefail
dir=$1 py=$2 lock=$3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want=$(sha256sum "$lock" | cut -d' ' -f1)
write_pth() {
  local site
  site=$("$dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\nimport contract.settings; contract.settings.apply()\n' "$root" > "$site/complaint_intake.pth"
}
if [ -f "$dir/.lock-hash" ] && [ "$(cat "$dir/.lock-hash")" = "$want" ] && [ -x "$dir/bin/python" ]; then
  write_pth
  touch "$dir/.lock-hash"  # a lock rewritten with the same content must not look newer (make retrains on it)
  exit 0
fi
uv=$("$root/scripts/uv.sh")
start=$(date +%s)
echo ">> $dir: $(grep -c '==' "$lock") packages from $lock with $("$py" --version 2>&1)"
[ -x "$dir/bin/python" ] || "$uv" venv --quiet --seed --python "$py" "$dir"
# --no-deps: the lock already holds the whole closure (pip check below proves it is consistent).
# Bytecode is compiled here, in parallel, rather than on the first start of each process.
"$uv" pip install --python "$dir/bin/python" --no-deps --compile-bytecode -r "$lock"
"$uv" pip check --python "$dir/bin/python" >/dev/null || { "$uv" pip check --python "$dir/bin/python"; exit 1; }
write_pth
echo "$want" > "$dir/.lock-hash"
echo ">> $dir ready in $(($(date +%s) - start)) s"
