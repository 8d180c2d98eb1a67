#!/usr/bin/env bash
# The action server (rasa-sdk): form validation, policy-dependent fields, backend calls.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
exec "$root/.venv-rasa/bin/python" -m rasa_sdk --port "$ACTIONS_PORT" --actions actions
