"""What plugs into the rasa server's runtime: the lock store, the event brokers (and their relay
to the backend), health/readiness/metrics (ops) and the patches of Rasa's own behaviour."""
