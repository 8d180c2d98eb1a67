"""Codes as customers type them: inverter serial numbers and service ticket numbers (inverter
models, which share the token reading: actions/parsers/inverter_models.py).

People write "S/N: 2207 0123 4567", "seria SN-22070 12345", "заявка № 4821", "talep no: tr-77812",
"deye sun-8k-sg04lp3", often in a message that also holds a phone number, a date or a sum.
Each reader finds the labelled code first, then a code that can only be that kind, and returns it
in one canonical form so the same code typed twice compares equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from contract.text import fold

# Labels are matched on folded words (no case, no diacritics); several words are a phrase.
SERIAL_LABELS = [
    "s/n", "sn", "s-n", "с/н", "serial", "serial number", "serial no", "серийный номер", "серийный №", "серийник",
    "сер номер", "серийного номера", "серийный", "заводской номер", "зав номер", "seriya nomresi", "seriya nomre",
    "seriya nomresidir", "seriya", "seria", "serie", "seria nr", "numar de serie", "numarul de serie", "nr de serie",
    "nr serie", "codul de serie", "seri no", "seri numarasi", "seri numarasi", "seri numaram", "seri nr", "seri",
]  # fmt: skip
TICKET_LABELS = [
    "ticket", "ticket number", "ticketul", "tichet", "tichetul", "tichetului", "numarul tichetului", "bilet",
    "biletul", "bilet nomresi", "talep", "talep numarasi", "talep numaram", "destek talebi", "kayit no", "servis kaydi",
    "заявка", "заявки", "заявку", "заявке", "номер заявки", "тикет", "тикета", "обращение", "обращения",
    "muraciet", "muraciet nomresi", "muracietin nomresi", "sorgu", "sorgu nomresi", "case", "cerere", "cererea",
]  # fmt: skip
# "№", "nr", "no": a number of whatever the noun before says; on their own, of the code asked for.
GENERIC_LABELS = ["№", "#", "nr", "no", "номер", "номер:", "nomre", "nomresi", "numarul", "numar", "numara", "numarasi"]
# Nouns whose number is neither a serial nor a ticket.
OTHER_NOUNS = [
    "заказ", "заказа", "чек", "чека", "телефон", "тел", "договор", "договора", "счет", "накладная", "карта", "карты",
    "order", "phone", "tel", "telefon", "telefonul", "comanda", "comenzii", "comenzi", "factura", "facturii", "bon",
    "bonul", "contract", "contractul", "card", "cardul", "sifaris", "sifarisin", "qebz", "qebzin", "muqavile", "kart",
    "siparis", "siparisin", "fatura", "faturanin", "fis", "sozlesme", "cep", "mobil", "nomrem", "telefonum",
    "numaram", "numarul meu",
]  # fmt: skip
# Words allowed between a label and its code ("номер инвертора: ...", "numărul de serie este ...").
FILLERS = {
    "este", "e", "is", "это", "-", ":", "=", "инвертора", "устройства", "invertorului", "aparatului", "invertorun",
    "inverterin", "invertörün", "cihazin", "cihazın", "mənim", "menim", "benim", "meu", "mea", "мой", "моей", "моя",
    "de", "al", "la", "на", "по",
}  # fmt: skip
MONTHS = (
    "янв", "фев", "мар", "апр", "мая", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек", "yanvar", "fevral",
    "mart", "aprel", "iyun", "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr", "ian", "febr", "apr",
    "iun", "iul", "aug", "sept", "oct", "noi", "dec", "ocak", "subat", "nisan", "mayis", "haziran", "temmuz",
    "agustos", "eylul", "ekim", "kasim", "aralik",
)  # fmt: skip
CURRENCIES = ("манат", "azn", "man", "₼", "руб", "rub", "lei", "leu", "ron", "tl", "lira", "₺", "usd", "eur", "$", "€")
# Dates, times and sums look like digit groups; none is a code.
_DATE = re.compile(r"^(\d{1,2}[./-]\d{2}([./-]\d{2,4})?|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}:\d{2})$")
_CODE_TOKEN = re.compile(r"^[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*$")
_PREFIX = re.compile(r"^[A-Z]{1,4}$")
_EDGE = "\"'«»“”„()[]{}<>"
_BREAK = ",;!?"

# What model codes look like: a power rating (5KTL, 8K, 3000TL) or a known series prefix.
_MODEL_SHAPE = re.compile(
    r"KTL|TL-?X|\d(?:\.\d+)?K(?:W|TL|TLM)?(?:\b|-|$)|\d{3,5}TL|^SUN\d*-?|^(?:MIN|MID|MAX|MOD|SPH|SPF|SPA|MIC|SG|SH|GW|"
    r"STP|SB|RHI|PV|S[56])[-\d]"
)


@dataclass
class _Tok:
    core: str  # the token without edge punctuation, as typed
    key: str  # folded, for label matching
    start: int
    end: int
    brk: bool  # punctuation after it ends a list of digit groups


def _prepare(text: str) -> str:
    """ "SN-22070", "№4821", "nr.5531", "S/N:2207": the label glued to its code is split off."""
    text = re.sub(r"[№#]", lambda m: f" {m.group(0)} ", text or "")
    return re.sub(r"(?i)(?<![\w/])(s/n|sn|nr|no)[.:#-]+(?=\w)", lambda m: m.group(0)[: len(m.group(1))] + " ", text)


def _tokens(text: str) -> list[_Tok]:
    """Words of the prepared text with their offsets in it."""
    out = []
    for m in re.finditer(r"\S+", text):
        raw = m.group(0)
        core = raw.strip(_EDGE)
        brk = bool(core) and (core[-1] in _BREAK or (core[-1] in ".:" and not _is_abbrev(core)))
        core = core.rstrip(_BREAK + ".:").strip(_EDGE) or core
        if raw.endswith(":") and fold(core) in ("номер", "nr", "no"):
            brk = False
        out.append(_Tok(core, fold(core).rstrip("."), m.start(), m.end(), brk))
    return out


def _is_abbrev(core: str) -> bool:
    return fold(core).rstrip(".:") in {"nr", "no", "s/n", "sn", "зав", "сер", "tel", "тел"} or core in ("№", "#")


def _match_phrase(toks: list[_Tok], i: int, phrases: list[str]) -> int:
    """Length in tokens of the longest phrase starting at toks[i], 0 when none."""
    best = 0
    for phrase in phrases:
        words = phrase.split()
        if i + len(words) <= len(toks) and all(toks[i + k].key == w for k, w in enumerate(words)):
            best = max(best, len(words))
    return best


def _is_code(tok: _Tok) -> bool:
    return bool(_CODE_TOKEN.match(tok.core)) and any(c.isdigit() for c in tok.core)


def _is_date_or_sum(toks: list[_Tok], i: int) -> bool:
    tok = toks[i]
    if _DATE.match(tok.core):
        return True
    nxt = toks[i + 1].key if i + 1 < len(toks) else ""
    if tok.core.isdigit() and len(tok.core) <= 4 and any(nxt.startswith(m) for m in MONTHS):
        return True
    return tok.core.isdigit() and any(nxt == c or nxt.startswith(c) and len(c) > 3 for c in CURRENCIES)


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Phone numbers typed as phones: with +, 00, a trunk 0 or 8, valid in one of our countries."""
    spans = []
    for region in ("AZ", "TR", "RO", "RU"):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if m.raw_string.lstrip("(")[:1] in "+08":
                spans.append((m.start, m.end))
    return spans


def _run(toks: list[_Tok], i: int, *, labelled: bool, max_chars: int = 24) -> tuple[list[_Tok], int]:
    """Digit groups from toks[i] on that make one code: "2207 0123 4567", "tk 2024 118"."""
    run: list[_Tok] = []
    j = i
    if labelled and j + 1 < len(toks) and toks[j].core.isalpha() and toks[j].core.isascii() and len(toks[j].core) <= 4:
        if _is_code(toks[j + 1]) and not toks[j].brk:
            run.append(toks[j])
            j += 1
    while j < len(toks) and _is_code(toks[j]) and not _is_date_or_sum(toks, j):
        tok = toks[j]
        size = sum(len(re.sub(r"[^A-Za-z0-9]", "", t.core)) for t in run + [tok])
        # A one-character group belongs to the code only at its end ("SF5K 2209 1143 7,").
        last = tok.brk or j + 1 == len(toks)
        if run and ((len(tok.core) < 2 and not (labelled and last)) or size > max_chars):
            break
        run.append(tok)
        j += 1
        if tok.brk:
            break
    if run and not any(_is_code(t) for t in run):
        return [], i
    return run, j


def _canonical(run: list[_Tok], sep: str) -> str:
    parts = [re.sub(r"[^A-Za-z0-9]+", sep, t.core).strip("-").upper() for t in run]
    return sep.join(p for p in parts if p)


def _labelled_runs(
    toks: list[_Tok], labels: list[str], generic_alone: bool, phones: list[tuple[int, int]] = ()
) -> list[list[_Tok]]:
    """Codes that follow one of `labels` (or a bare "№" when `generic_alone`), in order."""
    runs = []
    i = 0
    while i < len(toks):
        n = _match_phrase(toks, i, labels)
        generic = False
        if not n and generic_alone and _match_phrase(toks, i, GENERIC_LABELS):
            previous = toks[i - 1] if i and not toks[i - 1].brk else None
            nouns = OTHER_NOUNS + TICKET_LABELS + SERIAL_LABELS
            n, generic = (0, False) if previous is not None and _match_phrase(toks, i - 1, nouns) else (1, True)
        if not n:
            i += 1
            continue
        j = i + n
        more = labels + GENERIC_LABELS
        while j < len(toks) and (toks[j].key in FILLERS or _match_phrase(toks, j, more)) and j - i < n + 3:
            j += _match_phrase(toks, j, more) or 1
        run, end = _run(toks, j, labelled=True)
        # "мой номер 050 321 76 54" is a phone, whatever the bare "номер" says.
        if run and not (generic and _overlaps(run, phones)):
            runs.append(run)
        i = max(end, i + n)
    return runs


def _overlaps(run: list[_Tok], spans: list[tuple[int, int]]) -> bool:
    return any(s < run[-1].end and run[0].start < e for s, e in spans)


def _claimed(toks: list[_Tok], labels: list[str]) -> set[int]:
    """Start offsets of codes that belong to other labels (a ticket in a serial's message...)."""
    return {t.start for run in _labelled_runs(toks, labels, generic_alone=False) for t in run}


def _free_runs(text: str, toks: list[_Tok], taken: set[int]) -> list[list[_Tok]]:
    """Unlabelled digit groups that are not a phone, a date, a sum, a model or another label's code."""
    phones = _phone_spans(text)
    runs, i = [], 0
    while i < len(toks):
        if not _is_code(toks[i]) or toks[i].start in taken or _after_other_noun(toks, i):
            i += 1
            continue
        run, end = _run(toks, i, labelled=False)
        run = [t for t in run if t.start not in taken]
        if run and not _overlaps(run, phones) and not _model_like(run):
            runs.append(_with_prefix(toks, run))
        i = max(end, i + 1)
    return runs


def _with_prefix(toks: list[_Tok], run: list[_Tok]) -> list[_Tok]:
    """ "HW 2211 0087 43", "XB 5023 0688": a group of one to four capital letters typed apart just
    before the digits is the code's letter prefix (not a label, a currency or a word)."""
    k = toks.index(run[0]) - 1
    if k < 0 or toks[k].brk or not _PREFIX.match(toks[k].core) or toks[k].end != toks[k].start + len(toks[k].core):
        return run
    word = toks[k].key
    if _match_phrase(toks, k, SERIAL_LABELS + TICKET_LABELS + GENERIC_LABELS + OTHER_NOUNS) or word in CURRENCIES:
        return run
    return run if _looks_like_model(toks[k].core + run[0].core) else [toks[k], *run]


def _after_other_noun(toks: list[_Tok], i: int) -> bool:
    for back in (1, 2):
        k = i - back
        if k >= 0 and not toks[k].brk and _match_phrase(toks, k, OTHER_NOUNS):
            return True
        if k < 0 or not _match_phrase(toks, k, GENERIC_LABELS):
            break
    return False


def _model_like(run: list[_Tok]) -> bool:
    return any(_looks_like_model(t.core) for t in run)


def _looks_like_model(core: str) -> bool:
    """A model code has letters and digits: "SUNNY" (of "sma sunny tripower") is a series word."""
    upper = core.upper()
    has_letter = any(c.isalpha() for c in upper) and any(c.isdigit() for c in upper)
    return has_letter and not re.search(r"\d{6}", upper) and bool(_MODEL_SHAPE.search(upper))


def find_serial(text: str, *, asked: bool = False) -> str | None:
    """An inverter serial number as typed, canonical: upper case, letters and digits only,
    labels removed: "S/N: 2207 0123 4567" -> "220701234567"; "seria SN-22070 12345" -> "2207012345";
    "№ 220701234" -> "220701234"; "sn hv2207012345" -> "HV2207012345";
    "серийный номер 6T22-8100-0123" -> "6T2281000123". Digit groups separated by spaces are one
    serial when they follow a label or make 8-20 characters together; a phone number, a date, or
    a model code (SUN2000-5KTL-M1) in the same message is not the serial. At least 6 characters
    with at least 4 digits. None when there is none. asked: the text answers the question for the
    serial, so groups no label introduces are read as labelled ("SF5K 2209 1143 7")."""
    serial = _find_serial(text)
    return serial or (_find_serial(f"S/N: {text}") if asked else None)


def _find_serial(text: str) -> str | None:
    text = _prepare(text)
    toks = _tokens(text)
    for run in _labelled_runs(toks, SERIAL_LABELS, generic_alone=True, phones=_phone_spans(text)):
        serial = _canonical(run, "")
        if _serial_shape(serial):
            return serial
    taken = _claimed(toks, TICKET_LABELS)
    best = None
    for run in _free_runs(text, toks, taken):
        serial = _canonical(run, "")
        fits = len(run) == 1 or 8 <= len(serial) <= 20
        if fits and _serial_shape(serial) and (best is None or len(serial) > len(best)):
            best = serial
    return best


def _serial_shape(serial: str) -> bool:
    return 6 <= len(serial) <= 30 and sum(c.isdigit() for c in serial) >= 4


def find_ticket(text: str, *, asked: bool = False) -> str | None:
    """A service ticket number, canonical: upper case, inner dashes kept, and the groups a
    customer separated by spaces (or "/", "_") joined by a dash, as the printed "TK-2024-118" is:
    "ticket #48213" -> "48213"; "tk-2024-118" -> "TK-2024-118"; "tichet nr. 5531" -> "5531";
    "заявка № 4821" -> "4821"; "talep no: tr-77812" -> "TR-77812"; "bilet 2024 1203" -> "2024-1203".
    Labels (ticket, tichet, bilet, talep, заявка, тикет, nr, no, №, #) removed. At least 3
    characters with a digit; a phone, a date, a sum or a labelled serial is not the ticket.
    asked: the text answers the question for the ticket, so without a label of its own it is
    read as labelled ("tk 90 215" -> "TK-90-215", not the bare digit groups)."""
    if asked and not _has_label(_tokens(_prepare(text)), TICKET_LABELS + GENERIC_LABELS):
        text = f"ticket: {text}"
    text = _prepare(text)
    toks = _tokens(text)
    for run in _labelled_runs(toks, TICKET_LABELS, generic_alone=True, phones=_phone_spans(text)):
        ticket = _canonical(run, "-")
        if len(ticket) >= 3:
            return ticket
    taken = _claimed(toks, SERIAL_LABELS)
    for run in _free_runs(text, toks, taken):
        ticket = _canonical(run, "-")
        if 3 <= len(ticket) <= 30:
            return ticket
    return None


def _has_label(toks: list[_Tok], labels: list[str]) -> bool:
    return any(_match_phrase(toks, i, labels) for i in range(len(toks)))
