"""The NLU data keep their promises: enough examples per intent and language, a
held-out split that training never sees, and no text under two intents (so that
bot.nlu.exact_intent answers every training text with its intent)."""

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

# Texts are compared as bot.nlu.exact_intent folds them: a held-out text equal to a training text up
# to case, punctuation or diacritics would be answered from the table, not by the model.
from bot.nlu.exact_intent import key

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("ru", "az", "ro", "tr")
BUTTON_ONLY = {"retry_registration", "EXTERNAL_retry_registration"}


def examples(folder: str, lang: str):
    return load_data(str(ROOT / folder / f"{lang}.yml")).intent_examples


@pytest.mark.parametrize("lang", LANGS)
def test_at_least_40_training_examples_per_intent(lang):
    counts = Counter(ex.get("intent") for ex in examples("data/nlu", lang))
    assert len(counts) >= 14
    thin = {intent: n for intent, n in counts.items() if n < 40}
    assert not thin, thin


@pytest.mark.parametrize("lang", LANGS)
def test_held_out_split_covers_every_intent(lang):
    train = {ex.get("intent") for ex in examples("data/nlu", lang)}
    test = Counter(ex.get("intent") for ex in examples("tests/nlu", lang))
    assert set(test) == train
    assert min(test.values()) >= 10


def test_training_never_sees_the_held_out_split():
    train = {key(ex.get("text")) for lang in LANGS for ex in examples("data/nlu", lang)}
    test = {key(ex.get("text")) for lang in LANGS for ex in examples("tests/nlu", lang)}
    assert not (train & test), sorted(train & test)[:10]


def test_no_text_under_two_intents():
    intents = defaultdict(set)
    for folder in ("data/nlu", "tests/nlu"):
        for lang in LANGS:
            for ex in examples(folder, lang):
                intents[key(ex.get("text"))].add(ex.get("intent"))
    clashes = {t: i for t, i in intents.items() if len(i) > 1}
    assert not clashes, clashes
