"""Custom NLU components of config.yml's pipeline."""
