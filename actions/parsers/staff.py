"""Who served the customer: the staff member's name and role, or a place where no person is named.

"кассир Айтен нагрубила" -> Айтен, кассир; "курьер опоздал" -> the role only; "в магазине на улице
Низами" -> a place. The words it knows are in roles.yml, the first names in names/<lang>.txt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from actions.parsers import names
from contract.text import fold

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’`´ʼ.][^\W\d_]+)*|[.!?\n]+|[,;:—–()«»\"]|\s-\s")
_SENTENCE_END = re.compile(r"^[.!?\n]+$")
# Role words an Azerbaijani or Turkish customer follows with who it was: "satıcı qız", "kasiyer kız".
_ROLE_TAILS = {"qiz", "oglan", "kiz", "kadin", "adam", "xanim", "bayan", "cocuk"}
_AND = {"и", "si", "ve"}
MAX_NAME_WORDS = 3
MAX_GAP = 3  # words between a role and its name ("кассир, девушка по имени Айтен")
SHORT_ANSWER = 4  # an answer this short may be a bare capitalised name at its start


@dataclass(frozen=True)
class StaffReading:
    name: str | None  # "Айтен", "Ayten", "Orxan": honorifics and case suffixes removed
    role: str | None  # as written: "кассир", "kasiyer", "curierul", "satıcı qız"
    place: bool  # a place / channel / company is named and no person


@dataclass
class _Token:
    text: str
    folded: str
    start: int
    end: int
    initial: bool  # first word of a sentence
    pause: bool  # a comma or dash right before it
    kind: str | None = None  # role, honorific_before, ..., or None for a plain word
    span: int = 1  # words the lexicon entry covers, on the first token of a match


# --- lexicon ---------------------------------------------------------------------


def _entries(words: list[str]) -> list[tuple[str, ...]]:
    """Each entry as its folded words, a word ending in "*" standing for its inflected forms
    ("кассир*", "горяч* лини*")."""
    out = [tuple(fold(w) for w in entry.split()) for entry in words]
    return sorted((e for e in out if e), key=len, reverse=True)


@lru_cache(maxsize=1)
def _lexicon() -> list[tuple[str, list[tuple[str, ...]]]]:
    """Kinds in the order they win when a word is in two of them."""
    lex = names.roles_lexicon()
    every = lambda group: [w for words in group.values() for w in words]  # noqa: E731
    return [
        ("company", _entries(lex["companies"])),
        ("self", _entries(lex["self_markers"])),
        ("marker_before", _entries(lex["markers"]["before"])),
        ("marker_after", _entries(lex["markers"]["after"])),
        ("role", _entries(every(lex["roles"]))),
        ("honorific_before", _entries(lex["honorifics"]["before"])),
        ("honorific_after", _entries(lex["honorifics"]["after"])),
        ("place", _entries(every(lex["places"]))),
        ("descriptor", _entries(every(lex["descriptors"]))),
        ("filler", _entries(lex["markers"]["fillers"])),
        ("not_name", _entries(lex["not_names"])),
    ]


@lru_cache(maxsize=2)
def _neighbours(*, before: bool) -> list[tuple[str, ...]]:
    lex = names.roles_lexicon()
    return _entries(lex["place_neighbours"] + (lex["place_prepositions"] if before else []))


@lru_cache(maxsize=1)
def _brand_neighbours() -> list[tuple[str, ...]]:
    return _entries(names.roles_lexicon()["brand_neighbours"])


def _word_matches(word: str, part: str, prefix: bool) -> bool:
    if word == part or (prefix and word.startswith(part)):
        return True
    # "девушка-кассир", "онлайн-заказ": a part of a hyphenated word.
    return "-" in word and any(p == part or (prefix and p.startswith(part)) for p in word.split("-"))


def _match(tokens: list[_Token], i: int, entries: list[tuple[str, ...]]) -> int:
    """How many tokens from i an entry covers (0 when none does)."""
    for parts in entries:
        n = len(parts)
        window = tokens[i : i + n]
        if len(window) < n or any(t.initial or t.pause for t in window[1:]):
            continue
        if all(_word_matches(t.folded, p.rstrip("*"), p.endswith("*")) for t, p in zip(window, parts, strict=True)):
            return n
    return 0


# --- tokens --------------------------------------------------------------------


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    initial, pause = True, False
    for m in _TOKEN.finditer(text):
        piece = m.group(0)
        if _SENTENCE_END.match(piece.strip()) and piece.strip():
            # "ул. Низами", "d-na. Ioana": a period after a title or a street word ends no sentence.
            if not (piece.strip() == "." and tokens and tokens[-1].kind in ("honorific_before", "place")):
                initial = True
            continue
        if not piece.strip() or not piece.strip()[0].isalpha():
            pause = pause or piece.strip() in (",", ";", ":", "—", "–", "-", "(")
            continue
        word = piece.strip(".")
        folded = fold(names.cut_apostrophe(word))
        tokens.append(_Token(word, folded, m.start(), m.start() + len(word), initial, pause))
        initial, pause = False, False
        _classify_last(tokens)
    return tokens


def _classify_last(tokens: list[_Token]) -> None:
    """Classifies as soon as a token is read, so abbreviations know what they follow."""
    i = len(tokens) - 1
    if tokens[i].kind is None:
        for kind, entries in _lexicon():
            n = _match(tokens, i, entries)
            if n == 1:
                tokens[i].kind = kind
                return


def _classify(tokens: list[_Token]) -> None:
    """Multi-word entries ("satış danışmanı", "Fan Courier", "по имени") over single words, of
    whatever kind: "yetkili servisi" is a place, though "yetkili" alone is a role."""
    i = 0
    while i < len(tokens):
        # The longest match; between matches of one length, the kind listed first.
        n, kind = max(((_match(tokens, i, entries), kind) for kind, entries in _lexicon()), key=lambda m: m[0])
        if n:
            for k in range(i, i + n):
                tokens[k].kind = kind
            tokens[i].span = n
            i += n
        else:
            tokens[i].kind = None
            i += 1


# --- names -------------------------------------------------------------------------


def _name_like(token: _Token, lower_text: bool) -> str | None:
    """'known' for a first name of the resource, 'capital' for another capitalised word, else None."""
    bare = names.cut_apostrophe(token.text)
    if token.kind is not None or len(fold(bare)) < 2 or not bare.replace("-", "").isalpha():
        return None
    if not lower_text and bare[:1].islower() and not names.is_first_name(bare):
        # "ödeme alındı" in a capitalised text: a lower-case word is a name only as it is, not once
        # a suffix is cut from it ("alındı" is no "Alın").
        return None
    if names.base_form(token.text) is not None:
        return "known"
    if not lower_text and token.text[:1].isupper() and not token.text.isupper():
        return "capital"
    return None


def _place_context(tokens: list[_Token], i: int) -> bool:
    """A capitalised word that names a place: "улице Низами", "Nizami küçəsi", "din Iulius Mall",
    "Kadıköy'deki mağaza"."""
    before = i > 0 and not tokens[i].initial and _match(tokens, i - 1, _neighbours(before=True)) == 1
    after = i + 1 < len(tokens) and not tokens[i + 1].pause and _match(tokens, i + 1, _neighbours(before=False))
    word = fold(tokens[i].text)
    suffixed = re.search(r"['’](?:n?[dt][ae]ki|n?[dt][ae]n?)$", word) is not None
    return bool(before or after or suffixed or _glued_place(tokens, i, word) or _brand(tokens, i))


def _brand(tokens: list[_Token], i: int) -> bool:
    """A word that is no first name or surname beside a service centre or dealer word is the brand
    ("сервисный центр Samsung", "Bosch servisi"); "мастер сервисного центра Вугар" is a person."""
    if names.base_form(tokens[i].text) is not None or names.is_surname(tokens[i].text):
        return False
    before = i > 0 and not tokens[i].initial and _match(tokens, i - 1, _brand_neighbours()) == 1
    after = i + 1 < len(tokens) and not tokens[i + 1].pause and _match(tokens, i + 1, _brand_neighbours())
    return bool(before or after)


# Locative suffixes glued to a proper name without an apostrophe ("Nərimanovdakı", "Yasamalda",
# "Kadıköydeki"), folded (ə->e, ı->i). "-dakı" is a place on its own; the bare "-da" / "-dan" ends
# names too ("Sevda", "Ayda"), so it counts only next to a shop or branch word.
_GLUED_WHERE = re.compile(r"..(?:n?[dt][ae]ki)$")
_GLUED_CASE = re.compile(r"...(?:n?[dt][ae]n?)$")


def _glued_place(tokens: list[_Token], i: int, word: str) -> bool:
    nxt = tokens[i + 1] if i + 1 < len(tokens) and not tokens[i + 1].pause else None
    near_place = nxt is not None and nxt.kind in ("place", "company")
    if names.base_form(tokens[i].text) is not None and fold(names.base_form(tokens[i].text) or "") == word:
        return False  # a first name as it is ("Sevda"), not a name with a suffix
    return near_place and bool(_GLUED_WHERE.search(word) or _GLUED_CASE.search(word))


@dataclass
class _Group:
    first: int
    last: int
    known: bool


def _groups(tokens: list[_Token], lower_text: bool) -> list[_Group]:
    """Runs of name words, leaving out places, companies and the customer's own name."""
    groups: list[_Group] = []
    excluded_run = False
    for i, token in enumerate(tokens):
        like = _name_like(token, lower_text)
        if like is None:
            excluded_run = False
            continue
        after_self = i > 0 and tokens[i - 1].kind == "self" and not token.initial
        joins = groups and groups[-1].last == i - 1 and not token.pause and not token.initial
        if excluded_run and not token.pause or after_self or _place_context(tokens, i):
            excluded_run = True
            continue
        if joins and i - groups[-1].first < MAX_NAME_WORDS:
            groups[-1].last = i
            groups[-1].known = groups[-1].known or like == "known"
        else:
            groups.append(_Group(i, i, like == "known"))
    return groups


def _role_ends_before(tokens: list[_Token], first: int) -> bool:
    """A role word ends just before the name, with at most a few descriptor words between."""
    j = first - 1
    gap = 0
    while j >= 0 and gap <= MAX_GAP:
        kind = tokens[j].kind
        if kind == "role":
            return True
        if kind not in ("descriptor", "filler", "honorific_before", "marker_before") or tokens[j + 1].initial:
            return False
        gap += 1
        j -= 1
    return False


def _tied(tokens: list[_Token], group: _Group, hinted: set[int]) -> bool:
    """The name is tied to a role, a title, a "по имени" / "adlı", or to DIET's staff span."""
    before = tokens[group.first - 1] if group.first > 0 and not tokens[group.first].initial else None
    after = tokens[group.last + 1] if group.last + 1 < len(tokens) else None
    if after is not None and after.initial:
        after = None
    if any(i in hinted for i in range(group.first, group.last + 1)):
        return True
    if before is not None and before.kind in ("honorific_before", "marker_before"):
        return True
    if after is not None and after.kind in ("honorific_after", "marker_after"):
        return True
    if _role_ends_before(tokens, group.first):
        return True
    if after is not None and after.kind == "role":
        # "Айтен, кассир"; "Ayten kasiyer"; not "Вчера кассир": an unknown first word needs a pause;
        # not "телевизор Hisense, продавец Тимур": a role followed by a name is that name's.
        if _name_follows(tokens, group.last + 1):
            return False
        return group.known or (after.pause and not tokens[group.first].initial)
    if after is not None and after.kind == "filler" and group.last + 2 < len(tokens):
        return tokens[group.last + 2].kind == "role" and not tokens[group.last + 2].initial
    return False


def _name_follows(tokens: list[_Token], role: int) -> bool:
    k = role + tokens[role].span
    if k >= len(tokens) or tokens[k].pause or tokens[k].initial or tokens[k].kind is not None:
        return False
    return names.base_form(tokens[k].text) is not None or tokens[k].text[:1].isupper()


def _name_shaped(tokens: list[_Token], group: _Group) -> bool:
    return group.known or any(names.is_surname(t.text) for t in tokens[group.first : group.last + 1])


def _qualifies_role(tokens: list[_Token], group: _Group) -> bool:
    """ "Servis ustası", "Montaj ekibindeki usta", "Kassa işçisi": in a short answer, an unknown
    capitalised word before a role word of the same sentence says which kind of role it is (the
    qualifier comes first in Azerbaijani and Turkish); it is no name. A known first name is one:
    "Ayten kasiyer"."""
    if group.known or names.is_surname(tokens[group.first].text):
        return False
    for token in tokens[group.last + 1 :]:
        if token.initial or token.pause:  # "Хумар, кассир": the name, then who she is
            return False
        if token.kind == "role":
            return True
    return False


def _name_text(tokens: list[_Token], group: _Group, text: str) -> str | None:
    words = names.strip_honorifics([t.text for t in tokens[group.first : group.last + 1]])
    if not words:
        return None
    words = [names.cut_apostrophe(w) for w in words]
    # The role word or preposition before a Russian name tells its case ("у кассира Рамиля").
    prev = tokens[group.first - 1] if group.first > 0 and not tokens[group.first].initial else None
    case_word = prev and (prev.kind in ("role", "descriptor") or prev.folded in names.GENITIVE_BEFORE)
    before = prev.text if case_word and len(words) == 1 else None
    # "Tahire Hanım": before a title a Turkic name is as it is, its case goes on the title.
    titled = group.last + 1 < len(tokens) and tokens[group.last + 1].kind == "honorific_after"
    words[-1] = names.base_form(words[-1], before=before, cases=not titled) or words[-1]
    return " ".join(w if w[:1].isupper() and not w.isupper() else names.capitalise(w, _turkic(w, text)) for w in words)


def _turkic(word: str, text: str) -> bool:
    """ "ilkin" is "İlkin": the text has Turkic letters, or the name is Azerbaijani or Turkish only."""
    if names.looks_turkic(text):
        return True
    return (names.is_first_name(word, "az") or names.is_first_name(word, "tr")) and not names.is_first_name(word, "ro")


def _own_role(tokens: list[_Token], i: int, last: int) -> bool:
    """ "Я мастер-отделочник, ...", "sunt instalator și ...", "ben teknisyen, ...": the customer says
    what they do themselves; not "я кассиру сказала"."""
    if i == 0 or tokens[i].initial or tokens[i].pause or tokens[i - 1].kind != "self":
        return False
    nxt = tokens[last + 1] if last + 1 < len(tokens) else None
    return nxt is None or nxt.pause or nxt.initial or nxt.folded in _AND


def _role_text(tokens: list[_Token], text: str) -> str | None:
    for i, token in enumerate(tokens):
        if token.kind == "role" and token.span:
            last = i + token.span - 1
            if _own_role(tokens, i, last):
                continue
            nxt = tokens[last + 1] if last + 1 < len(tokens) else None
            if nxt is not None and not nxt.pause and not nxt.initial and nxt.folded in _ROLE_TAILS:
                last += 1
            return text[token.start : tokens[last].end]
    return None


@lru_cache(maxsize=1)
def _people() -> list[tuple[str, ...]]:
    return _entries([w for words in names.roles_lexicon()["people"].values() for w in words])


def _person_word(tokens: list[_Token]) -> str | None:
    """ "băiatul de la montaj", "teslimat yapan çocuklar", "девушка на кассе": in an answer to "who
    served you?", a word for a person or a group with no role word and no name says who it was as a
    role does; the name is asked once (the policy wants it if known)."""
    entries = _people()
    return next((t.text for i, t in enumerate(tokens) if _match(tokens, i, entries) == 1), None)


def _hinted(tokens: list[_Token], entity: str | None) -> set[int]:
    """Indices of the tokens inside DIET's staff span."""
    if not entity:
        return set()
    wanted = {fold(names.cut_apostrophe(w)) for w in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", entity)}
    return {i for i, t in enumerate(tokens) if t.folded in wanted}


def _read(text: str, entity: str | None, answer: bool) -> StaffReading | None:
    tokens = _tokens(text)
    _classify(tokens)
    letters = [c for c in text if c.isalpha()]
    lower_text = bool(letters) and (text == text.lower() or text == text.upper())
    groups = _groups(tokens, lower_text)
    hinted = _hinted(tokens, entity)
    tied = [g for g in groups if _tied(tokens, g, hinted)]
    # DIET's span alone on a word that is no name ("Samsung" in "Samsung TV aldım ... Satıcı Emil
    # Bey'di") gives way to a name the text ties to a role or a title; in a story it is no name at
    # all ("Hisense TV aldım, satıcı kaba davrandı").
    chosen = next((g for g in tied if _tied(tokens, g, set()) or _name_shaped(tokens, g)), None)
    chosen = chosen or (next(iter(tied), None) if answer else None)
    if chosen is None and answer:
        words = len(tokens)
        chosen = next(
            (
                g
                for g in groups
                if (g.known or not tokens[g.first].initial or words <= SHORT_ANSWER) and not _qualifies_role(tokens, g)
            ),
            None,
        )
    name = _name_text(tokens, chosen, text) if chosen else None
    role = _role_text(tokens, text)
    if answer and name is None and role is None:
        role = _person_word(tokens)
    place = any(t.kind in ("place", "company") for t in tokens)
    if name is None and role is None and not place:
        return None
    return StaffReading(name, role, place and name is None and role is None)


def names_staff_or_place(value: str) -> bool:
    """ "Продавец Кенан", "Sahil filialı": a span with a role, place or company word in it is not the
    customer's own name, whatever the classifier marked."""
    tokens = _tokens(value)
    _classify(tokens)
    return any(t.kind in ("role", "place", "company") for t in tokens)


@lru_cache(maxsize=256)  # one message is read from several places (interrupts, declines, the answer)
def read_staff(text: str, entity: str | None = None, *, answer: bool) -> StaffReading | None:
    """answer=True: `text` answers "who served you?" (a bare name counts: "Айтен", "Ayten Hanım",
    "o, Nigar idi"); answer=False: any message, where only a name tied to a role word, a title or
    "по имени" / "adlı" / "pe nume" counts ("кассир Айтен нагрубила мне" -> Айтен, кассир).
    `entity` is DIET's staff span, a hint: the text decides. None when the text says nothing of staff."""
    text = (text or "")[:2000]
    reading = _read(text, entity, answer)
    if entity and (reading is None or reading.name is None) and fold(entity) not in fold(text):
        # DIET's span is not in the text as such (normalised): read it as an answer of its own.
        hint = _read(entity, None, True)
        if hint is not None and hint.name:
            role = reading.role if reading else hint.role
            return StaffReading(hint.name, role or hint.role, False)
    return reading
