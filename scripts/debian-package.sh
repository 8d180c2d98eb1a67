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
# `make -j` may install two tools at once: apt-get fails at once on a lock another apt-get holds,
# so the project's installs take turns (flock), and wait for anyone else's dpkg lock.
exec 9>/var/lock/complaints-debian-package.lock
flock 9
[ -x "$binary" ] && exit 0
wait_lock=(-o DPkg::Lock::Timeout=600)
apt-get "${wait_lock[@]}" update -qq
apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
