#!/usr/bin/env bash
# The scale-out profile's balancer in the foreground (Debian's haproxy, deploy/haproxy.cfg).
set -euo pipefail
here="$(dirname "$0")"
. "$here/scaled-env.sh"
haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"
"$haproxy" -c -q -f "$here/../deploy/haproxy.cfg"
exec "$haproxy" -db -W -f "$here/../deploy/haproxy.cfg"
