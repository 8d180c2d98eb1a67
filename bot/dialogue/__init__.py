"""Custom dialogue policies of config.yml."""
