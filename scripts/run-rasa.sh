#!/usr/bin/env bash
# The rasa server: REST + socketio channels, HTTP API on.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
auth=()
if [ "$ENVIRONMENT" = production ] && [ -z "${RASA_TOKEN:-}" ]; then
  echo "refusing to start with ENVIRONMENT=production: RASA_TOKEN is not set (it protects Rasa's HTTP API)" >&2
  exit 1
fi
[ -n "${RASA_TOKEN:-}" ] && auth=(--auth-token "$RASA_TOKEN")
# One message's inference is a few tiny matrices: TensorFlow's thread pools only add hand-offs
# (about 10% of the server's CPU per turn, make bench-load), and rasa servers scale by process.
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
exec "$root/.venv-rasa/bin/rasa" run --enable-api --cors "*" --port "$RASA_PORT" \
  --model "$RASA_MODEL" --credentials credentials.yml --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" "${auth[@]}"
