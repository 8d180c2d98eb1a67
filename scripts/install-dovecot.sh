#!/usr/bin/env bash
# Debian's dovecot for the e-mail channel's tests: a throw-away IMAP server the tests start on a
# free loopback port (tests/support/dovecot.py). Installs the package only; no service is started.
set -euo pipefail
DOVECOT="${DOVECOT:-/usr/sbin/dovecot}"
if [ -x "$DOVECOT" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "dovecot is missing: run 'sudo apt-get install -y dovecot-imapd' (or this script as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
"$DOVECOT" --version
