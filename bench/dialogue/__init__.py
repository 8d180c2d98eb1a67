"""The dialogue benchmark (`make bench-dialogue`, docs/testing.md): simulated customers of every
policy and language (customers/<lang>.yml) talk to the running assistant through the REST
channel; completion, turns and per-field accuracy per language and per policy.

customers.py reads and checks the customer files, simulate.py holds one conversation, score.py
compares fields and counts ideal turns, report.py prints and keeps the results."""
