"""The new text of a letter: what the customer wrote this time, without the earlier letters
they quote, the reply header above them ("În dum., 6 dec. 2026 la 10:00, X a scris:"), their
signature or "Sent from my iPhone".

mail-parser-reply does the cutting; it knows English and a dozen Western languages but not
ro, ru, tr or az, whose reply headers and signatures come from reply_lexicon.yml beside this
file, registered into the library's own table once."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

LEXICON = Path(__file__).with_name("reply_lexicon.yml")
# Our four first; English, German and French headers come from customers' own mail programs.
LANGUAGES = ("ro", "ru", "tr", "az", "en", "de", "fr")
# "-- " (with its space) is the standard signature separator (RFC 3676 4.3); the library looks
# for "--" at a line's end, and for "> " quotes the library missed as a whole block.
_SIGNATURE_DASHES = re.compile(r"^-- $", re.MULTILINE)
_TRAILING_QUOTE = re.compile(r"(?:\n(?:>[^\n]*)?)+\Z")


@functools.cache
def _register_lexicon() -> None:
    for language, entry in (yaml.safe_load(LEXICON.read_text(encoding="utf-8")) or {}).items():
        MAIL_LANGUAGES.setdefault(language, entry)


def new_text(body: str) -> str:
    """The letter's own new text (stripped); "" when it only quotes."""
    _register_lexicon()
    text = _SIGNATURE_DASHES.sub("--", body.replace("\r\n", "\n"))
    replies = EmailReplyParser(languages=list(LANGUAGES)).read(text).replies
    reply = replies[0].body if replies else ""
    return _TRAILING_QUOTE.sub("", "\n" + reply).strip()
