#!/usr/bin/env bash
# The web chat's npm packages (rasa-webchat, and playwright-core for the browser
# test) from web/package-lock.json, only when the lock changed since the last run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/web"
stamp=node_modules/.lock-hash
hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is missing: apt-get install -y nodejs npm" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
echo "$hash" > "$stamp"
