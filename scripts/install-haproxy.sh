#!/usr/bin/env bash
# Debian's HAProxy for the scale-out profile (make run-scaled). Only the binary is used: the
# project runs it in the foreground with deploy/haproxy.cfg, never as the system service.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
"$(dirname "$0")/debian-package.sh" /usr/sbin/haproxy haproxy
# The package starts its own service with the default configuration: not ours, stop it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now haproxy >/dev/null 2>&1 || true; fi
service haproxy stop >/dev/null 2>&1 || true
# sed reads to the end: head would close the pipe early (SIGPIPE fails the script under pipefail)
/usr/sbin/haproxy -v | sed -n 1p
