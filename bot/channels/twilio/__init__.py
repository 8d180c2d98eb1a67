"""The WhatsApp channel through Twilio: channel.py (rasa), payload.py (forms in and out, rasa-free)."""
