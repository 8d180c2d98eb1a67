"""Tracking numbers: two groups of four from an alphabet without 0/O and 1/I, e.g. K7QM-4PXR.

A customer reads the number from an SMS and types it back, so the look-alike characters
are left out; customers type it with a space or without the dash, in lower case.
"""

from __future__ import annotations

import re

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
HALF = 4
_CHAR = "[2-9A-HJ-NP-Z]"

# Exactly a tracking number as the backend writes it.
TRACKING_NUMBER = re.compile(rf"^{_CHAR}{{{HALF}}}-{_CHAR}{{{HALF}}}$")
# A tracking number as the bot writes it inside a reply.
IN_REPLY = re.compile(rf"\b{_CHAR}{{{HALF}}}-{_CHAR}{{{HALF}}}\b")
# Anywhere in upper-cased text, even glued to other characters (to blank it out before looking
# for something else, e.g. a PIN next to it).
ANYWHERE = re.compile(rf"{_CHAR}{{{HALF}}}[\s-]?{_CHAR}{{{HALF}}}")
# As a customer types it, in upper-cased text: dash, space or nothing between the halves.
TYPED = re.compile(rf"(?<![0-9A-Z])({_CHAR}{{{HALF}}})[\s-]?({_CHAR}{{{HALF}}})(?![0-9A-Z])")
