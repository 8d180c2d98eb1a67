"""Serial, ticket and model codes typed the way customers type them, in ru, az, ro and tr (issue 21)."""

import pytest

from actions.parsers.codes import find_serial, find_ticket
from actions.parsers.inverter_models import find_model

SERIALS = [
    # ru
    ("S/N: 3105 7781 2290", "310577812290"),
    ("серийный номер 7K31-0042-5518", "7K3100425518"),
    ("серийник: hv3105778129", "HV3105778129"),
    ("зав. № 88 4410 2377", "8844102377"),
    ("№ 310577812", "310577812"),
    ("инвертор SUN2000-12KTL-M2, серийный номер инвертора 4410 2377 9001", "441023779001"),
    ("серийный 3105778129, мой телефон 050 321 76 54", "3105778129"),
    ("3105 7781 2290", "310577812290"),
    # az
    ("seriya nömrəsi: 4410 2377 9001", "441023779001"),
    ("seriya nomresi SN-44102 37790", "4410237790"),
    ("sn hv4410237790", "HV4410237790"),
    ("cihazın seriya nömrəsi HV 4410237790, telefonum 055 444 33 22", "HV4410237790"),
    ("zavod nömrəsi 5518-2290-7781", "551822907781"),
    # ro
    ("seria SN-77120 45501", "7712045501"),
    ("numărul de serie este HV-7712-0455", "HV77120455"),
    ("numarul de serie: 7712 0455 0193", "771204550193"),
    ("nr. de serie 6b77120455", "6B77120455"),
    ("S/N 77120455019, telefon 0723 456 789", "77120455019"),
    # tr
    ("seri no: 9a31 5520 1187", "9A3155201187"),
    ("seri numarası 93155 20118", "9315520118"),
    ("seri numaram HV9315520118", "HV9315520118"),
    ("S/N:931552011", "931552011"),
    ("etiketteki kod 9315 5201 1874", "931552011874"),
]


@pytest.mark.parametrize(("text", "expected"), SERIALS)
def test_serials_typed_with_labels_spaces_and_dashes_are_read_in_canonical_form(text, expected):
    assert find_serial(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "мой номер 050 321 76 54",  # a phone after a bare "номер"
        "купил 14.02.2024 за 1500 манат",  # a date and a sum
        "Huawei SUN2000-12KTL-M2",  # a model code
        "заказ № 55120981 так и не пришёл",  # an order number
        "заявка № 4821",  # a ticket
        "nömrəm 050 321 76 54",
        "telefonul meu este 0723 456 789",
        "seri numarası yok, bilmiyorum",
        "12345",  # too short
        "ABCDEFGH",  # no digits
        "",
    ],
)
def test_no_serial_in_phones_dates_models_orders_or_words(text):
    assert find_serial(text) is None


TICKETS = [
    # ru
    ("заявка № 6620", "6620"),
    ("номер заявки: tk-2023-407", "TK-2023-407"),
    ("тикет #77140", "77140"),
    ("по заявке 6620 от 3 мая никто не приехал", "6620"),
    ("тикет TK 2023 407", "TK-2023-407"),
    # az
    ("müraciət nömrəsi 7731, telefon 050 321 76 54", "7731"),
    ("sorğu nömrəsi: az-5521", "AZ-5521"),
    ("bilet 2023 0915", "2023-0915"),
    ("müraciətin nömrəsi #66201", "66201"),
    # ro
    ("tichet nr. 3317", "3317"),
    ("tichetul #90412", "90412"),
    ("cererea nr 55/2023", "55-2023"),
    ("numărul tichetului este RO-3317", "RO-3317"),
    # tr
    ("talep no: tr-66104", "TR-66104"),
    ("talep numaram 66104", "66104"),
    ("destek talebi #41207", "41207"),
    ("ticket 41207, 2 gün önce açıldı", "41207"),
    # the answer alone, to the ticket question
    ("tk-2023-407", "TK-2023-407"),
    ("66104", "66104"),
]


@pytest.mark.parametrize(("text", "expected"), TICKETS)
def test_ticket_numbers_with_labels_prefixes_and_lower_case(text, expected):
    assert find_ticket(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tel 0501234567",
        "S/N 3105778129",  # a labelled serial is not the ticket
        "заявку не помню",
        "bilmirəm",
        "nu știu",
        "yok",
        "12.03.2024",
        "#1",
    ],
)
def test_no_ticket(text):
    assert find_ticket(text) is None


MODELS = [
    ("Huawei SUN2000-12KTL-M2", "Huawei SUN2000-12KTL-M2"),
    ("у меня инвертор Growatt MIN 6000TL-X, не включается", "Growatt MIN 6000TL-X"),
    ("deye sun-12k-sg04lp3-eu", "Deye SUN-12K-SG04LP3-EU"),
    ("growatt min 6000tl-x", "Growatt MIN 6000TL-X"),
    ("modelul este Solis S6-GR1P6K", "Solis S6-GR1P6K"),
    ("Sofar 8.8KTLX-G3", "Sofar 8.8KTLX-G3"),
    ("Huawei'nin SUN2000-6KTL-L1 modeli", "Huawei SUN2000-6KTL-L1"),
    ("inverter modeli Victron MultiPlus-II 48/3000", "Victron MultiPlus-II 48/3000"),
    ("модель: Sungrow SG10RT", "Sungrow SG10RT"),
    ("SUN2000-12KTL-M2", "SUN2000-12KTL-M2"),  # no brand typed: none is invented
    # serial, phone and ticket in the same message are not the model
    ("Huawei SUN2000-12KTL-M2, серийный HV3105778129, тел 050 321 76 54", "Huawei SUN2000-12KTL-M2"),
    ("seria HV7712045501, model Fronius Primo 5.0-1", "Fronius Primo 5.0-1"),
]


@pytest.mark.parametrize(("text", "expected"), MODELS)
def test_inverter_models_with_their_brand(text, expected):
    assert find_model(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Huawei", "serial 3105778129 tel 0501234567", "ticket TK-2023-407", "modelini bilmiyorum", "must be fixed 2024"],
)
def test_no_model(text):
    assert find_model(text) is None
