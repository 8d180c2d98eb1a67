"""Handoff to a human agent: the queue of handed-over conversations (waiting, taken, passed on,
given back to the bot), what happens when an agent acts on one (flows: the transcript, Rasa,
the consoles' feed), the real-time feed of the agent console (hub), the `handoffs_waiting`
gauge, and the routes /api/handoffs. The transcripts themselves: backend.app.conversations."""
