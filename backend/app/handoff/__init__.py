"""Handoff to a human agent: the queue of handed-over conversations, the transcripts that the
rasa server's event broker feeds in, the relay of agents' replies through Rasa's HTTP API, and
the real-time feed of the agent console."""
