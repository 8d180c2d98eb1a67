#!/usr/bin/env bash
# with-services.sh <command...>: runs the command (rasa shell, rasa interactive) with the action
# server and the backend started beside it, and stops them when it ends. Their output goes to
# var/log/{actions,backend}.log so that the terminal stays the conversation's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/env.sh"
mkdir -p "$root/var/log"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$root/scripts/run-actions.sh" >"$root/var/log/actions.log" 2>&1 & pids+=($!)
"$root/scripts/run-backend.sh" >"$root/var/log/backend.log" 2>&1 & pids+=($!)
up() {
  curl -sf -o /dev/null "http://127.0.0.1:$ACTIONS_PORT/health" && curl -sf -o /dev/null "$BACKEND_URL/healthz"
}
for _ in $(seq 120); do up && break; sleep 0.5; done
if ! up; then
  echo "the action server or the backend did not start within 60 s: see var/log/actions.log, var/log/backend.log" >&2
  exit 1
fi
echo ">> action server :$ACTIONS_PORT and backend :$BACKEND_PORT are up (logs in var/log/)"
"$@"
