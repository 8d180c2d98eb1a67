"""The complaint as a care agent writes it down: the customer's words of what happened, without the
greeting, the "I want to complain", the customer's own details and the thanks.

Nothing is reworded or added: words are only left out, and the punctuation left dangling by that
is tidied. The phrases per language are in complaint_phrases.yml; every language's phrases are
tried on every message, because customers mix Russian into Azerbaijani and drop diacritics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers
import yaml

from contract.text import fold

_PHRASES_PATH = Path(__file__).with_name("complaint_phrases.yml")
_TOKEN = re.compile(
    r"(?P<w>[^\W_]+(?:['’.\-/@+][^\W_]+)*)|(?P<s>[.!?;:,…]+|[–—]|(?<=\s)-(?=\s)|\n)|(?P<o>[^\w\s])", re.UNICODE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]*\d")
# Between an introduction and its value: "тел: 050...", "numele meu este ...", "nömrəm - 050...".
_FILLERS = {":", "-", "–", "—", "это", "este", "e", "is", "budur", "şu", "su", "="}
_PATRONYMIC = ("oğlu", "oglu", "qızı", "qizi", "kızı", "kizi")
_MIN_WORDS, _MIN_LETTERS = 3, 12
_SIGN_OFF_TAIL = 5  # words that may follow a closing at the very end ("Спасибо, Фарид")


@dataclass
class _Tok:
    kind: str  # "w" word, "s" separator between clauses, "o" other mark, "v" a value to leave out
    text: str
    start: int
    end: int
    key: str
    keep: bool = True
    pos: int = 0


@lru_cache(maxsize=1)
def _phrase_file() -> dict:
    with _PHRASES_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[tuple[str, ...]]]:
    """Each group's phrases as folded word tuples, longest first."""
    raw = _phrase_file()
    groups: dict[str, list[str]] = {
        "greetings": [p for ps in raw["greetings"].values() for p in ps],
        "formulas": [p for ps in raw["complaint_formulas"].values() for p in ps],
        "closings": [p for ps in raw["closings"].values() for p in ps],
        "strong_name": raw["strong_name_introductions"],
    }
    for field, ps in raw["introductions"].items():
        groups[f"intro_{field}"] = ps
    out = {}
    for name, phrases in groups.items():
        tuples = {tuple(t.key for t in _tokenise(p) if t.kind == "w") for p in phrases}
        out[name] = sorted((t for t in tuples if t), key=len, reverse=True)
    return out


def _tokenise(text: str) -> list[_Tok]:
    toks = []
    for pos, m in enumerate(_TOKEN.finditer(text)):
        toks.append(_Tok(m.lastgroup or "o", m.group(0), m.start(), m.end(), fold(m.group(0)), pos=pos))
    return toks


def _value_spans(text: str, remove: Iterable[str]) -> list[tuple[int, int]]:
    """Where the e-mails, phone numbers and the given values are."""
    spans = [m.span() for m in _EMAIL.finditer(text)]
    for region in ("AZ", "TR", "RO", "RU"):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            # A phone as people type one: with +, 00 or a trunk 0 / 8 (not an order number).
            if m.raw_string.lstrip("(")[:1] in "+08":
                spans.append((m.start, m.end))
    words = [t for t in _tokenise(text) if t.kind == "w"]
    for value in remove:
        value = (value or "").strip()
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 7:
            for m in _DIGIT_RUN.finditer(text):
                if len(re.sub(r"\D", "", m.group(0))) >= 7 and re.sub(r"\D", "", m.group(0))[-7:] == digits[-7:]:
                    spans.append(m.span())
            continue
        spans.extend(_word_spans(words, [t.key for t in _tokenise(value) if t.kind == "w"]))
    return spans


def _word_spans(words: list[_Tok], value: list[str]) -> list[tuple[int, int]]:
    """Runs of words that are the value's words in any order, a suffix allowed on each
    ("Yılmaz Ayşe'yim", "Quliyev Elvin Rauf oğludur", "Керимова Фарида")."""
    if not value:
        return []
    need = len(value) if len(value) < 2 else 2
    spans, i = [], 0
    while i < len(words):
        left, j = list(value), i
        while j < len(words) and left:
            hit = next((v for v in left if _same_word(words[j].key, v)), None)
            if hit is None:
                break
            left.remove(hit)
            j += 1
        if j - i >= need:
            spans.append((words[i].start, words[j - 1].end))
            i = j
        else:
            i += 1
    return spans


def _same_word(word: str, value: str) -> bool:
    if word == value:
        return True
    return len(value) >= 3 and word.startswith(value) and len(word) - len(value) <= 5 and not value.isdigit()


def _match(toks: list[_Tok], i: int, phrases: list[tuple[str, ...]]) -> int:
    """Tokens covered by the longest phrase starting at toks[i] (words only), 0 when none."""
    for phrase in phrases:
        n = len(phrase)
        if i + n <= len(toks) and all(toks[i + k].kind == "w" and toks[i + k].key == phrase[k] for k in range(n)):
            return n
    return 0


def _match_end(toks: list[_Tok], end: int, phrases: list[tuple[str, ...]]) -> int:
    """Tokens covered by the longest phrase ending just before toks[end]."""
    for phrase in phrases:
        n = len(phrase)
        if end - n >= 0 and _match(toks[end - n : end], 0, [phrase]):
            return n
    return 0


def _skip_fillers(toks: list[_Tok], j: int) -> int:
    while j < len(toks) and (toks[j].key in _FILLERS or toks[j].text in (":", "-")):
        j += 1
    return j


def _drop_introduced_values(toks: list[_Tok]) -> None:
    """ "меня зовут <name>", "тел: <phone>", "e-mail <address>": the introduction goes with its value."""
    p = _phrases()
    intros = p["intro_name"] + p["intro_phone"] + p["intro_email"]
    for i in range(len(toks)):
        n = _match(toks, i, intros)
        if not n:
            continue
        j = _skip_fillers(toks, i + n)
        end = j
        while end < len(toks) and toks[end].kind == "v":
            end += 1
        if end == j and _match(toks, i, p["intro_phone"]):
            end = _digits_after(toks, j)
        if end == j and _match(toks, i, p["strong_name"]) == n:
            end = _name_after(toks, j)
        if end > j:
            for t in toks[i:end]:
                t.keep = False


def _digits_after(toks: list[_Tok], j: int) -> int:
    """A phone number the phone library did not take, after "тел" / "telefonum": 7 digits or more."""
    end, digits = j, 0
    while end < len(toks) and (toks[end].key.isdigit() or toks[end].text in "+()-"):
        digits += sum(c.isdigit() for c in toks[end].text)
        end += 1
    return end if digits >= 7 else j


def _name_after(toks: list[_Tok], j: int) -> int:
    """The name after "меня зовут": capitalised words (and "oğlu", "qızı"), or a short lower-case clause."""
    end = j
    while end < len(toks) and end - j < 5 and toks[end].kind == "w":
        word = toks[end]
        if not (word.text[:1].isupper() or word.key.startswith(_PATRONYMIC)):
            break
        end += 1
    if end > j:
        return end
    while end < len(toks) and toks[end].kind == "w":
        end += 1
    return end if 0 < end - j <= 4 else j


def _drop_sign_off(toks: list[_Tok]) -> None:
    """ "Спасибо, Фарид Керимов", "Hörmətlə, Elvin": a closing and what follows it to the end."""
    closings = _phrases()["closings"]
    live = [t for t in toks if t.keep]
    for i, t in enumerate(live):
        if t.kind == "w" and _match(live, i, closings):
            tail = [x for x in live[i + _match(live, i, closings) :] if x.kind == "w"]
            if len(tail) <= _SIGN_OFF_TAIL and all(x.text[:1].isupper() or _match([x], 0, closings) for x in tail):
                for x in live[i:]:
                    x.keep = False
                return


def _clauses(toks: list[_Tok]) -> list[tuple[list[_Tok], _Tok | None]]:
    out, current = [], []
    for t in toks:
        if t.kind == "s":
            out.append((current, t))
            current = []
        else:
            current.append(t)
    out.append((current, None))
    return out


def _trim_clause(clause: list[_Tok], first: bool) -> list[_Tok]:
    """Greetings and formulas at the start, formulas and thanks at the end, values anywhere."""
    p = _phrases()
    c = [t for t in clause if t.keep and t.kind != "v"]
    changed = True
    greeted = False
    while c and changed:
        changed = False
        for group in ("greetings", "formulas", "closings"):
            n = _match(c, 0, p[group])
            if n and (group != "formulas" or n > 1 or n == len(c)):
                c, changed, greeted = c[n:], True, greeted or group == "greetings"
        for group in ("formulas", "closings"):
            n = _match_end(c, len(c), p[group])
            if n and (group != "formulas" or n > 1 or n == len(c)):
                c, changed = c[: len(c) - n], True
        if c and c[0].kind == "o" and c[0].text in "-–—":
            c, changed = c[1:], True
    if _announces(c) or _describes_self(c):
        return []
    # "Hörmətli Kontakt Home,": an address at the head of the message, not part of the story.
    if first and greeted and sum(t.kind == "w" for t in c) <= 3:
        return []
    if not any(t.kind == "w" for t in c):
        return []
    return c


@lru_cache(maxsize=1)
def _announcement_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """(whole words, stems of the "*" entries) of complaint_phrases.yml's announcement_words."""
    words = [fold(w) for ws in _phrase_file()["announcement_words"].values() for w in ws]
    return frozenset(w for w in words if not w.endswith("*")), tuple(w[:-1] for w in words if w.endswith("*"))


def _announces(clause: list[_Tok]) -> bool:
    """ "Хотела бы подать претензию", "Size bir şikayet iletmek istiyorum": every word of the clause
    only announces a complaint (or asks where to send one); what happened is not in it."""
    words = [t.key for t in clause if t.kind == "w"]
    whole, stems = _announcement_words()
    return bool(words) and all(w in whole or w.startswith(stems) for w in words)


@lru_cache(maxsize=1)
def _self_descriptions() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in _phrase_file()["self_descriptions"])


def _describes_self(clause: list[_Tok]) -> bool:
    """ "Я мастер-отделочник", "работаю с вашей продукцией", "Mən sizin daimi müştərinizəm", "Sunt
    zugrav", "Yıllardır ürünlerinizi kullanıyorum": who the customer is, that they buy or use the
    company's products; no event (complaint_phrases.yml self_descriptions)."""
    said = " ".join(t.key for t in clause if t.kind == "w")
    # "Sunt zugrav și folosesc vopselele voastre": each part joined by "and" says so.
    parts = [p.strip() for p in re.split(r"(?:^| )(?:и|si|ve)(?= |$)", said)]
    return bool(said) and all(any(p.search(part) for p in _self_descriptions()) for part in parts if part)


def announces_a_complaint(text: str) -> bool:
    """ "şikayet", "жалоба", "bir reclamație": the whole message asks to file a complaint, nothing
    else (the announcement words, one of them the word for a complaint itself or for how the customer
    was treated: "Bu nə münasibətdir?!", "Какое безобразие!")."""
    toks = _tokenise(text)
    stems = _complaint_stems() + tuple(fold(w) for w in _phrase_file()["feeling_words"])
    return _announces(toks) and any(t.key.startswith(stems) for t in toks if t.kind == "w")


def names_the_complaint(text: str) -> bool:
    """The word for a complaint is in the message ("şikayetimi", "жалобу", "reclamația")."""
    return any(t.key.startswith(_complaint_stems()) for t in _tokenise(text) if t.kind == "w")


@lru_cache(maxsize=1)
def _complaint_stems() -> tuple[str, ...]:
    return tuple(fold(w) for w in _phrase_file()["complaint_words"])


def _join(toks: list[_Tok], text: str) -> str:
    out, previous = "", None
    for t in toks:
        if previous is not None:
            out += text[previous.end : t.start] if t.pos == previous.pos + 1 else " "
        out += t.text
        previous = t
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([.!?;:,…])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"^[\s.,;:!?…–—-]+", "", text)
    text = re.sub(r"[\s,;:–—-]+$", "", text).strip()
    if not text:
        return text
    first = text[0]
    if first == "i" and re.search(r"[əğışİ]", text):
        first = "İ"
    return first.upper() + text[1:]


def _substantial(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]+", text)]
    return len(words) >= _MIN_WORDS and sum(len(w) for w in words) >= _MIN_LETTERS


def what_happened(text: str, remove: Iterable[str] = ()) -> str | None:
    """The complaint as a care agent writes it down: the customer's own words of what happened,
    with greetings, "I want to complain / I have a complaint", field introductions and the values
    in `remove` (the customer's name, phone, e-mail, staff name when given as details, ticket...)
    and the phone numbers / e-mails in the text removed, plus polite closings; whitespace and
    punctuation left over tidied (no dangling commas, first letter capitalised). Nothing invented,
    no rewording. None when nothing of substance remains (fewer than 3 words / 12 letters).
    "Здравствуйте! Меня зовут Керимов Фарид, тел 050 321 76 54. Хочу пожаловаться: кассир Лейла не
    выдала сдачу 20 манат" -> "Кассир Лейла не выдала сдачу 20 манат"."""
    return _what_happened(text or "", tuple(r for r in remove if r))


@lru_cache(maxsize=256)  # one message is trimmed from several places (interrupts, story, the answer)
def _what_happened(text: str, remove: tuple[str, ...]) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    spans = _value_spans(text, list(remove))
    toks = _tokenise(text)
    for t in toks:
        if any(s < t.end and t.start < e for s, e in spans):
            t.kind = "v"
    _drop_introduced_values(toks)
    _drop_sign_off(toks)
    pieces = []
    for index, (clause, sep) in enumerate(_clauses(toks)):
        kept = _trim_clause(clause, first=not pieces and index < 3)
        if kept:
            pieces.append(_join(kept, text) + (sep.text if sep is not None and sep.text != "\n" else ""))
    result = _tidy(" ".join(pieces))
    return result if _substantial(result) else None


TOPIC_MAX_WORDS = 16


@lru_cache(maxsize=1)
def _topics() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in _phrase_file()["topics"])


def is_topic(body: str) -> bool:
    """The complaint's subject without what happened ("Am o problema cu un aer conditionat luat
    de la voi", "Servisle ilgili bir sorunum var", "Пишу по поводу онлайн-заказа", "Я очень
    недоволен вашим инвертором", "Bakıda distributordan Poliser boyası almışam"): an agent notes
    it and asks what happened."""
    words = body.split()
    # A second sentence or clause ("Купила утюг, он не греет") tells what happened.
    if not words or len(words) > TOPIC_MAX_WORDS or re.search(r"[.!?;:,]\s+\S", body):
        return False
    folded = " ".join(fold(w) for w in re.findall(r"[^\W_]+(?:-[^\W_]+)*", body))
    return any(p.search(folded) for p in _topics())


# Words that say there is a problem, and nothing of which one: no subject on their own.
_PROBLEM_WORDS = ("проблем", "вопрос", "problem", "sorun", "reclam", "plang", "sikayet", "jalob", "pretenz")
# "about": the end of a subject said before its announcement ("Teknik servisinizle ilgili ...").
_ABOUT = {"ilgili", "bagli", "hakkinda", "haqqinda", "barede", "baresinde", "dair", "elaqedar"}


def with_topic(topic: str, body: str) -> str:
    """What happened, after the subject the first message named when the story does not already
    say it: "У меня проблема с посудомойкой. После первой мойки на дверце трещина". A subject the
    story repeats goes ("am o problemă cu o comandă" before "Am comandat un aspirator..."), and so
    does the announcement after it ("Teknik servisinizle ilgili bir şikayet iletmek istiyorum" ->
    "Teknik servisinizle ilgili")."""
    words = [t for t in _tokenise(topic) if t.kind == "w"]
    whole, stems = _announcement_words()
    said = lambda t: t.key in whole or t.key.startswith(stems) or t.key.startswith(_PROBLEM_WORDS)  # noqa: E731
    content = [t.key for t in words if not said(t) and t.key not in _ABOUT and len(t.key) >= 3]
    story = [t.key for t in _tokenise(body) if t.kind == "w"]
    if not any(not any(w.startswith(c[:5]) for w in story) for c in content):
        return body
    while words and said(words[-1]) and words[-1].key not in _ABOUT:
        words.pop()
    subject = _tidy(topic[: words[-1].end]) if words else topic
    return f"{subject.rstrip('.')}. {body}"
