"""The Telegram channel: channel.py (rasa), updates.py (parsing, rasa-free), polling.py (long polling)."""
