#!/usr/bin/env bash
# The rasa server: channels and the HTTP API, on RASA_HOST (127.0.0.1 unless set).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
if [ "$ENVIRONMENT" = production ] && [ -z "${RASA_TOKEN:-}" ]; then
  echo "refusing to start with ENVIRONMENT=production: RASA_TOKEN is not set (it protects Rasa's HTTP API)" >&2
  exit 1
fi
# Beyond loopback only with real secrets (contract/exposure.py names them).
python3 -S -m contract.exposure rasa
auth=()
# The documented ?token= for outside callers, and the header JWT our own processes send
# (contract/rasa_auth.py), so that the token never travels in their URLs.
[ -n "${RASA_TOKEN:-}" ] && auth=(--auth-token "$RASA_TOKEN" --jwt-secret "$RASA_TOKEN" --jwt-method HS256)
# Browsers may call it only from the backend's pages (/chat): RASA_CORS_ORIGINS, space or comma separated.
read -r -a cors <<<"${RASA_CORS_ORIGINS//,/ }"
# One message's inference is a few tiny matrices: TensorFlow's thread pools only add hand-offs
# (about 10% of the server's CPU per turn, make bench-load), and rasa servers scale by process.
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
exec "$root/.venv-rasa/bin/rasa" run --enable-api -i "$RASA_HOST" --port "$RASA_PORT" --cors "${cors[@]}" \
  --model "$RASA_MODEL" --credentials credentials.yml --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" "${auth[@]}"
