"""Alerts to the staff: who must hear about a complaint or a conversation, when, and through
which of their own channels (the console's inbox, e-mail, the staff Telegram bot)."""
