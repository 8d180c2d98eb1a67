# Sourced by the process scripts: embedded defaults for every setting that is
# not already in the environment (or in .env).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# .env fills in what the environment does not already say (the environment wins).
if [ -f "$root/.env" ]; then
  while IFS='=' read -r key value; do
    case "$key" in ''|\#*) continue ;; esac
    [ -z "${!key+x}" ] && export "$key=$value"
  done < "$root/.env"
fi
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_PORT="${RASA_PORT:-5005}" ACTIONS_PORT="${ACTIONS_PORT:-5055}" BACKEND_PORT="${BACKEND_PORT:-8000}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
export RASA_TRACKER_URL="${RASA_TRACKER_URL:-sqlite:///$root/var/rasa-tracker.db}"
export BACKEND_URL="${BACKEND_URL:-http://127.0.0.1:$BACKEND_PORT}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export COMPLAINT_POLICY="${COMPLAINT_POLICY:-eurolux}"
export ENVIRONMENT="${ENVIRONMENT:-development}"
export RASA_MODEL="${RASA_MODEL:-$root/models/complaints.tar.gz}"
mkdir -p "$root/var"
