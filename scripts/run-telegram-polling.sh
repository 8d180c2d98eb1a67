#!/usr/bin/env bash
# Telegram long polling for development: getUpdates, handed to the running rasa
# server's Telegram webhook (needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET,
# the same as rasa's, e.g. in .env).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$root"
exec "$root/.venv-rasa/bin/python" -m bot.channels.telegram.polling "$@"
