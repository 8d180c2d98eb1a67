#!/usr/bin/env bash
# The action server (rasa-sdk through actions/server.py): form validation, policy-dependent
# fields, backend calls. Listens on ACTIONS_HOST (127.0.0.1 unless set); ACTIONS_TOKEN, when set,
# is required of every caller; it refuses to listen beyond loopback without real secrets.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
# Refused before the heavy imports; actions/server.py checks again for other ways in.
python3 -S -m contract.exposure actions
exec "$root/.venv-rasa/bin/python" -m actions.server
