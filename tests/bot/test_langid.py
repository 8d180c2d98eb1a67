"""Language detection: per message and per conversation."""

import pytest

from contract.langid import choose_language, detect, normalise_hint


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Здравствуйте, у меня жалоба на кассира", "ru"),
        ("Salam, şikayətim var", "az"),
        ("salam menim adim Kerimov Farid", "az"),
        ("bilmirem", "az"),
        ("kassir meni aldatdi, pulu qaytarmadi", "az"),
        ("Bună ziua, invertorul nu funcționează", "ro"),
        ("buna ziua vreau sa fac o reclamatie", "ro"),
        ("nu stiu", "ro"),
        ("Merhaba, şikayetim var", "tr"),
        ("teslimat gecikti, bilmiyorum ne yapacagimi", "tr"),
        ("MÜŞTERİ TEMSİLCİSİ İSTİYORUM", "tr"),
    ],
)
def test_detects_chat_messages(text, lang):
    assert detect(text).language == lang


@pytest.mark.parametrize("text", ["051 777 20 30", "😀😀", "", "!!!"])
def test_no_language_in_data_or_emoji(text):
    assert detect(text).language is None


def test_hints_are_normalised():
    assert normalise_hint("ru-RU") == "ru"
    assert normalise_hint("az_Latn_AZ") == "az"
    assert normalise_hint("en") is None
    assert normalise_hint(None) is None


def test_conversation_keeps_its_language_for_short_data():
    assert choose_language("Öztürk Hakan", current="az", free_text_expected=False) == "az"
    assert choose_language("ok", current="ro") == "ro"
    assert choose_language("+994 51 777 20 30", current="ru") == "ru"


def test_conversation_switches_on_a_clear_sentence():
    assert choose_language("vreau să continui în limba română, vă rog", current="ru") == "ro"


def test_first_message_falls_back_to_the_channel_hint_then_the_policy_default():
    assert choose_language("ok", current=None, hint="tr") == "tr"
    assert choose_language("👍", current=None, hint=None, default="az") == "az"


def test_codes_and_addresses_are_not_language():
    assert detect("k7qm-4pxr").language is None
    assert choose_language("k7qm-4pxr 123456", current="ru") == "ru"
    assert choose_language("ion.pop@example.ro", current="tr") == "tr"


def test_azerbaijani_or_turkish_without_their_own_letters_goes_to_the_companys_language():
    from contract.langid import choose_language

    ambiguous = "salam, sikayetim var"
    assert choose_language(ambiguous, current=None, default="az", preferred=("az", "ru")) == "az"
    assert choose_language("bir sikayetim var", current=None, default="tr", preferred=("tr", "ru")) == "tr"
    # A clearly Turkish sentence stays Turkish whatever the company serves.
    assert choose_language("şikayette bulunmak istiyorum", current=None, preferred=("az", "ru")) == "tr"
