import pytest

from actions import parsing
from actions.parsers import codes, complaint_text, inverter_models


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("051 777 20 30", "AZ", "+994517772030"),
        ("0542 318 40 09", "TR", "+905423184009"),
        ("0723 456 789", "RO", "+40723456789"),
        ("+994 55 123 45 67", "AZ", "+994551234567"),
        ("мой номер 050-123-45-67", "AZ", "+994501234567"),
        ("telefonum 0532 111 22 33, arayın", "TR", "+905321112233"),
    ],
)
def test_phone_numbers_are_read_with_the_policy_country_and_stored_in_e164(text, region, expected):
    phone = parsing.find_phone(text, region)
    assert phone is not None and phone.e164 == expected and not phone.foreign


def test_foreign_number_is_kept_but_marked():
    phone = parsing.find_phone("+7 916 123-45-67", "AZ")
    assert phone.e164 == "+79161234567" and phone.foreign and phone.region == "RU"


@pytest.mark.parametrize("text", ["12345", "hello", "0000000000000000000", "051 777", ""])
def test_not_a_phone(text):
    assert parsing.find_phone(text, "AZ") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Керимов Фарид Алекперович", "Керимов Фарид Алекперович"),
        ("Əliyeva Nərmin Tofiq qızı", "Əliyeva Nərmin Tofiq qızı"),
        ("Stan Cristina Elena", "Stan Cristina Elena"),
        ("Öztürk Hakan", "Öztürk Hakan"),
        ("меня зовут керимов фарид", "Керимов Фарид"),
        ("mənim adım Məmmədov Elçin", "Məmmədov Elçin"),
        ("numele meu este Popescu Ion", "Popescu Ion"),
        ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
    ],
)
def test_full_names_in_four_alphabets(text, expected):
    assert parsing.normalise_name(text) == expected


@pytest.mark.parametrize(
    "text", ["привет", "Farid", "<script>alert(1)</script>", "R2 D2", "'; DROP TABLE x; --", "😀 😀", "a b"]
)
def test_not_a_full_name(text):
    assert parsing.normalise_name(text) is None


@pytest.mark.parametrize("text", ["не знаю", "bilmirəm", "bilmirem", "nu știu", "nu stiu", "bilmiyorum", "yok"])
def test_dont_know_in_every_language(text):
    assert parsing.says_dont_know(text)


@pytest.mark.parametrize("text", ["кассир Лейла", "satıcı Orxan", "Mihai de la service", "Ahmet Bey"])
def test_a_staff_name_is_not_dont_know(text):
    assert not parsing.says_dont_know(text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("телефон неправильный", "phone"),
        ("adı səhv yazmısınız", "full_name"),
        ("vreau să schimb emailul", "email"),
        ("seri numarası yanlış", "serial_number"),
        ("номер заявки другой", "ticket_number"),
    ],
)
def test_corrections_name_the_field(text, field):
    assert parsing.field_named(text) == field


def test_email_syntax():
    assert parsing.find_email("pishite: Ion.Pop@Gmail.COM") == "Ion.Pop@gmail.com"
    for bad in ["ion@", "ion@@mail.ru", "ion.@mail.ru", "@mail.ru", "ion mail.ru"]:
        assert parsing.find_email(bad) is None, bad


def test_complaint_text_needs_substance():
    assert not parsing.substantive("hi")
    assert not parsing.substantive("salam")
    assert parsing.substantive("кассир обсчитала меня на 20 манат")


def test_codes():
    assert inverter_models.find_model("Huawei SUN2000-5KTL-M1") == "Huawei SUN2000-5KTL-M1"
    assert codes.find_serial("seria: HV2207012345") == "HV2207012345"
    assert codes.find_ticket("tichet #48213") == "48213"
    assert codes.find_serial("nu am") is None and codes.find_ticket("nu am") is None


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, хочу оставить жалобу на магазин",
        "salam, şikayət etmək istəyirəm",
        "Bună ziua, vreau să depun o reclamație",
        "Merhaba, şikayetim var",
        "Меня зовут Керимов Фарид, телефон 051 777 20 30",
    ],
)
def test_a_first_message_without_what_happened_is_not_the_complaint(text):
    assert complaint_text.what_happened(text, remove=["Керимов Фарид"]) is None


@pytest.mark.parametrize(
    "text",
    [
        "Меня зовут Керимов Фарид Алекперович, телефон 051 777 20 30, кассир Лейла обсчитала меня",
        "buna ziua, tehnicianul nu a mai venit deloc",
        "merhaba, teslimat iki haftadır gecikiyor ve kimse aramıyor",
    ],
)
def test_a_first_message_that_says_what_happened_is_the_complaint(text):
    assert complaint_text.what_happened(text, remove=["Керимов Фарид Алекперович"])
