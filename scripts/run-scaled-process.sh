#!/usr/bin/env bash
# One process of the scale-out profile: `run-scaled-process.sh rasa|actions|backend N` listens
# on RASA<N>_ADDR / ACTIONS<N>_ADDR / BACKEND<N>_ADDR (host and port) and runs the usual script.
set -euo pipefail
here="$(dirname "$0")"
. "$here/scaled-env.sh"
kind="$1" n="$2"
case "$kind" in
  rasa) addr_var="RASA${n}_ADDR" ;;
  actions) addr_var="ACTIONS${n}_ADDR" ;;
  backend) addr_var="BACKEND${n}_ADDR" ;;
  *) echo "unknown process kind: $kind" >&2; exit 2 ;;
esac
addr="${!addr_var}"
port="${addr##*:}"
host="${addr%:*}"
# Each process listens on its own address only (loopback here); the balancer publishes them.
case "$kind" in
  rasa) export RASA_PORT="$port" RASA_HOST="$host" ;;
  actions) export ACTIONS_PORT="$port" ACTIONS_HOST="$host" ;;
  backend) export BACKEND_PORT="$port" BACKEND_HOST="$host" ;;
esac
exec "$here/run-$kind.sh"
