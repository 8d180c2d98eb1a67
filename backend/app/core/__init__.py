"""What every feature stands on: the process's settings, the database engine and migrations,
the request dependencies (session, settings), the controllable clock, tracking numbers, PINs,
passwords and tokens, body limits, log filters, Prometheus metrics and the health checks. Nothing
here imports a feature package."""
