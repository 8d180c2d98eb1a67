#!/usr/bin/env bash
# Prints the path of the uv that builds the project's environments: the version pinned in
# requirements/backend.lock, installed once into .venv-uv/ from the package registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' "$root/requirements/backend.lock")
uv="$root/.venv-uv/bin/uv"
if [ -x "$uv" ] && [ "$("$uv" --version | cut -d' ' -f2)" = "$version" ]; then
  echo "$uv"; exit 0
fi
{
  echo ">> installing uv $version into .venv-uv"
  python3 -m venv "$root/.venv-uv"
  "$root/.venv-uv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$version"
} >&2
echo "$uv"
