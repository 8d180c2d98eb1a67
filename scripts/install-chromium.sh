#!/usr/bin/env bash
# Debian's Chromium for the web chat's browser test (driven by playwright-core with
# executablePath=/usr/bin/chromium). Never downloads a browser build of its own.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
"$(dirname "$0")/debian-package.sh" "$CHROMIUM" chromium fonts-dejavu-core
"$CHROMIUM" --version
