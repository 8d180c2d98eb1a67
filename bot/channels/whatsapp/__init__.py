"""The WhatsApp channel on Meta's Cloud API: channel.py (rasa), payload.py (bodies in and out, rasa-free)."""
