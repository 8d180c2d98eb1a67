"""The pure parts of the dialogue benchmark: customer files, field comparison, ideal turns,
the figures per group, and the simulated customer's moves against a scripted assistant."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from bench.dialogue.customers import CustomerFileError, load_customers, parse_customers, select
from bench.dialogue.report import render, write_results
from bench.dialogue.score import Outcome, field_accuracy, field_matches, figures, ideal_turns
from bench.dialogue.simulate import Conversation, converse, outcome

SAMPLE = Path(__file__).with_name("customers_sample.yml")


def customer_data(**changes) -> dict:
    base = {
        "id": "ru-kontakt-03",
        "policy": "kontakt",
        "half": "tune",
        "opening": "Здравствуйте, хочу пожаловаться",
        "answers": {
            "full_name": "Алиев Рамиз",
            "phone": "нет",
            "email": "ramiz@example.az",
            "staff_member": ["курьер", "не знаю"],
            "complaint_text": "холодильник привезли с вмятиной",
        },
        "expect": {
            "full_name": "Алиев Рамиз",
            "phone": None,
            "email": "ramiz@example.az",
            "staff_member": None,
            "complaint_text": {"has": ["с вмятиной"], "not": ["Здравствуйте"]},
        },
    }
    base.update(changes)
    return base


def parse(*customers: dict, where: str = "ru.yml"):
    return parse_customers({"customers": list(customers)}, where)


# --- customer files ------------------------------------------------------------------------------


def test_the_sample_file_loads_with_both_halves_and_every_field():
    customers = load_customers([SAMPLE])
    assert {c.half for c in customers} == {"tune", "held_out"}
    ro = next(c for c in customers if c.policy == "inverter_eu")
    assert ro.language == "ro" and ro.answers_to("serial_number") == ("S/N: 2207 0123 4567",)
    assert ro.expect["complaint_category"] == "product"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "ru-kontakt-3"}, "id must be <lang>-<policy>-<nn>"),
        ({"policy": "eurolux"}, "must be the id's policy"),
        ({"id": "ru-nobody-03", "policy": "nobody"}, "must be the id's policy"),
        ({"half": "held_out"}, "34-39 are `held_out`"),
        ({"half": "later"}, "half must be one of"),
        ({"opening": ""}, "opening must be a non-empty string"),
        ({"answers": {"phone_number": "050"}}, "answers.phone_number: not a slot"),
        ({"answers": {"phone": []}}, "answers.phone must be a non-empty string"),
        ({"expect": {"complaint_text": "холодильник"}}, "expect.complaint_text must be {has"),
        ({"expect": {"complaint_text": {"has": "вмятина"}}}, "has / not must be non-empty lists"),
        ({"expect": {"staff_member": 5}}, "expect.staff_member must be a non-empty string or null"),
        ({"noise": ["???"]}, "noise and noise_before go together"),
        ({"noise": ["???"], "noise_before": "ticket_number"}, "policy kontakt never asks 'ticket_number'"),
        ({"opening_gives": ["name"]}, "opening_gives must be a list of slots"),
    ],
)
def test_a_broken_customer_is_refused_naming_the_file_the_customer_and_the_fault(change, message):
    with pytest.raises(CustomerFileError) as error:
        parse(customer_data(**change))
    assert "ru.yml" in str(error.value) and message in str(error.value)


def test_an_inverter_customer_must_say_the_category_and_a_file_holds_one_language():
    inverter = customer_data(id="ru-inverter_eu-02", policy="inverter_eu")
    with pytest.raises(CustomerFileError, match="complaint_category .* is needed for inverter_eu"):
        parse(inverter)
    with pytest.raises(CustomerFileError, match="a ru customer in the az file"):
        parse(customer_data(), where="customers/az.yml")


def test_every_fault_of_every_file_is_named_at_once(tmp_path):
    one, two = tmp_path / "ru.yml", tmp_path / "az.yml"
    one.write_text(yaml.safe_dump({"customers": [customer_data(half="x"), customer_data()]}), encoding="utf-8")
    two.write_text("customers: [", encoding="utf-8")
    with pytest.raises(CustomerFileError) as error:
        load_customers([one, two])
    text = str(error.value)
    assert "half must be one of" in text and "the id is used twice" in text and str(two) in text


def test_the_filters_select_by_half_language_policy_and_id():
    customers = load_customers([SAMPLE])
    assert [c.id for c in select(customers, half="held_out")] == ["az-kontakt-34", "tr-poliser-35"]
    assert [c.id for c in select(customers, languages=["ro", "tr"], policies=["poliser"])] == ["tr-poliser-35"]
    assert [c.id for c in select(customers, ids=["ru-eurolux-01"])] == ["ru-eurolux-01"]


# --- field comparison ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "got", "right"),
    [
        ("full_name", "Керимов Фарид Алекперович", "керимов  Фарид алекперович ", True),
        ("full_name", "Quliyev Elvin Rauf oğlu", "Quliyev Elvin Rauf oğludur", False),
        ("staff_member", "Айтен", "кассир Айтен", False),
        ("staff_member", None, "", True),
        ("staff_member", None, "в магазине на Низами", False),
        ("phone", "+994503217654", "+994503217654", True),
        ("phone", "+994503217654", "0503217654", False),
        ("email", "A.B@mail.ru", "a.b@MAIL.ru", True),
        ("email", "a.b@mail.ru", None, False),
        ("serial_number", "220701234567", "2207-0123 4567", True),
        ("serial_number", "220701234567", "S/N 220701234567", False),
        ("ticket_number", "TK-48213", "tk48213", True),
        ("inverter_model", "SUN2000-5KTL-M1", "Huawei SUN2000 5KTL-M1", True),
        ("inverter_model", "SUN2000-5KTL-M1", "SUN2000", False),
        ("complaint_category", "service", "service", True),
        ("complaint_category", "service", "product", False),
        ("complaint_text", {"has": ["не выдала  чек"], "not": ["Здравствуйте"]}, "Кассир НЕ ВЫДАЛА чек", True),
        ("complaint_text", {"has": ["не выдала чек"], "not": ["Здравствуйте"]}, "Здравствуйте, не выдала чек", False),
        ("complaint_text", {"has": ["не выдала чек", "нагрубила"]}, "не выдала чек", False),
        ("solution_idea", None, None, True),
    ],
)
def test_a_stored_field_is_compared_the_way_the_schema_says(name, expected, got, right):
    assert field_matches(name, expected, got) is right


# --- ideal turns ---------------------------------------------------------------------------------


def test_ideal_turns_count_the_opening_each_slot_not_given_extra_answers_noise_and_the_confirmation():
    (plain,) = parse(customer_data())
    # opening + name + "нет" + e-mail + role + name-or-not + complaint + confirm
    assert ideal_turns(plain) == 8
    (given,) = parse(
        customer_data(opening_gives=["full_name", "complaint_text"], noise=["??", "😡"], noise_before="phone")
    )
    assert ideal_turns(given) == 8 - 2 + 2


def test_ideal_turns_follow_the_category_of_an_inverter_complaint():
    def inverter(category: str, **changes):
        expect = {"complaint_category": category, "full_name": "Pop Ion"}
        answers = {"full_name": "Pop Ion"}
        data = customer_data(id="ro-inverter_eu-02", policy="inverter_eu", expect=expect, answers=answers, **changes)
        return parse(data, where="ro.yml")[0]

    # name, e-mail, category, ticket or model, serial, complaint, idea: 7 asked, + opening + confirm
    assert ideal_turns(inverter("service")) == ideal_turns(inverter("product")) == 9
    assert ideal_turns(inverter("service", opening_gives=["complaint_category"])) == 8


# --- aggregation ---------------------------------------------------------------------------------


def result(customer, *, completed=True, turns=5, fields=None, file_fault=""):
    return Outcome(customer, completed, turns, 5, fields or {"full_name": True}, {}, file_fault=file_fault)


def test_figures_of_a_group_leave_out_the_customers_whose_file_is_at_fault():
    ru, az, ro, tr = load_customers([SAMPLE])
    outcomes = [
        result(ru),
        result(az, completed=False, turns=9, fields={"full_name": True, "phone": False}),
        result(ro, turns=3, fields={"full_name": False}),
        result(tr, completed=False, turns=30, file_fault="no answer to the required 'phone'"),
    ]
    f = figures(outcomes)
    assert f.customers == 3
    assert f.completion == pytest.approx(200 / 3)
    assert f.median_turns == 5 and f.over_ideal == pytest.approx(100 / 3)
    assert f.field_accuracy == pytest.approx(50.0)
    assert field_accuracy(outcomes) == {"full_name": {"az": 100.0, "ro": 0.0, "ru": 100.0}, "phone": {"az": 0.0}}


# --- the simulated customer ----------------------------------------------------------------------


class ScriptedBot:
    """An assistant that asks the given slots in order, each answer accepted, then registers."""

    def __init__(self, asks, *, pause_after=None):
        self.asks, self.pause_after = list(asks), pause_after
        self.heard: list[str] = []
        self.slots: dict = {"requested_slot": None}

    def say(self, sender, message):
        self.heard.append(message)
        position = len(self.heard)
        if position - 1 < len(self.asks):
            self.slots["requested_slot"] = self.asks[position - 1]
            return [{"text": "?", "buttons": [{"payload": "/affirm"}]}]
        self.slots.update(requested_slot=None, tracking_number="K7QM-4PXR", full_name="Алиев Рамиз")
        return [{"text": "Номер K7QM-4PXR"}]

    def tracker(self, sender):
        return {"slots": copy.deepcopy(self.slots), "paused": self.pause_after == len(self.heard)}

    def complaint(self, tracking_number):
        return {"full_name": "Алиев Рамиз", "email": "ramiz@example.az", "complaint_text": "с вмятиной"}


def test_the_customer_answers_each_question_sends_noise_once_and_presses_the_confirm_button():
    (customer,) = parse(customer_data(noise=["???"], noise_before="staff_member"))
    asks = [
        "full_name",
        "phone",
        "email",
        "staff_member",
        "staff_member",
        "staff_member",
        "complaint_text",
        "confirmed",
    ]
    bot = ScriptedBot(asks)
    talk = converse(bot, customer)
    assert bot.heard == [
        "Здравствуйте, хочу пожаловаться",
        "Алиев Рамиз",
        "нет",
        "ramiz@example.az",
        "???",
        "курьер",
        "не знаю",
        "холодильник привезли с вмятиной",
        "/affirm",
    ]
    scored = outcome(bot, talk)
    assert scored.completed and scored.turns == 9 and not scored.over and not scored.failed


def test_a_repeated_refusal_gives_the_alternative_and_an_optional_question_gets_dont_know():
    (customer,) = parse(customer_data(answers={"full_name": "Алиев Рамиз", "phone": "нет", "email": "r@x.az"}))
    bot = ScriptedBot(["phone", "phone", "staff_member", "complaint_text"], pause_after=4)
    talk = converse(bot, customer)
    assert bot.heard[1:] == ["нет", "r@x.az", "не знаю"]
    scored = outcome(bot, talk)
    assert not scored.completed and scored.why == "handed to a person" and not scored.file_fault


def test_a_required_question_without_an_answer_is_the_files_fault_not_the_bots():
    (customer,) = parse(customer_data(answers={"phone": "050 111 22 33"}))
    bot = ScriptedBot(["full_name"])
    scored = outcome(bot, converse(bot, customer))
    assert scored.file_fault == "no answer to the required 'full_name'" and scored.failed
    assert figures([scored]).customers == 0


def test_the_customer_stops_after_thirty_messages():
    (customer,) = parse(customer_data())
    bot = ScriptedBot(["full_name"] * 40)
    scored = outcome(bot, converse(bot, customer))
    assert not scored.completed and scored.turns == 30 and "30 messages" in scored.why


# --- the report ----------------------------------------------------------------------------------


def test_the_report_shows_the_held_out_half_first_and_names_each_wrong_field(tmp_path):
    ru, az, ro, tr = load_customers([SAMPLE])
    bot = ScriptedBot(["phone", "confirmed"])
    talk = converse(bot, ru)
    wrong = outcome(bot, talk)  # the scripted backend holds another customer's complaint
    outcomes = [wrong, result(az), result(tr, completed=False, turns=30)]
    text = render(outcomes)
    assert text.index("## Half: held_out") < text.index("## Half: tune")
    assert "ru-eurolux-01: phone expected '+994702154490', got None" in text
    assert "tr-poliser-35: not completed" in text
    (tmp_path / "transcripts").mkdir()
    stale = tmp_path / "transcripts" / "az-kontakt-34.md"
    stale.write_text("an earlier failure")
    path = write_results(tmp_path, "stamp", [(wrong, talk), (outcomes[1], Conversation(az))], {"seconds": 1})
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [c["id"] for c in saved["customers"]] == ["ru-eurolux-01", "az-kontakt-34"]
    assert saved["customers"][0]["fields"]["phone"] is False
    assert "**customer:** 070 215 44 90" in (tmp_path / "transcripts" / "ru-eurolux-01.md").read_text()
    assert not stale.exists()


def test_turkish_capital_i_compares_case_insensitively():
    assert field_matches("complaint_text", {"has": ["ikinci el"]}, "İkinci el amfi geldi")
    assert field_matches("full_name", "İlkay Şahin", "ilkay şahin")
