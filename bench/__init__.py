"""Every benchmark of the project (`make bench-*`), run as `python -m bench.<name>` from the repo
root; what they share (timing, percentiles, the result table, databases, processes) is in
`bench.runner`."""
