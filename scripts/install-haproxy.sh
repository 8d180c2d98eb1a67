#!/usr/bin/env bash
# Debian's HAProxy for the scale-out profile (make run-scaled). Only the binary is used: the
# project runs it in the foreground with deploy/haproxy.cfg, never as the system service.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "haproxy is missing: run 'sudo apt-get install -y haproxy' (or this script as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy >/dev/null
# The package starts its own service with the default configuration: not ours, stop it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now haproxy >/dev/null 2>&1 || true; fi
service haproxy stop >/dev/null 2>&1 || true
# sed reads to the end: head would close the pipe early (SIGPIPE fails the script under pipefail)
/usr/sbin/haproxy -v | sed -n 1p
