#!/usr/bin/env bash
# debian-package.sh <binary> <package>...: installs Debian packages when <binary> is missing (as
# root; otherwise says what to run). The one way the project installs a system tool for its tests
# (install-chromium.sh, install-dovecot.sh, install-haproxy.sh).
set -euo pipefail
binary=$1
shift
if [ -x "$binary" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "$(basename "$binary") is missing: run 'sudo apt-get install -y $*' (or this script as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
