"""The complaint text as a care agent writes it down, in ru, az, ro and tr (issue 21)."""

import pytest

from actions.parsers.complaint_text import what_happened

CASES = [
    # ru
    (
        "Добрый вечер! Меня зовут Алиева Сабина, тел 055 612 40 18. Хочу пожаловаться: курьер Рамин "
        "привёз холодильник с вмятиной",
        ["Алиева Сабина"],
        "Курьер Рамин привёз холодильник с вмятиной",
    ),
    (
        "Здравствуйте, у меня жалоба на продавца, он нагрубил мне при возврате",
        [],
        "Продавца, он нагрубил мне при возврате",
    ),
    (
        "Заказ № 55120981 от 03.04.2024 привезли без пульта, 89 манат. Моя почта sabina.a@mail.ru, спасибо",
        [],
        "Заказ № 55120981 от 03.04.2024 привезли без пульта, 89 манат.",
    ),
    ("Привет, пылесос сломался через неделю. С уважением, Сабина", [], "Пылесос сломался через неделю."),
    ("Курьер позвонил и не приехал. Я Алиева Сабина", ["Алиева Сабина"], "Курьер позвонил и не приехал."),
    # az
    ("salam, dünən aldığım paltaryuyan işləmir", [], "Dünən aldığım paltaryuyan işləmir"),
    (
        "Salam, mənim adım Hüseynova Aytac Kamal qızıdır, nömrəm 050 612 40 18. Kassir Nərgiz qəbz vermədi",
        ["Hüseynova Aytac Kamal qızı"],
        "Kassir Nərgiz qəbz vermədi",
    ),
    (
        "Salam, şikayət etmək istəyirəm: onlayn sifariş 5 gün gecikdi. Əvvəlcədən təşəkkürlər",
        [],
        "Onlayn sifariş 5 gün gecikdi.",
    ),
    ("Hörmətli mağaza, televizorun ekranı sınıq gəldi. Hörmətlə, Aytac", [], "Televizorun ekranı sınıq gəldi."),
    (
        "Salam, menya zovut Aytac. Satıcı Kamran mənə səhv model satdı, spasibo",
        ["Aytac"],
        "Satıcı Kamran mənə səhv model satdı",
    ),
    # ro
    (
        "Bună ziua, mă numesc Dumitrescu Ana, telefonul meu 0722 318 409. Vreau să fac o reclamație: "
        "curierul a lăsat coletul la vecini fără să anunțe.",
        ["Dumitrescu Ana"],
        "Curierul a lăsat coletul la vecini fără să anunțe.",
    ),
    (
        "Buna ziua, am o reclamatie despre casiera Elena, nu mi-a dat restul de 15 lei. Multumesc",
        [],
        "Casiera Elena, nu mi-a dat restul de 15 lei.",
    ),
    (
        "Salut, mașina de spălat a venit cu ușa spartă, comanda 77120. Mulțumesc anticipat!",
        [],
        "Mașina de spălat a venit cu ușa spartă, comanda 77120.",
    ),
    (
        "Numele meu este Dumitrescu Ana. Frigiderul nu răcește de o săptămână. Cu stimă, Ana",
        ["Dumitrescu Ana"],
        "Frigiderul nu răcește de o săptămână.",
    ),
    # tr
    (
        "Merhaba, ben Kaya Elif'im. Kasiyer Burak hakkında şikayetim var, fişi vermedi. Teşekkürler",
        ["Kaya Elif"],
        "Kasiyer Burak, fişi vermedi.",
    ),
    (
        "Iyi gunler, adim Kaya Elif, telefonum 0532 418 27 90. Buzdolabi iki gun sonra bozuldu",
        ["Kaya Elif"],
        "Buzdolabi iki gun sonra bozuldu",
    ),
    (
        "Merhaba, şikayet etmek istiyorum: kurye siparişi 12 Mart'ta kapıya bırakıp gitti. Saygılarımla, Elif Kaya",
        [],
        "Kurye siparişi 12 Mart'ta kapıya bırakıp gitti.",
    ),
    (
        "Selam, e-posta adresim elif.kaya@gmail.com, ürün kutusu açılmış olarak geldi",
        [],
        "Ürün kutusu açılmış olarak geldi",
    ),
]


@pytest.mark.parametrize(("text", "remove", "expected"), CASES)
def test_what_happened_keeps_the_story_and_leaves_out_greeting_formula_details_and_thanks(text, remove, expected):
    assert what_happened(text, remove) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, хочу пожаловаться",
        "Меня зовут Алиева Сабина, тел 055 612 40 18",
        "Спасибо!",
        "salam",
        "Salam, şikayətim var. Adım Hüseynova Aytac",
        "Bună ziua, am o reclamație",
        "Mulțumesc, numărul meu 0722 318 409",
        "Merhaba, bir şikayetim var",
        "Teşekkürler, iyi çalışmalar",
        "",
    ],
)
def test_nothing_of_substance_left_is_none(text):
    assert what_happened(text) is None


def test_given_values_are_left_out_in_any_order_and_with_a_suffix():
    text = "Elif Kaya'yım, kasiyer Burak paramı eksik verdi, ticket TK-2023-407"
    result = what_happened(text, ["Kaya Elif", "TK-2023-407"])
    assert result.startswith("Kasiyer Burak paramı eksik verdi") and "Elif" not in result and "407" not in result


def test_the_staff_member_in_the_story_and_numbers_that_are_not_phones_are_kept():
    text = "Salam! Kassir Leyla 12.05.2024 tarixində 20 manat qalığı vermədi, qəbz № 004512"
    assert what_happened(text) == "Kassir Leyla 12.05.2024 tarixində 20 manat qalığı vermədi, qəbz № 004512"
