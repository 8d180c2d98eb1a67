"""People's names as customers write them: first names per language, honorifics, and the case and
copula suffixes that Azerbaijani and Turkish glue onto a name ("Elvinəm", "Ayşe'yim", "Aytənə").

The first names live in names/<lang>.txt (see each file's header for where the list comes from);
titles and words that are names only when capitalised live in roles.yml beside this file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from contract.text import fold

LANGUAGES = ("ru", "az", "ro", "tr")
_HERE = Path(__file__).parent
_LETTERS = r"[^\W\d_]"
# "Ayşe'yim", "Kadıköy'deki": a lower-case tail of up to 7 letters after an apostrophe is a suffix;
# a one-letter stem ("O'Neil", "d'Arc") never is.
_APOSTROPHE = re.compile(rf"^({_LETTERS}{{2,}}(?:-{_LETTERS}+)*)['’`´ʼ]({_LETTERS}{{1,7}})$")
# Suffixes as folded text (ə->e, ı->i), longest first when tried.
_COPULA = ("dir", "dur", "tir", "tur", "yim", "yum", "yam", "im", "um", "am", "em")
_PAST = ("ydi", "ydu", "di", "du", "ti", "tu")
_CASES = (
    "ndan", "nden", "ndaki", "ndeki", "nin", "nun", "nda", "nde", "dan", "den", "tan", "ten",
    "daki", "deki", "yla", "yle", "in", "un", "ya", "ye", "yi", "yu", "ni", "nu", "da", "de",
    "ta", "te", "la", "le", "a", "e", "i", "u",
)  # fmt: skip
# Russian declension back to the nominative: (ending, replacement), tried in order.
_RU_ENDINGS = (
    ("ой", "а"), ("ей", "я"), ("ей", "а"), ("ом", ""), ("ем", "й"), ("ем", "ь"), ("у", "а"), ("у", ""),
    ("ю", "я"), ("ю", "й"), ("ю", "ь"), ("е", "а"), ("е", "я"), ("е", ""), ("и", "а"), ("и", "я"),
    ("ы", "а"), ("а", ""), ("я", "й"), ("я", "ь"),
)  # fmt: skip
# Romanian genitive-dative of a feminine name: "Ioanei" -> "Ioana".
_RO_ENDINGS = (("ei", "a"),)
_PATRONYMIC = ("oglu", "qizi", "kizi")
_SURNAME = re.compile(r"(ov|ev|yev|ova|eva|yeva|zade|li|lu|oglu|qizi|escu|eanu|ов|ев|ова|ева|ин|ина)$")


@lru_cache(maxsize=1)
def roles_lexicon() -> dict:
    """roles.yml: role words, honorifics, place words and the rest of the staff reader's lexicon."""
    with (_HERE / "roles.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=8)
def _first_names(language: str) -> frozenset[str]:
    lines = (_HERE / "names" / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _lowercase_words() -> frozenset[str]:
    return frozenset(fold(w) for w in roles_lexicon()["lowercase_words"])


@lru_cache(maxsize=1)
def _honorifics() -> frozenset[str]:
    h = roles_lexicon()["honorifics"]
    return frozenset(fold(w) for w in h["before"] + h["after"])


def cut_apostrophe(word: str) -> str:
    """ "Ayşe'yim" -> "Ayşe", "Yılmaz'ım" -> "Yılmaz"; "O'Neil" is left alone."""
    match = _APOSTROPHE.match(word)
    if match and match.group(2) == match.group(2).lower():
        return match.group(1)
    return word


# Letters typed in English spelling on a Latin keyboard without ş, ç, ğ, x: "Gulshen" is Gülşən.
_ASCII_SPELLINGS = (("sh", "s"), ("ch", "c"), ("gh", "g"), ("kh", "x"))


# Azerbaijani and Turkish names written in Russian letters ("Тельман", "Айгюнь", "Гюнель", "Гасан"):
# each Cyrillic letter with the folded Latin letters it stands for (Russian "г" is also Azerbaijani
# "q" and "h", "я" also "ə"; folding has made "й" an "и"). The Latin name lists then know them in
# either alphabet.
_CYRILLIC = {
    "а": ("a", "e"), "б": ("b",), "в": ("v",), "г": ("g", "q", "h"), "д": ("d",), "е": ("e",),
    "ж": ("j",), "з": ("z",), "и": ("i", "y"), "й": ("y",), "к": ("k", "q"), "л": ("l",), "м": ("m",),
    "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",),
    "ф": ("f",), "х": ("x", "h"), "ц": ("ts",), "ч": ("c",), "ш": ("s",), "щ": ("s",), "ъ": ("",),
    "ы": ("i",), "ь": ("",), "э": ("e",), "ю": ("u", "yu"), "я": ("a", "e", "ya", "ye"),
}  # fmt: skip
_MAX_SPELLINGS = 512


def _latin_spellings(folded: str) -> set[str]:
    """ "тельман" -> {"telman", "telmen", ...}; empty for a word that is not all Cyrillic."""
    spellings = {""}
    for letter in folded:
        options = _CYRILLIC.get(letter)
        if options is None:
            return set()
        if letter == "е" and not spellings - {""}:
            options = ("e", "ye")  # "Елена" / "Yelena" at the start
        spellings = {s + o for s in spellings for o in options}
        if len(spellings) > _MAX_SPELLINGS:
            return set()
    return spellings


def _known(folded: str, language: str | None, *, spelled: bool = True) -> bool:
    languages = (language,) if language in LANGUAGES else LANGUAGES
    if len(folded) < 2:
        return False
    variants = {folded}
    for typed, letter in _ASCII_SPELLINGS:
        variants |= {v.replace(typed, letter) for v in variants}
    if any(v in _first_names(lang) for v in variants for lang in languages):
        return True
    if not spelled:
        return False
    # An Azerbaijani or Turkish name in Russian letters, in a Russian (or any) message.
    turkic = [lang for lang in ("az", "tr") if language in (None, "ru", lang)]
    return any(v in _first_names(lang) for v in _latin_spellings(folded) for lang in turkic)


def is_first_name(word: str, language: str | None = None) -> bool:
    """A first name of the names resource ("Aytən", "aytan", "Ioana", "Айтен"); a word that is also a
    common word ("lazım", "umut", "вера") counts only when capitalised."""
    word = cut_apostrophe(word.strip('.,;:!?"«»()'))
    if not word:
        return False
    folded = fold(word)
    if word == word.lower() and folded in _lowercase_words():
        return False
    return _known(folded, language)


def is_surname(word: str) -> bool:
    """Looks like a surname by its ending (Quliyev, Məmmədova, Popescu, Иванова)."""
    folded = fold(cut_apostrophe(word))
    return len(folded) >= 5 and bool(_SURNAME.search(folded))


# Words after which a Russian name is in the genitive ("у кассира Тельмана", "от Рамиля").
GENITIVE_BEFORE = ("у", "от", "для", "без", "до", "из", "возле", "около")


def _genitive_context(before: str | None) -> bool:
    word = fold(before or "")
    # "кассира", "продавца" are genitives; "продавщица", "кассирша", "консультантка" nominatives.
    feminine = word.endswith(("ица", "ша", "тка", "вка"))
    return bool(_latin_spellings(word)) and (word in GENITIVE_BEFORE or (word.endswith(("а", "я")) and not feminine))


def base_form(word: str, language: str | None = None, *, cases: bool = True, before: str | None = None) -> str | None:
    """The first name `word` is a form of, spelled as the customer spelled it: "Aytənə" -> "Aytən",
    "Nigardı" -> "Nigar", "Ольгой" -> "Ольга", "Сабиром" -> "Сабир", "Ioanei" -> "Ioana"; None when
    it is none. `before`: the word before it ("кассира" makes "Рамиля" a genitive: Рамиль).
    A word that is itself a name is never cut ("Məryəm", "Kadir", "Elmira")."""
    word = cut_apostrophe(word)
    folded = fold(word)
    if _latin_spellings(folded):
        # Russian letters: a name of the lists as written, else a declined form of one
        # ("Тельмана", "Сабиром", "Нармине"), else an Azerbaijani name in Russian letters as written.
        if is_first_name(word, language) and _known(folded, language, spelled=False):
            return word
        undone, as_is = _undeclined(word, language), is_first_name(word, language)
        if undone and as_is and folded.endswith(("а", "я")) and not _genitive_context(before):
            return word  # "Нармина", "Рамиля": a woman's name, unless "у кассира Рамиля"
        return undone or (word if as_is else None)
    if is_first_name(word, language):
        return word
    if folded in _lowercase_words() and word == word.lower():
        return None
    suffixes = _COPULA + _PAST + (_CASES if cases else ())
    for suffix in sorted(suffixes, key=len, reverse=True):
        stem = word[: -len(suffix)]
        if folded.endswith(suffix) and len(stem) >= 3 and is_first_name(stem, language):
            return stem
    return _undeclined(word, language)


def _undeclined(word: str, language: str | None) -> str | None:
    """The nominative of a Russian or Romanian case form of a known name ("Ольгой" -> "Ольга")."""
    for ending, replacement in _RU_ENDINGS + _RO_ENDINGS:
        # Compared as written: folding would take "й" for "и".
        if word.lower().endswith(ending) and len(word) > len(ending) + 1:
            candidate = word[: -len(ending)] + replacement
            if is_first_name(candidate, language):
                return candidate
    return None


def _strip_copula(word: str) -> str:
    """The last word of a full name: "oğludur" -> "oğlu", "Elvinəm" -> "Elvin", "Quliyevəm" -> "Quliyev"."""
    folded = fold(word)
    for tail in _PATRONYMIC:
        if folded.startswith(tail) and len(folded) > len(tail):
            return word[: len(tail)]
    if is_first_name(word):
        return word
    for suffix in sorted(_COPULA, key=len, reverse=True):
        stem = word[: -len(suffix)]
        if folded.endswith(suffix) and len(stem) >= 3 and (is_first_name(stem) or is_surname(stem)):
            return stem
    return word


def strip_suffixes(name: str) -> str:
    """Case and copula suffixes removed from a full name as written after "adım", "ben", ...:
    "Quliyev Elvin Rauf oğludur" -> "Quliyev Elvin Rauf oğlu"; "Yılmaz Ayşe'yim" -> "Yılmaz Ayşe";
    "Məmmədova Leyla Akif qızıyam" -> "Məmmədova Leyla Akif qızı". A suffix without an apostrophe
    is cut only where what is left is a known name or looks like a surname ("Məryəm", "İlham",
    "Kadir", "Nadir" stay whole)."""
    words = [cut_apostrophe(w) for w in name.split()]
    if not words:
        return name.strip()
    words[-1] = _strip_copula(words[-1])
    return " ".join(words)


def strip_honorifics(words: list[str]) -> list[str]:
    """["Ayten", "Hanım"] -> ["Ayten"]; ["doamna", "Ioana"] -> ["Ioana"]; ["г-жа", "Иванова"] ->
    ["Иванова"]. A title with a suffix ("Hanım'a", "bəyə") goes too."""
    kept = []
    for word in words:
        bare = fold(cut_apostrophe(word.strip(".,;:!?")))
        if bare in _honorifics() or bare.rstrip(".") in _honorifics():
            continue
        kept.append(word)
    return kept


def capitalise(word: str, turkic: bool) -> str:
    """ "ayten" -> "Ayten"; "ilham" -> "İlham" in Azerbaijani or Turkish text, "Ioana" in Romanian."""
    lower = word.lower()
    first = "İ" if turkic and lower[:1] == "i" else lower[:1].upper()
    parts = (first + lower[1:]).split("-")
    return "-".join(p[:1].upper() + p[1:] if p else p for p in parts)


def looks_turkic(text: str) -> bool:
    """The text uses letters only Azerbaijani and Turkish have (ə, ğ, ı, ş, İ)."""
    return bool(set(text) & set("əƏğĞıİşŞ"))


def looks_like_a_name(text: str) -> bool:
    """Some word of it is a known first name or has a surname's shape: "Xiaomi Redmi", marked a
    person by the classifier, is neither."""
    words = [cut_apostrophe(w.strip(".,;:")) for w in text.split()]
    return any(w and (is_first_name(w) or is_surname(w)) for w in words)
