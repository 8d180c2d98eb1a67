#!/usr/bin/env bash
# Debian's dovecot for the e-mail channel's tests: a throw-away IMAP server the tests start on a
# free loopback port (tests/support/dovecot.py). Installs the package only; no service is started.
set -euo pipefail
DOVECOT="${DOVECOT:-/usr/sbin/dovecot}"
[ -x "$DOVECOT" ] && exit 0
"$(dirname "$0")/debian-package.sh" "$DOVECOT" dovecot-imapd
"$DOVECOT" --version
