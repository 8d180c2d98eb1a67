"""What the tests (and the benchmarks) run against instead of the outside world: local servers
that speak the real protocols, on loopback."""
