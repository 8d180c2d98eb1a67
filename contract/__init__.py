"""Contracts shared by the Rasa side (Python 3.10, rasa + rasa-sdk) and the backend (3.11).

Only the standard library, PyYAML and lingua (both environments have them): the field
list, statuses and their transitions, tracking numbers, text folding, language detection,
the policy profiles' files and intake, and the process settings with their defaults.
Everything that both sides must agree on is written here once.
"""
