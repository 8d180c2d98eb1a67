"""Issue 21, round 6: the classes customers 26-31 failed on with round 5's model, in ru, az, ro
and tr, with examples that are not in the benchmark. A cancel word that names something else (an
order, an invoice, a fee) is the answer asked or the story, not a request to drop the complaint."""

import pytest

from actions.interpret import interpret
from actions.parsers.cancelling import asks_to_stop
from actions.policy import load_policy
from tests.actions.factories import turn

KONTAKT = load_policy("kontakt")
INVERTER = load_policy("inverter_eu")


def _answer(text, requested, policy=KONTAKT, intent="cancel", language="ru", confidence=0.95):
    return interpret(turn(text, intent, confidence, requested=requested, slots={"language": language}), policy)


# A remedy that cancels something else, read as "cancel" by the classifier.
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Отмените штраф за просрочку", "ru"),
        ("пусть аннулируют счёт", "ru"),
        ("Cərimənin ləğv edilməsini istəyirəm", "az"),
        ("sifarişi ləğv edin", "az"),
        ("Să anulați factura", "ro"),
        ("anularea comenzii și banii înapoi", "ro"),
        ("Ödemenin iptalini istiyorum", "tr"),
        ("siparişimi iptal edin", "tr"),
    ],
)
def test_a_remedy_that_cancels_something_else_is_the_answer(text, language):
    out = _answer(text, "solution_idea", policy=INVERTER, language=language)
    assert out.slots.get("solution_idea"), out
    assert not asks_to_stop(text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Заказ отменили без предупреждения", "ru"),
        ("Sifarişimi xəbərsiz ləğv etdilər", "az"),
        ("Mi-au anulat comanda fără motiv", "ro"),
        ("Siparişimi haber vermeden iptal ettiler", "tr"),
    ],
)
def test_a_short_story_of_a_cancelled_order_is_the_complaint(text, language):
    out = _answer(text, "complaint_text", language=language)
    assert out.slots.get("complaint_text"), out


# The customer who drops the complaint still drops it, in the form and at the remedy question.
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("отмените", "ru"),
        ("Отмените мою жалобу", "ru"),
        ("şikayətimi ləğv edin", "az"),
        ("vreau să anulez reclamația", "ro"),
        ("vazgeçtim", "tr"),
        ("şikayetimi iptal edin", "tr"),
    ],
)
def test_a_cancel_of_the_complaint_still_leaves_the_form(text, language):
    assert asks_to_stop(text)
    out = _answer(text, "solution_idea", policy=INVERTER, language=language)
    assert not out.slots.get("solution_idea"), out
