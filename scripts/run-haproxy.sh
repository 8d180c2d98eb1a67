#!/usr/bin/env bash
# The scale-out profile's balancer in the foreground (Debian's haproxy, deploy/haproxy.cfg).
set -euo pipefail
here="$(dirname "$0")"
. "$here/scaled-env.sh"
# It publishes the rasa servers and the backends: beyond loopback only with real secrets.
(cd "$here/.." && python3 -S -m contract.exposure balancer)
haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"
"$haproxy" -c -q -f "$here/../deploy/haproxy.cfg"
exec "$haproxy" -db -W -f "$here/../deploy/haproxy.cfg"
