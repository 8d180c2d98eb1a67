#!/usr/bin/env bash
# rasa data validate, failing on every warning except the ones that are expected:
# responses sent by the action server (not named in stories) and the
# button/reminder/page-only intents that have no NLU examples by design
# (start_chat: the web chat page opening, web/embed.js).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(.venv-rasa/bin/rasa data validate 2>&1)
rc=$?
unexpected=$(printf '%s\n' "$out" | grep -E "UserWarning|WARNING|ERROR" \
  | grep -v "is not used in any story or rule" \
  | grep -v -E "The intent .(EXTERNAL_[a-z_]+|retry_registration|start_chat). is listed in the domain file, but is not found in the NLU training data")
if [ $rc -ne 0 ] || [ -n "$unexpected" ]; then
  printf '%s\n' "$out" | tail -40
  echo "rasa data validate: unexpected problems:"; printf '%s\n' "$unexpected"
  exit 1
fi
echo "rasa data validate: ok"
