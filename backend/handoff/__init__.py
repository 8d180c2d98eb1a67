"""Tools around the handoff to a human agent (the benchmark); the feature itself lives in
backend.app.handoff."""
