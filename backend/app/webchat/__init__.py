"""The website chat: the page at /chat, the embed script and the rasa-webchat widget bundle."""
