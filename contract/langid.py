"""Language identification for customer messages (ru, az, ro, tr).

One module, two layers:

* ``detect(text)`` looks at one message: script, letters only one of the four
  languages uses, frequent chat words typed without diacritics, then lingua
  restricted to the four languages plus English. It returns the best language
  and a confidence in 0..1, or ``None`` for text with no linguistic evidence
  (a phone number, an e-mail, emoji).
* ``choose_language(...)`` decides the conversation's language from the
  message *and* the conversation: the language already in use, an explicit
  request, and hints from the channel (Telegram ``language_code``, the web
  widget's locale). A conversation keeps its language unless the customer
  clearly writes a sentence in another one.

Measured with ``make bench-langid`` over ../shared/benchmarks/langid.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SUPPORTED = ("ru", "az", "ro", "tr")

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u0259\u018F]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Letters that only one of the four languages uses in ordinary writing.
_AZ_LETTERS = set("əƏ")
_RO_LETTERS = set("ăĂșȘțȚ")  # comma-below s/t and a-breve: Romanian only
_TR_AZ_LETTERS = set("ğĞıİşŞöÖüÜçÇ")  # shared by Turkish and Azerbaijani

# Frequent chat words, as typed with and without diacritics. Only words that are
# not ordinary words of the other languages.
_CUES: dict[str, frozenset[str]] = {
    "az": frozenset(
        """men mən menim mənim sen sən deyil yox yoxdur idi edirem edirəm isteyirem istəyirəm
        isteyirdim istəyirdim bilmirem bilmirəm zehmet zəhmət xahis xahiş edirik olar
        niyə nece necə neçə hansi hansı salam sag sağ olun cox çox yaxsi yaxşı etmek
        etmək elemek eləmək qeyd qəbul qebul nomre nömrə nomrem nömrəm atamin atamın
        oglu oğlu qizi qızı isci işçi kassir kassirə mehsul məhsul pulu qaytarin
        qaytarın hele hələ ele elə indi sonra bəli beli xeyr amma lakin ucun üçün ilə
        baxin baxın dedi yazin yazın istemirem istəmirəm duzdur düzdür sehv səhv danis
        danış azerbaycanca azərbaycanca""".split()
    ),
    "tr": frozenset(
        """ben benim sen değil degil yok istiyorum istemiyorum bilmiyorum lütfen lutfen teşekkür
        tesekkur teşekkürler tesekkurler merhaba nasıl nasil neden niçin nicin
        şikayetçiyim sikayetciyim ürün urun ürünü urunu iade geldi hala hâlâ evet hayır
        hayir tamam doğru dogru yanlış yanlis bir şey sey için icin ile ama fakat çok
        cok iyi kötü kotu müşteri musteri temsilcisi konuşmak konusmak türkçe turkce
        numaram numarası numarasi yapıyorum yapiyorum olmuyor çalışmıyor calismiyor
        bekliyorum hiç hic""".split()
    ),
    "ro": frozenset(
        """nu da sunt este am vreau vrea și si sau pentru care cu din pe la
        buna bună ziua mulțumesc multumesc mersi stiu știu reclamatie reclamație
        reclamatia reclamația plângere plangere invertor invertorul nu-mi
        functioneaza funcționează merge aveti aveți trebuie am fost nici
        numele meu numărul numarul telefonul serie seria meu mea
        vă va rog rugăm rugam cât cat când cand acum încă inca deja
        română romana limba vorbesc vorbiti vorbiți anulez anulați anulati""".split()
    ),
    "ru": frozenset(),
}
# Turkish present continuous "-iyor" and Azerbaijani "-ir/-ır + personal ending".
_TR_SUFFIX = re.compile(r"(?:[ıiuü]yor(?:um|sun|uz|sunuz|lar)?|m[ıi]yor)\b")
_AZ_SUFFIX = re.compile(r"(?:[ıiuü]r[əe]m|m[ıi]r[əe]m|m[ıi]r|[ıiuü]rs[əe]n|[ıiuü]r[ıi]k|d[ıi]r)\b")


@dataclass(frozen=True)
class Detection:
    language: str | None
    confidence: float
    words: int


def _lower(text: str) -> str:
    # Turkish-aware lowercase: dotted and dotless I keep their identity.
    return text.replace("İ", "i").replace("I", "ı").lower() if text.isupper() else text.lower()


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    langs = {
        Language.RUSSIAN: "ru",
        Language.AZERBAIJANI: "az",
        Language.ROMANIAN: "ro",
        Language.TURKISH: "tr",
        Language.ENGLISH: "en",
    }
    detector = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
    return detector, langs


def warm_up() -> None:
    """Load lingua's models (about 1-2 s) before the first customer waits for it."""
    _lingua()


def _scores(text: str) -> dict[str, float]:
    detector, names = _lingua()
    out = {code: 0.0 for code in (*SUPPORTED, "en")}
    for cv in detector.compute_language_confidence_values(text):
        out[names[cv.language]] = cv.value
    return out


def detect(text: str) -> Detection:
    """Best guess for one message, or language None when there is no evidence."""
    if not text:
        return Detection(None, 0.0, 0)
    text = unicodedata.normalize("NFC", text)
    # Codes, numbers, e-mail addresses and links say nothing about the language.
    text = " ".join(t for t in text.split() if not re.search(r"\d|@|://", t))
    lowered = _lower(text)
    words = _WORD.findall(lowered)
    n = len(words)
    if n == 0:
        return Detection(None, 0.0, 0)
    cyr = len(_CYRILLIC.findall(lowered))
    lat = len(_LATIN.findall(lowered))
    if cyr > lat:
        return Detection("ru", 1.0 if cyr >= 3 else 0.7, n)
    letters = set(lowered)
    if letters & _AZ_LETTERS:
        return Detection("az", 0.97, n)
    if letters & _RO_LETTERS:
        return Detection("ro", 0.97, n)

    scores = _scores(lowered)
    # Vocabulary and suffix cues from chat language, weighted by how much of the
    # message they explain.
    for lang, vocab in _CUES.items():
        hits = sum(1 for w in words if w in vocab)
        if hits:
            scores[lang] += 0.6 * hits / n
    if _TR_SUFFIX.search(lowered):
        scores["tr"] += 0.35
    if _AZ_SUFFIX.search(lowered):
        scores["az"] += 0.25
    if letters & _TR_AZ_LETTERS:
        # Turkish/Azerbaijani letters exclude Romanian and English.
        scores["ro"] *= 0.3
        scores["en"] *= 0.3
    if ("q" in letters or "x" in letters) and scores["tr"] >= scores["az"]:
        # Turkish words do not use q or x; Azerbaijani uses both constantly.
        scores["az"] += 0.4
    total = sum(scores.values()) or 1.0
    best = max(scores, key=scores.get)
    return Detection(best, scores[best] / total, n)


def normalise_hint(value: str | None) -> str | None:
    """Maps a locale or language code ('ru-RU', 'az_Latn_AZ', 'tr') to ru/az/ro/tr."""
    if not value:
        return None
    code = re.split(r"[-_]", str(value).strip().lower(), maxsplit=1)[0]
    aliases = {"mo": "ro", "rum": "ro", "ron": "ro", "aze": "az", "tur": "tr", "rus": "ru"}
    code = aliases.get(code, code)
    return code if code in SUPPORTED else None


# Azerbaijani and Turkish typed without their own letters share most chat words.
_SIBLINGS = {"az": "tr", "tr": "az"}
SIBLING_SURE = 0.85


def choose_language(
    text: str,
    *,
    current: str | None,
    hint: str | None = None,
    allowed: tuple[str, ...] = SUPPORTED,
    default: str = "az",
    free_text_expected: bool = True,
    preferred: tuple[str, ...] = (),
) -> str:
    """The conversation's language after this message.

    current: the language the conversation already uses (None on the first message).
    preferred: the languages the company serves (its policy), which win between Azerbaijani and
    Turkish when the message could be either.
    hint: a channel hint (Telegram language_code, widget locale), already normalised.
    free_text_expected: False while the bot waits for a name, phone, serial number
    and the like, where a few foreign-looking words are data, not a language change.
    """
    det = detect(text)
    lang = det.language if det.language in SUPPORTED else None
    sibling = _SIBLINGS.get(lang or "")
    if sibling and lang not in preferred and sibling in preferred and det.confidence < SIBLING_SURE:
        # "salam, sikayetim var" is Azerbaijani typed without ə as much as Turkish: to a company
        # that serves Azerbaijani and not Turkish (and the other way round) it is the company's.
        lang = sibling
    if current is None:
        if lang and det.confidence >= 0.5 and (det.words >= 2 or hint is None):
            return lang
        if hint:
            return hint
        if lang and det.confidence >= 0.4:
            return lang
        return default if default in SUPPORTED else allowed[0]
    if lang is None or lang == current:
        return current
    # Switch only on a clear sentence in another language.
    min_words = 3 if free_text_expected else 5
    if det.words >= min_words and det.confidence >= 0.6:
        return lang
    return current
