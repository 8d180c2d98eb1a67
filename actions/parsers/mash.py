"""What a person's answer is not: keyboard mash ("hjkhjk", "фывапролд"), while words the assistant
has never seen that a person writes are an answer ("выслать кабель экспресс-почтой"); and code
typed at a form ("'; DROP TABLE complaints; --", "<script>"), which the classifier may still mark
as a name in capitals."""

from __future__ import annotations

import re

from actions import parsing

_CODE = re.compile(
    r"['\"`]\s*;|;\s*--|--\s*$|<\s*/?\s*[a-z]+[^>]*>|\b(?:drop|select|insert|delete|update|union)\s+"
    r"(?:table|from|into|all|set)\b",
    re.IGNORECASE,
)


def looks_like_code(text: str) -> bool:
    """SQL or markup typed instead of an answer: quote-semicolon, a trailing "--", a tag, a statement."""
    return bool(_CODE.search(text or ""))


def keyboard_mash(text: str) -> bool:
    """Unreadable as an answer in the customer's own words: not a word the assistant has seen, and
    typed as keyboard mash ("hjkhjk", "фывапролд", "qwqwqwqw"). Words it has not seen that a person
    writes ("выслать кабель экспресс-почтой") are an answer."""
    words = [w for w in parsing.words(text) if parsing.has_letters(w) and len(w) >= 3]
    return parsing.gibberish(text) and all(_mash(w) for w in words)


_VOWELS = set("aeiouyəıöüâîăаеёиоуыэюяії")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _mash(word: str) -> bool:
    """Keyboard mash: no vowel, a chunk typed over and over ("hjkhjk", "zxczxczx"), or a run along a
    keyboard row ("йцукенг", "asdfg")."""
    letters = "".join(c for c in word if c.isalpha())
    if not letters or not any(c in _VOWELS for c in letters):
        return True
    if len(letters) >= 6 and any(letters[:size] * 2 == letters[: 2 * size] for size in (2, 3, 4)):
        return True
    return any(letters[i : i + 4] in row for row in _KEYBOARD_ROWS for i in range(len(letters) - 3))
