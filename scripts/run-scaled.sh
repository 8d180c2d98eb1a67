#!/usr/bin/env bash
# make run-scaled: the production profile on one machine - HAProxy in front of two rasa
# servers, two action servers and two backends, on the local PostgreSQL, Redis and RabbitMQ.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/scaled-env.sh"
. "$here/env.sh"
cd "$root"
"$root/.venv-rasa/bin/python" "$here/scaled_prepare.py"
exec "$root/.venv/bin/honcho" -f Procfile.scaled start
