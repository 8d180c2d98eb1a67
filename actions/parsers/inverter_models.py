"""Inverter models as customers type them: "Huawei SUN2000-5KTL-M1", "Growatt MIN 3000TL-X",
"sma sunny tripower 10.0", "Fronius Symo GEN24 6.0 Plus", "Symo GEN24 6.0 Plus" (no brand typed).

The brand, the family name and the code are read on the tokens of actions/parsers/codes.py, so a
serial, a ticket, a phone or a date in the same message is never taken for the model.
"""

from __future__ import annotations

import re

from actions.parsers.codes import (
    _CODE_TOKEN,
    GENERIC_LABELS,
    OTHER_NOUNS,
    SERIAL_LABELS,
    TICKET_LABELS,
    _claimed,
    _is_code,
    _is_date_or_sum,
    _looks_like_model,
    _phone_spans,
    _prepare,
    _Tok,
    _tokens,
)
from contract.text import fold

BRANDS = {
    "huawei": "Huawei", "growatt": "Growatt", "sofar": "Sofar", "sofarsolar": "SofarSolar", "deye": "Deye",
    "solis": "Solis", "ginlong": "Ginlong", "goodwe": "GoodWe", "sungrow": "Sungrow", "sma": "SMA",
    "fronius": "Fronius", "victron": "Victron", "solax": "SolaX", "must": "Must", "voltronic": "Voltronic",
    "axpert": "Axpert", "luxpower": "LuxPower", "foxess": "FoxESS", "hoymiles": "Hoymiles", "enphase": "Enphase",
    "solaredge": "SolarEdge", "abb": "ABB", "kstar": "Kstar", "afore": "Afore", "chint": "Chint",
    "sunsynk": "Sunsynk", "easun": "Easun", "felicity": "Felicity", "powmr": "PowMr", "delta": "Delta",
    "kaco": "KACO", "kostal": "Kostal", "schneider": "Schneider", "apsystems": "APsystems", "tbea": "TBEA",
    "sineng": "Sineng",
}  # fmt: skip
# English words that are also brands: a brand only right before its model code.
_WEAK_BRANDS = {"must", "delta", "abb"}
# Family names as the makers write them, typed in lower case too ("sma sunny tripower 10.0").
SERIES = {
    "sunny": "Sunny", "boy": "Boy", "tripower": "Tripower", "island": "Island", "storage": "Storage",
    "symo": "Symo", "primo": "Primo", "eco": "Eco", "tauri": "Tauri", "galvo": "Galvo", "multiplus": "MultiPlus",
    "multiplus-ii": "MultiPlus-II", "quattro": "Quattro", "phoenix": "Phoenix", "easysolar": "EasySolar",
    "plenticore": "Plenticore", "piko": "Piko", "min": "MIN", "mid": "MID", "max": "MAX", "mod": "MOD",
    "sph": "SPH", "spf": "SPF", "spa": "SPA", "mic": "MIC", "sun": "SUN",
}  # fmt: skip
# Family names no other word shares: a model starts with them even without its brand ("Symo GEN24 6.0").
_OWN_SERIES = {"sunny", "tripower", "symo", "primo", "tauri", "galvo", "multiplus", "multiplus-ii", "plenticore"}
# The variant after the code: "Symo GEN24 6.0 Plus", "SUN2000-10KTL-M1 HC" is another model than without.
VARIANTS = {"plus": "Plus", "pro": "Pro", "max": "Max", "lite": "Lite", "hybrid": "Hybrid", "hv": "HV", "lv": "LV"}


def find_model(text: str) -> str | None:
    """An inverter model as typed with its brand: "Huawei SUN2000-5KTL-M1", "Growatt MIN 3000TL-X",
    "Sofar 5.5KTLM-G3"; "deye sun-8k-sg04lp3" -> "Deye SUN-8K-SG04LP3" (the brand as the maker
    writes it, a code typed all in lower case in capitals); "sma sunny tripower 10.0" -> "SMA Sunny
    Tripower 10.0"; the variant after the code is kept ("Fronius Symo GEN24 6.0 Plus"). A serial,
    ticket, phone or date in the same message is not the model; a brand with no code is not a
    model (None); a brand not typed is not invented ("Symo GEN24 6.0 Plus")."""
    text = _prepare(text)
    toks = _tokens(text)
    taken = _claimed(toks, SERIAL_LABELS + TICKET_LABELS)
    brand = None
    for i, tok in enumerate(toks):
        name = _brand(tok)
        if not name:
            continue
        brand = brand or (None if name.lower() in _WEAK_BRANDS else name)
        model = _after_brand(toks, i + 1, taken)
        if model:
            return f"{name} {model}"
    for i, tok in enumerate(toks):
        # "Symo GEN24 6.0 Plus": a family name of one maker starts the model, brand or not.
        model = _after_brand(toks, i, taken) if tok.key in _OWN_SERIES else None
        if model:
            return f"{brand} {model}" if brand else model
    phones = _phone_spans(text)
    for i, tok in enumerate(toks):
        in_phone = any(s <= tok.start < e for s, e in phones)
        if tok.start in taken or in_phone or not _CODE_TOKEN.match(tok.core) or not _looks_like_model(tok.core):
            continue
        words = [_series(toks[i - 1])] if i and _series_word(toks[i - 1]) and not toks[i - 1].brk else []
        model = " ".join(words + [_code_case(tok.core)])
        return f"{brand} {model}" if brand else model
    return None


def names_brand(text: str) -> bool:
    """The message names an inverter maker of BRANDS ("Huawei'nin", "growatt")."""
    return any(_brand(tok) for tok in _tokens(_prepare(text)))


def _brand(tok: _Tok) -> str | None:
    # "Huawei'nin", "Growatt-ul": a Turkic or Romanian ending on the brand is still the brand.
    key = re.split(r"['’-]", tok.key)[0]
    return BRANDS.get(key)


def _after_brand(toks: list[_Tok], i: int, taken: set[int]) -> str | None:
    """ "MIN 3000TL-X", "Sunny Boy 5.0", "SUN2000-5KTL-M1", "Symo GEN24 6.0 Plus": series words,
    then the code, then its variant."""
    words, j = [], i
    if i and toks[i - 1].brk:
        return None
    while j < len(toks) and len(words) < 2 and _series_word(toks[j]) and not _is_code(toks[j]):
        words.append(_series(toks[j]))
        if toks[j].brk:
            return None
        j += 1
    codes = []
    while j < len(toks) and len(codes) < 2 and _CODE_TOKEN.match(toks[j].core) and toks[j].start not in taken:
        if not _is_code(toks[j]) or re.search(r"\d{7}", toks[j].core) or _is_date_or_sum(toks, j):
            break
        codes.append(_code_case(toks[j].core))
        j += 1
        if toks[j - 1].brk:
            break
    # "Plus-dır", "Plus'ı": a Turkic or Romanian ending on the variant is still the variant.
    variant = re.split(r"['’-]", toks[j].key)[0] if j < len(toks) else ""
    if codes and not toks[j - 1].brk and variant in VARIANTS:
        core = re.split(r"['’-]", toks[j].core)[0]
        codes.append(VARIANTS[variant] if core.islower() else core)
    return " ".join(words + codes) if codes else None


def _series_word(tok: _Tok) -> bool:
    """A model family name written as a word ("MIN", "Primo", "MultiPlus-II", "sunny"), not a label."""
    core = tok.core
    if not re.fullmatch(r"[A-Za-z]+(?:-[A-Za-z]+)*", core) or len(core) > 12 or _brand(tok):
        return False
    if tok.key in {w for p in SERIAL_LABELS + TICKET_LABELS + GENERIC_LABELS + OTHER_NOUNS for w in p.split()}:
        return False
    return core[0].isupper() or tok.key in SERIES


def _series(tok: _Tok) -> str:
    core = tok.core
    return SERIES.get(fold(core), core.upper() if len(core) <= 4 else core) if core.islower() else core


def _code_case(core: str) -> str:
    return core.upper() if core == core.lower() else core
