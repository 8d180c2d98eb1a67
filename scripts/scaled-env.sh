# Sourced by the scale-out scripts: the production profile on one machine (make run-scaled),
# using the PostgreSQL, Redis and RabbitMQ that run here. Every value can be overridden from
# the environment or .env; on several machines, point the *_ADDR and URLs at the real hosts.
export BALANCER_HOST="${BALANCER_HOST:-127.0.0.1}"
export RASA_PORT="${RASA_PORT:-5005}" ACTIONS_PORT="${ACTIONS_PORT:-5055}" BACKEND_PORT="${BACKEND_PORT:-8000}"
export BALANCER_STATS_PORT="${BALANCER_STATS_PORT:-8404}"
export RASA1_ADDR="${RASA1_ADDR:-127.0.0.1:5101}" RASA2_ADDR="${RASA2_ADDR:-127.0.0.1:5102}"
export ACTIONS1_ADDR="${ACTIONS1_ADDR:-127.0.0.1:5151}" ACTIONS2_ADDR="${ACTIONS2_ADDR:-127.0.0.1:5152}"
export BACKEND1_ADDR="${BACKEND1_ADDR:-127.0.0.1:8101}" BACKEND2_ADDR="${BACKEND2_ADDR:-127.0.0.1:8102}"
# The balancer's internal frontends, on loopback only: rasa's HTTP API for the backends
# (notifications, handoff) and the action servers for the rasa servers. BALANCER_HOST publishes
# only the web chat, the channel webhooks and the backend (deploy/haproxy.cfg, docs/security.md).
export RASA_API_PORT="${RASA_API_PORT:-5006}"
# Everyone talks to everyone else through the balancer.
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
export BACKEND_URL="${BACKEND_URL:-http://$BALANCER_HOST:$BACKEND_PORT}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_API_PORT}"
# The web chat page is the backend's, at the public address: rasa's CORS lets it in.
export RASA_CORS_ORIGINS="${RASA_CORS_ORIGINS:-http://$BALANCER_HOST:$BACKEND_PORT http://127.0.0.1:$BACKEND_PORT http://localhost:$BACKEND_PORT}"
# Real secrets, shared by every process of the profile: the environment's, else .env's when
# real, else generated once into var/scaled-secrets.env (scripts/scaled_secrets.py).
eval "$(python3 -S "$(dirname "${BASH_SOURCE[0]}")/scaled_secrets.py")"
export RASA_ENDPOINTS="${RASA_ENDPOINTS:-deploy/endpoints.production.yml}"
export SCALED_PG="${SCALED_PG:-postgresql://postgres@127.0.0.1:5432}"
export SCALED_DB_PREFIX="${SCALED_DB_PREFIX:-complaints_scaled}"
export RASA_TRACKER_URL="${RASA_TRACKER_URL:-$SCALED_PG/${SCALED_DB_PREFIX}_rasa}"
# The action servers' outbox of registrations waiting for the backend: one table beside Rasa's
# tracker, shared by both action servers (rows are claimed with a lease).
export ACTIONS_OUTBOX_URL="${ACTIONS_OUTBOX_URL:-$SCALED_PG/${SCALED_DB_PREFIX}_rasa}"
export DATABASE_URL="${DATABASE_URL:-${SCALED_PG/postgresql:/postgresql+psycopg:}/${SCALED_DB_PREFIX}_backend}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}" REDIS_PORT="${REDIS_PORT:-6379}" REDIS_LOCK_DB="${REDIS_LOCK_DB:-1}"
export SOCKETIO_REDIS_URL="${SOCKETIO_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/2}"
# The public look-up's per-client limit: every backend replica counts the same failed look-ups.
export RATE_LIMIT_STORAGE_URL="${RATE_LIMIT_STORAGE_URL:-redis://$REDIS_HOST:$REDIS_PORT/3}"
export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-10}"
export RASA_EVENTS_EXCHANGE="${RASA_EVENTS_EXCHANGE:-rasa-exchange}" RASA_EVENTS_QUEUE="${RASA_EVENTS_QUEUE:-rasa_events}"
