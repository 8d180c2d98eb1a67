#!/usr/bin/env bash
# One process of the scale-out profile: `run-scaled-process.sh rasa|actions|backend N` listens
# on the port of RASA<N>_ADDR / ACTIONS<N>_ADDR / BACKEND<N>_ADDR and runs the usual script.
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
case "$kind" in
  rasa) export RASA_PORT="$port" ;;
  actions) export ACTIONS_PORT="$port" ;;
  backend) export BACKEND_PORT="$port" BACKEND_HOST="${addr%:*}" ;;
esac
exec "$here/run-$kind.sh"
