#!/usr/bin/env bash
# The backend: complaints store, policies, deadlines (FastAPI + SQLModel), on BACKEND_HOST
# (127.0.0.1 unless set; its settings refuse to start beyond loopback without real secrets).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
# A clear refusal before uvicorn starts (the settings refuse again for other ways in).
python3 -S -m contract.exposure backend
exec "$root/.venv/bin/uvicorn" backend.app.main:app --host "$BACKEND_HOST" --port "$BACKEND_PORT"
