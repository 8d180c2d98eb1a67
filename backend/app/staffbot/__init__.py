"""The staff Telegram bot (aiogram): agents link their account with a one-time code from the
console, get alerts with buttons (take, open in the console, snooze) and answer waiting
customers from Telegram through the console's own reply flow."""
