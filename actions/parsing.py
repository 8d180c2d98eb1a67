"""Parsing and validation of what customers type: phones, e-mails, names, codes.

Pure functions, no Rasa imports, so every rule is testable on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers
import yaml

from actions.parsers import names
from contract import pins, tracking
from contract.text import fold

MAX_COMPLAINT_CHARS = 4000
MAX_FIELD_CHARS = 200

_LEXICON_PATH = Path(__file__).with_name("lexicon.yml")
_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})(?![\w-])")
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?$", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_MARKUP = re.compile(r"<[^>]{0,200}>")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    with _LEXICON_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=4096)
def _fold_keyword(keyword: str) -> str:
    """Lexicon entries are folded once, not on every message."""
    return fold(keyword)


@lru_cache(maxsize=1)
def _name_prefixes() -> tuple[str, ...]:
    """Longest first, so "mənim adım" is removed before "adım"."""
    return tuple(sorted((p for group in lexicon()["name_prefixes"].values() for p in group), key=len, reverse=True))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:-[^\W_]+)*", fold(text))


def words(text: str) -> list[str]:
    """The words of `text`, folded (lower case, no diacritics)."""
    return _words(text)


def mentions(text: str, keywords: list[str]) -> bool:
    """True when a keyword occurs: short ones as whole words, long ones as word prefixes,
    phrases as substrings."""
    folded = " " + " ".join(_words(text)) + " "
    words = folded.split()
    for kw in keywords:
        k = _fold_keyword(kw)
        if " " in k:
            if f" {k} " in folded or f" {k}" in folded:
                return True
        elif len(k) <= 3:
            if k in words:
                return True
        elif any(w.startswith(k) for w in words):
            return True
    return False


def says_dont_know(text: str) -> bool:
    """A short "don't know / don't have it / skip" in any of the four languages."""
    if len(_words(text)) > 6:
        return False
    return any(mentions(text, phrases) for phrases in lexicon()["dont_know"].values())


def says_no(text: str) -> bool:
    """A bare "нет" / "yox" / "nu" / "yok" ("no, I have none"), a few words at most."""
    words = _words(text)
    if not words or len(words) > 4:
        return False
    return any(mentions(text, phrases) for phrases in lexicon()["say_no"].values())


def decision_answer(text: str) -> str | None:
    """ "reject" / "approve" when the message says so in words, else None."""
    for answer in ("reject", "approve"):
        if any(mentions(text, phrases) for phrases in lexicon()[f"decision_{answer}"].values()):
            return answer
    return None


@lru_cache(maxsize=1)
def _decision_words() -> frozenset[str]:
    lex = lexicon()
    sections = ("decision_reject", "decision_approve", "say_no", "decision_fillers")
    return frozenset(w for s in sections for phrases in lex[s].values() for p in phrases for w in _words(p))


def says_why(text: str) -> bool:
    """An answer to a decision that says more than yes / no and the words around it: its reason
    ("nu sunt de acord, invertorul tot nu merge"; not "nu, nu sunt de acord cu această decizie")."""
    known = _decision_words()
    return len([w for w in _words(text) if w not in known]) >= 3


def says_human(text: str) -> bool:
    """The message asks for a person in words ("соедините с оператором", "vreau un om"); a person
    the story names in the past is not asked for ("am vorbit deja cu un operator si nu m-a ajutat")."""
    return any(mentions(text, words) for words in lexicon()["human"].values()) and not tells_of_a_person(text)


def tells_of_a_person(text: str) -> bool:
    """The message talks of a contact with a person in the past ("operatorla danışdım") and asks for none."""
    said = lambda section: any(mentions(text, words) for words in lexicon()[section].values())  # noqa: E731
    return said("human_told") and not said("human_asked")


def asks_about_status(text: str) -> bool:
    """Words of a question about a registered complaint: "статус", "durum", "stadiul", "nə oldu"."""
    return any(mentions(text, words) for words in lexicon()["status_words"].values())


def says_cancel(text: str) -> bool:
    """The message asks in words to cancel ("отмените", "ləğv edin", "anulați", "iptal")."""
    return any(mentions(text, words) for words in lexicon()["cancel"].values())


# Languages whose insults a conversation in a language may carry (Russian words in Azerbaijani).
_MIXED_WITH = {"az": ("az", "ru"), "ru": ("ru",), "ro": ("ro",), "tr": ("tr",)}


def sounds_angry(text: str, language: str | None = None) -> bool:
    """Insults, or a message shouted in capitals with exclamation marks. With the conversation's
    language, only its insults count: Azerbaijani "rəzil" is not Romanian "rezilierea"."""
    groups = lexicon()["anger"]
    languages = _MIXED_WITH.get(language or "", tuple(groups))
    if any(mentions(text, groups[lang]) for lang in languages):
        return True
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8
    return shouting and text.count("!") >= 2


def has_letters(text: str) -> bool:
    return bool(_LETTER.search(text or ""))


def clean(text: str) -> str:
    """Collapses whitespace and strips control characters; keeps the customer's words."""
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


# --- phone ---------------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    e164: str
    region: str | None
    foreign: bool


def find_phone(text: str, default_region: str) -> Phone | None:
    """The first valid phone number in the text, in E.164.

    Local formats are read with the policy's country as default ("051 777 20 30"
    in Azerbaijan); numbers with a "+" or 00 prefix may be from any country.
    """
    if not text:
        return None
    candidates = []
    for match in phonenumbers.PhoneNumberMatcher(text, default_region, leniency=phonenumbers.Leniency.POSSIBLE):
        candidates.append(match.number)
    if not candidates:
        digits = re.sub(r"[^\d+]", "", text)
        if 7 <= len(digits.lstrip("+")) <= 15:
            try:
                candidates.append(phonenumbers.parse(digits, default_region))
            except phonenumbers.NumberParseException:
                pass
    for number in candidates:
        if phonenumbers.is_valid_number(number):
            region = phonenumbers.region_code_for_number(number)
            return Phone(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                region,
                region != default_region,
            )
    return None


def example_phone(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+000000000"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- e-mail --------------------------------------------------------------------


def find_email(text: str) -> str | None:
    match = _EMAIL.search(text or "")
    if not match:
        return None
    address = match.group(1)
    local, _, domain = address.rpartition("@")
    if local.startswith(".") or local.endswith(".") or ".." in address:
        return None
    return f"{local}@{domain.lower()}"


# --- names ---------------------------------------------------------------------


def strip_name_prefix(text: str) -> str:
    """Removes "меня зовут", "mənim adım", "numele meu este", ... from the start."""
    text = clean(text).strip(" .,!:;-")
    folded = fold(text)
    for prefix in _name_prefixes():
        fp = _fold_keyword(prefix)
        if folded.startswith(fp + " ") or folded.startswith(fp + ":") or folded.startswith(fp + ","):
            return text[len(prefix) :].strip(" .,!:;-")
    return text


def normalise_name(text: str) -> str | None:
    """A full name of 2-6 words of letters (Latin, Cyrillic, with ə, ş, ț, ...), or None.

    Keeps the customer's spelling; only an all-lower-case or all-upper-case name
    is given capitals ("керимов фарид" -> "Керимов Фарид").
    """
    if not text or len(text) > MAX_FIELD_CHARS:
        return None
    name = strip_name_prefix(text)
    name = re.sub(r"\s*[,;]\s*", " ", name).strip()
    name = names.strip_suffixes(name)
    words = name.split()
    if not 2 <= len(words) <= 6:
        return None
    if not all(_NAME_WORD.match(w) for w in words):
        return None
    if sum(len(_LETTER.findall(w)) for w in words) < 4:
        return None
    if name == name.lower() or name == name.upper():
        name = " ".join(_capitalise(w) for w in words)
    return name


# Introductions that can precede any word ("я", "ben", "sunt"): a name after them must be capitalised.
_WEAK_PREFIXES = {"я", "это", "имя", "mən", "men", "sunt", "eu", "eu sunt", "ben"}
_NAME_END = re.compile(r"[,.;:!?()\n\d@+]")


def name_in_message(text: str) -> str | None:
    """The customer's full name introduced inside a longer message ("Добрый день, меня зовут
    Керимов Фарид, телефон ..."), for when the classifier did not mark it."""
    text = clean(text or "")
    for prefix in _name_prefixes():
        weak = prefix in _WEAK_PREFIXES
        pattern = r"(?<![^\W\d_])" + re.escape(prefix) + r"[\s:,-]+"
        for match in re.finditer(pattern, text, flags=re.IGNORECASE):
            rest = text[match.end() :]
            end = _NAME_END.search(rest)
            segment = rest[: end.start()] if end else rest
            words = []
            for word in segment.split()[:7]:
                tail = word.lower() in _TAILS
                if not _NAME_WORD.match(word) or (weak and not word[0].isupper() and not (words and tail)):
                    break
                if words and word[0].islower() and words[-1][0].isupper() and word.lower() not in _TAILS:
                    break  # "Керимов Фарид и ..." ends at the first lower-case word
                words.append(word)
            bounded = end is not None or len(words) == len(segment.split())
            if 2 <= len(words) <= 5 and (bounded or words[0][0].isupper()):
                name = normalise_name(" ".join(words))
                if name:
                    return name
    return None


# Patronymic words that follow a name in lower case ("Rauf oğlu", "Фуад оглы").
_TAILS = {"oğlu", "qızı", "oglu", "qizi", "kızı", "kizi", "oğludur", "qızıdır", "оглы", "кызы", "оглу", "гызы", "кизи"}


def _capitalise(word: str) -> str:
    w = word.lower()
    if w in _TAILS:
        return w
    first = word[0]
    first = "İ" if first in "iİ" and _looks_turkic(word) else first.upper()
    return first + w[1:]


def _looks_turkic(word: str) -> bool:
    return bool(set(word.lower()) & set("əğışöüç"))


# --- free text -----------------------------------------------------------------


def substantive(text: str, min_words: int = 3, min_letters: int = 12) -> bool:
    """A complaint of substance: several words, not just "hi" or a name."""
    words = [w for w in _words(text) if _LETTER.search(w)]
    letters = sum(len(_LETTER.findall(w)) for w in words)
    return len(words) >= min_words and letters >= min_letters


def neutralise_markup(text: str) -> str:
    """Drops HTML tags from stored text; what remains is shown as text anyway."""
    return _MARKUP.sub(" ", text).strip()


def field_named(text: str) -> str | None:
    """Which field a correction names ("телефон неправильный" -> "phone"). A keyword inside a longer
    one of another field does not count: "seriya nömrəsi" is the serial number, not a "nömrə"."""
    found = [
        (field, _fold_keyword(kw))
        for field, keywords in lexicon()["fields"].items()
        for kw in keywords
        if mentions(text, [kw])
    ]
    for field, keyword in found:
        if not any(other != field and keyword in longer and keyword != longer for other, longer in found):
            return field
    return None


def category_stated(text: str) -> str | None:
    """The kind of complaint when a message says it in so many words ("o reclamație despre
    service", "жалоба на изделие"); the device's name alone says nothing of the kind."""
    found = {category for category, words in lexicon()["category_stated"].items() if mentions(text, words)}
    return found.pop() if len(found) == 1 else None


def category_named(text: str) -> str | None:
    for category, keywords in lexicon()["category"].items():
        if mentions(text, keywords):
            return category
    return None


# --- tracking number and PIN -----------------------------------------------------

_PIN = pins.PIN


def find_tracking_number(text: str) -> str | None:
    """ "k7qm-4pxr", "K7QM 4PXR", "K7QM4PXR" -> "K7QM-4PXR" (letters and digits, no 0/O/1/I)."""
    for match in tracking.TYPED.finditer((text or "").upper()):
        candidate = match.group(1) + match.group(2)
        separated = match.group(0)[4:5] == "-"
        # About one tracking number in ten has no digit; written "ABCD-EFGH" it is still one,
        # while eight letters in a row are more likely a word.
        if separated or (re.search(r"\d", candidate) and re.search(r"[A-Z]", candidate)):
            return f"{match.group(1)}-{match.group(2)}"
    return None


def find_pin(text: str) -> str | None:
    match = _PIN.search(tracking.ANYWHERE.sub(" ", (text or "").upper()))
    return match.group(1) if match else None


def find_rating(text: str) -> int | None:
    match = re.fullmatch(r"\D*([1-5])\D*", (text or "").strip())
    return int(match.group(1)) if match else None


# --- gibberish -------------------------------------------------------------------

_NLU_DIR = Path(__file__).resolve().parents[1] / "data" / "nlu"


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every word of three letters or more in the training data and the lexicon, folded."""
    words: set[str] = set()
    for path in sorted(_NLU_DIR.glob("*.yml")):
        words.update(w for w in _words(path.read_text(encoding="utf-8")) if len(w) >= 3)
    for group in lexicon().values():
        for phrases in group.values():
            for phrase in phrases:
                words.update(w for w in _words(phrase) if len(w) >= 3)
    return frozenset(words)


def gibberish(text: str) -> bool:
    """Letters but not one word the assistant has ever seen, and no data in it."""
    words = [w for w in _words(text) if _LETTER.search(w) and len(w) >= 3]
    if not words or re.search(r"\d", text or "") or "@" in (text or ""):
        return False
    vocabulary = known_words()
    return not any(w in vocabulary or w[:5] in _prefixes() for w in words)


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[str]:
    return frozenset(w[:5] for w in known_words() if len(w) >= 5)
