"""Clients of the systems the backend talks to. `rasa` is the one client of Rasa's HTTP API
(agents' replies and giving a conversation back, and the notifications sent into a
conversation), with `rasa_paths` for the conversation ids in its URLs."""
