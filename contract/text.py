"""Folding text for keyword matching across four alphabets and missing diacritics."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case without diacritics (ə->e, ı->i, ș->s, ё->е), for keyword matching."""
    text = text.replace("İ", "i").replace("I", "ı").lower()
    text = text.replace("ə", "e").replace("ı", "i").replace("ё", "е")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)
