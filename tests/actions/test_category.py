"""The category of a complaint inferred from its text where the policy does not ask it, in each
customer language; unsure -> None (the policy's handoff team gets it)."""

import pytest
from rasa_sdk import Tracker

from actions.parsers.category import infer_category
from actions.registration import complaint_payload
from contract.policy import load_intake

EUROLUX = load_intake("eurolux")
POLISER = load_intake("poliser")
INVERTER = load_intake("inverter_eu")


@pytest.mark.parametrize(
    ("policy", "language", "text", "category"),
    [
        (EUROLUX, "ru", "Холодильник привезли на неделю позже, курьер не позвонил", "delivery"),
        (EUROLUX, "ru", "Кассир нагрубила мне", "staff"),
        (EUROLUX, "az", "Televizor çatdırılmadı, iki həftədir gözləyirəm", "delivery"),
        (EUROLUX, "az", "Saytda sifarişim ləğv olundu", "online_order"),
        (EUROLUX, "ro", "Telefonul cumpărat are un defect și s-a stricat după o zi", "product"),
        (EUROLUX, "ro", "Am stat o oră la coadă în magazin", "store"),
        (EUROLUX, "tr", "Satıcı çok kaba davrandı", "staff"),
        (EUROLUX, "tr", "Buzdolabı bozuk geldi, arıza var", "product"),
        (POLISER, "tr", "Faturada iki kez ödeme alınmış, param iade edilmedi", "billing"),
        (POLISER, "tr", "Ürünün kalitesi kötü, ilk hafta kırıldı", "product_quality"),
        (POLISER, "ru", "Доставка задержалась на неделю, курьер не отвечает", "delivery"),
        (POLISER, "ru", "Менеджер был груб со мной", "staff"),
        (POLISER, "az", "Quraşdırma zamanı servis işçiləri gəlmədi, təmir edilmədi", "service"),
        (POLISER, "ro", "Factura are o sumă greșită, vreau banii înapoi", "billing"),
    ],
)
def test_inferred_in_each_language(policy, language, text, category) -> None:
    assert infer_category(text, language, policy) == category


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "Я хочу пожаловаться"),  # no keyword
        ("tr", "Fatura yanlış, kargo da öyle"),  # delivery and billing alike
        ("az", ""),
    ],
)
def test_unsure_leaves_it_empty(language, text) -> None:
    assert infer_category(text, language, POLISER) is None


def test_a_keyword_matches_at_a_words_start_only() -> None:
    # "para" (money) inside "parası" counts; inside "kapara" it does not.
    assert infer_category("Parası iade edilmedi", "tr", POLISER) == "billing"
    assert infer_category("kapara", "tr", POLISER) is None


def _tracker(policy: str, **slots):
    values = {"language": "ru", "policy": policy, "complaint_text": "Доставка опоздала на неделю", **slots}
    return Tracker("c", values, {"text": "да", "input_channel": "rest"}, [], False, None, {}, "complaint_form")


def test_the_registration_carries_the_inferred_category_and_keeps_one_the_customer_gave() -> None:
    assert complaint_payload(_tracker("poliser"))["complaint_category"] == "delivery"
    assert complaint_payload(_tracker("poliser", complaint_text="Здравствуйте"))["complaint_category"] is None
    # The inverter form asks it: the answer is sent as given, never inferred.
    assert complaint_payload(_tracker("inverter_eu", complaint_category="product"))["complaint_category"] == "product"
    assert complaint_payload(_tracker("inverter_eu"))["complaint_category"] is None
    assert INVERTER.asks("complaint_category") and not POLISER.asks("complaint_category")
