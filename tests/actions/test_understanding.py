"""Issue 21's classes of misreading, each in the four languages, through interpret() as the
action server runs it. The classifier's entities are left out or wrong on purpose: the
interpretation layer must read these messages right even where DIET is unsure.

None of these examples is in bench/dialogue/customers (the benchmark) or in data/nlu."""

from __future__ import annotations

import pytest

from actions.interpret import interpret
from actions.policy import load_policy
from tests.actions.factories import turn

EUROLUX = load_policy("eurolux")
KONTAKT = load_policy("kontakt")
MUSIC = load_policy("music_gallery")
POLISER = load_policy("poliser")
INVERTER = load_policy("inverter_eu")


def first(text, policy, *, intent="complain", entities=None, language=None):
    slots = {"language": language} if language else {}
    return interpret(turn(text, intent, entities=entities or [], slots=slots, form_active=False), policy)


def answer(text, slot, policy, *, intent="inform", slots=None, entities=None):
    return interpret(turn(text, intent, requested=slot, slots=slots or {}, entities=entities or []), policy)


def responses(outcome):
    return [name for name, _ in outcome.responses]


def still_asked(policy, slots, skipped=()):
    """What the form asks next: the policy's slots for this conversation that are still empty."""
    return [s for s in policy.required_slots(slots, list(skipped)) if slots.get(s) is None]


# --- the staff member: role and name give the name -------------------------------------------


@pytest.mark.parametrize(
    ("text", "policy", "role_hint", "name"),
    [
        ("Добрый вечер, продавец-консультант Ниязи отказался оформить возврат наушников", EUROLUX, "продавец", "Ниязи"),
        ("охранник Тимур не пустил меня в магазин с коляской, это возмутительно", KONTAKT, "охранник", "Тимур"),
        ("salam, kassir Səadət xanım qəbzi vermədi, pulu iki dəfə çəkdi", KONTAKT, "kassir", "Səadət"),
        ("menecer Təbriz müəllim telefonu götürmür, sifarişim 9 gündür gəlmir", EUROLUX, None, "Təbriz"),
        (
            "Bună ziua, tehnicianul Lucian a montat mașina de spălat strâmb și a plecat",
            EUROLUX,
            "tehnicianul",
            "Lucian",
        ),
        ("casiera Luminița m-a taxat de două ori pentru aceeași chitară", MUSIC, None, "Luminița"),
        ("mağazadaki satış danışmanı Tayfun Bey iade talebimi kabul etmedi", KONTAKT, None, "Tayfun"),
        ("kasiyer Nurten Hanım para üstünü eksik verdi ve özür bile dilemedi", MUSIC, "kasiyer", "Nurten"),
    ],
)
def test_role_and_name_in_a_first_message_give_the_name(text, policy, role_hint, name):
    entities = [{"entity": "staff", "value": role_hint}] if role_hint else []
    out = first(text, policy, entities=entities)
    assert out.slots["staff_member"] == name
    assert "staff_member" not in still_asked(policy, out.slots)


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("в магазине на проспекте Бабека мне продали уценённый телевизор как новый", EUROLUX),
        ("заказывал через интернет-магазин, привезли не тот цвет холодильника", KONTAKT),
        ("Gənclik filialında mənə işlənmiş telefon satdılar", KONTAKT),
        ("saytdan sifariş etdim, 10 gündür çatdırılmayıb", EUROLUX),
        ("am comandat de pe site-ul vostru și coletul a venit gol", KONTAKT),
        ("în magazinul din Palas Mall mi s-a vândut o chitară zgâriată", MUSIC),
        ("Nərimanov'daki şubenizde bana yanlış ürün verildi", EUROLUX),
        ("internet sitesinden sipariş verdim, kargo iki haftadır gelmedi", MUSIC),
    ],
)
def test_a_place_is_not_a_staff_member(text, policy):
    out = first(text, policy)
    assert out.slots.get("staff_member") is None
    assert out.slots.get("staff_role") is None


@pytest.mark.parametrize(
    ("text", "language", "dont_know"),
    [
        ("курьер бросил коробку с микроволновкой у подъезда и уехал", "ru", "не знаю"),
        ("kuryer qutunu qapının ağzına atıb getdi", "az", "bilmirəm"),
        ("curierul a aruncat coletul peste gard", "ro", "nu știu"),
        ("kurye paketi kapının önüne bırakıp gitti, zil bile çalmadı", "tr", "bilmiyorum"),
    ],
)
def test_a_role_alone_asks_once_for_the_name_and_dont_know_skips_it(text, language, dont_know):
    out = first(text, KONTAKT, language=language)
    assert out.slots.get("staff_member") is None
    role = out.slots["staff_role"]
    assert role and role.lower() in text.lower()
    # The form asks the staff question (action_ask_staff_member asks for the name of `role`) ...
    assert "staff_member" in still_asked(KONTAKT, out.slots)
    slots = {"language": language, "staff_role": role}
    skipped = answer(dont_know, "staff_member", KONTAKT, intent="dont_know", slots=slots)
    assert skipped.slots["staff_member"] is None and skipped.slots["skipped_slots"] == ["staff_member"]
    # ... and a second role alone is not asked about again.
    again = answer(role, "staff_member", KONTAKT, slots=slots)
    assert again.slots["staff_member"] is None and "staff_member" in again.slots["skipped_slots"]


@pytest.mark.parametrize(
    ("reply", "name"),
    [
        ("Хумар, кассир", "Хумар"),
        ("kassir Sədaqət", "Sədaqət"),
        ("vânzătorul Virgil", "Virgil"),
        ("Ferit Bey", "Ferit"),
    ],
)
def test_the_staff_question_answered_with_a_name_keeps_the_name(reply, name):
    out = answer(reply, "staff_member", EUROLUX)
    assert out.slots["staff_member"] == name


# --- names with case or copula suffixes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "policy", "name"),
    [
        ("mənim adım Hüseynova Lalə Tofiq qızıdır", EUROLUX, "Hüseynova Lalə Tofiq qızı"),
        ("adım Sadıxlı Kamran Nazim oğludur", KONTAKT, "Sadıxlı Kamran Nazim oğlu"),
        ("ben Kaplan Hacer'yım", POLISER, "Kaplan Hacer"),
        ("benim adım Serkan Aydoğdu'dur", POLISER, "Serkan Aydoğdu"),
        ("меня зовут Пашаев Теймур Ильгарович", EUROLUX, "Пашаев Теймур Ильгарович"),
        ("numele meu este Zamfir Oana", INVERTER, "Zamfir Oana"),
    ],
)
def test_a_name_keeps_no_prefix_and_no_suffix(text, policy, name):
    out = answer(text, "full_name", policy)
    assert out.slots["full_name"] == name


@pytest.mark.parametrize(
    ("name", "kept"), [("Kadir Demirtaş", "Kadir Demirtaş"), ("Məryəm Nəsibova", "Məryəm Nəsibova")]
)
def test_a_name_that_ends_like_a_suffix_is_kept(name, kept):
    assert answer(name, "full_name", POLISER).slots["full_name"] == kept


# --- codes typed the way people type them --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        ("серийный номер: 3109 4455 0021", "310944550021"),
        ("seriya nömrəsi SN-47730 19265", "4773019265"),
        ("seria invertorului este s/n 6604 1189 2273", "660411892273"),
        ("seri no: № 731200456", "731200456"),
    ],
)
def test_serial_numbers_with_spaces_dashes_and_labels(text, serial):
    out = answer(text, "serial_number", INVERTER, slots={"complaint_category": "product"})
    assert out.slots["serial_number"] == serial
    assert "utter_invalid_code" not in responses(out)


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("номер заявки: zv-3318", "ZV-3318"),
        ("bilet nömrəsi #77102", "77102"),
        ("tichetul meu e nr. rt-7384", "RT-7384"),
        ("talep numarası: tkt 66031", "TKT66031"),
    ],
)
def test_ticket_numbers_with_a_prefix_or_lower_case(text, ticket):
    out = answer(text, "ticket_number", INVERTER, slots={"complaint_category": "service"})
    assert out.slots["ticket_number"].replace("-", "") == ticket.replace("-", "")


# --- the complaint is what happened --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "policy", "has", "not_"),
    [
        (
            "Здравствуйте, я Сафарова Гюнай, 055 318 42 90, хочу оставить жалобу: утюг сгорел на третий день",
            EUROLUX,
            "утюг сгорел на третий день",
            ["Здравствуйте", "Сафарова", "318", "жалобу"],
        ),
        (
            "Salam, şikayətim var. Adım Qəhrəmanlı Eldar, 070 224 18 36. Aldığım tozsoran ikinci gün xarab oldu",
            KONTAKT,
            "tozsoran ikinci gün xarab oldu",
            ["Salam", "Qəhrəmanlı", "224", "şikayətim"],
        ),
        (
            "Bună ziua, vreau să fac o reclamație. Sunt Bucur Ilie, bucur.ilie@posta.ro. "
            "Invertorul se oprește în fiecare după-amiază",
            INVERTER,
            "se oprește în fiecare după-amiază",
            ["Bună ziua", "reclamație", "Bucur", "posta.ro"],
        ),
        (
            "Merhaba, şikayet etmek istiyorum, ben Eroğlu Ozan 0532 418 77 06, aldığım ısıtıcı ilk gün bozuldu",
            POLISER,
            "ısıtıcı ilk gün bozuldu",
            ["Merhaba", "Eroğlu", "418", "istiyorum"],
        ),
    ],
)
def test_the_complaint_text_leaves_out_greetings_and_the_customers_details(text, policy, has, not_):
    person = {"ru": "Сафарова Гюнай", "az": "Qəhrəmanlı Eldar", "ro": "Bucur Ilie", "tr": "Eroğlu Ozan"}
    entities = [{"entity": "person", "value": v} for v in person.values() if v in text]
    out = first(text, policy, entities=entities)
    body = out.slots["complaint_text"]
    assert has.lower() in body.lower()
    for word in not_:
        assert word not in body, body


# --- what the first message says is not asked again ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("у меня жалоба на сервис: заявку закрыли, а инвертор так и не починили", "service"),
        ("invertorla bağlı xidmət şikayətidir, usta gəlmədi", "service"),
        ("am o reclamație despre produs: invertorul e defect de la livrare", "product"),
        ("ürün şikayeti: invertör arızalı geldi", "product"),
    ],
)
def test_the_category_said_in_the_first_message_is_not_asked(text, category):
    out = first(text, INVERTER)
    assert out.slots["complaint_category"] == category
    assert "complaint_category" not in still_asked(INVERTER, out.slots)


def test_a_device_named_says_nothing_of_the_category():
    out = first("инвертор Huawei показывает ошибку 2001 уже неделю", INVERTER)
    assert out.slots.get("complaint_category") is None


# --- "no" to "phone or e-mail?" asks for the e-mail -----------------------------------------------


@pytest.mark.parametrize(("no", "language"), [("нет", "ru"), ("yox", "az"), ("nu", "ro"), ("yok", "tr")])
@pytest.mark.parametrize("policy", [KONTAKT, MUSIC])
def test_no_to_phone_or_email_asks_for_the_email(no, language, policy):
    slots = {"language": language, "full_name": "Şükürov Orxan"}
    out = answer(no, "phone", policy, intent="deny", slots=slots)
    assert "utter_invalid_phone" not in responses(out)
    assert out.slots["phone"] is None
    filled = {**slots, **out.slots}
    assert policy.required_slots(filled, out.slots["skipped_slots"])[1] == "email"
    email = answer("orxan.sukurov@inbox.az", "email", policy, slots=filled)
    assert email.slots["email"] == "orxan.sukurov@inbox.az"
    done = {**filled, **email.slots}
    assert "email" not in policy.required_slots(done, done["skipped_slots"])
    assert "phone" not in policy.required_slots(done, done["skipped_slots"])


def test_no_to_the_email_as_well_asks_for_a_phone_again():
    slots = {"language": "ru", "skipped_slots": ["phone"]}
    out = answer("нет", "email", KONTAKT, intent="deny", slots=slots)
    assert responses(out) == ["utter_contact_needed"]
    assert out.slots["skipped_slots"] == []
    assert "phone" in KONTAKT.required_slots({**slots, **out.slots}, [])


def test_no_to_a_phone_only_policy_is_asked_again():
    out = answer("нет", "phone", EUROLUX, intent="deny", slots={"language": "ru"})
    assert responses(out) == ["utter_invalid_phone"]


# --- unreadable messages in the middle of the form do not hand over ------------------------------


def _form_conversation(unreadable: list[str], language: str):
    """A customer asked for a phone who then sends `unreadable` messages, the last one now."""
    from rasa_sdk import Tracker

    events = [
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": "complain"}}},
        {"event": "bot", "metadata": {"utter_action": "utter_ask_phone"}},
    ]
    for text in unreadable[:-1]:
        events += [
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}},
            {"event": "bot", "metadata": {"utter_action": "utter_invalid_message"}},
            {"event": "bot", "metadata": {"utter_action": "utter_ask_phone"}},
        ]
    latest = {"text": unreadable[-1], "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    events.append({"event": "user", "text": unreadable[-1], "parse_data": latest})
    slots = {"requested_slot": "phone", "language": language, "full_name": "Talıbov Rauf"}
    return Tracker("c9", slots, latest, events, False, None, {"name": "complaint_form"}, "action_listen")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("messages", "language"),
    [(["🙄", "???"], "ru"), (["...", "🤷‍♂️"], "az"), (["?!", "😶😶"], "ro"), (["👍", "..."], "tr")],
)
async def test_two_unreadable_messages_in_the_form_get_a_short_answer_not_a_person(messages, language):
    from rasa_sdk.executor import CollectingDispatcher

    from actions.slot_mappings import ActionValidateSlotMappings

    dispatcher = CollectingDispatcher()
    events = await ActionValidateSlotMappings().run(dispatcher, _form_conversation(messages, language), {})
    sent = [m.get("response") for m in dispatcher.messages]
    assert sent == ["utter_invalid_message"]
    assert not any(e.get("name") == "handoff_reason" and e.get("value") for e in events)
    assert not any(e.get("name") == "route" and e.get("value") == "handoff" for e in events)


@pytest.mark.asyncio
async def test_the_third_unreadable_message_in_a_row_is_told_the_way_out():
    from rasa_sdk.executor import CollectingDispatcher

    from actions.slot_mappings import ActionValidateSlotMappings

    dispatcher = CollectingDispatcher()
    await ActionValidateSlotMappings().run(dispatcher, _form_conversation(["😡", "??", "!!!"], "ru"), {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_invalid_message", "utter_stuck_on_field"]


# --- a story or the customer's details outside the form begin the complaint ----------------------


@pytest.mark.parametrize(
    ("text", "intent", "policy"),
    [
        ("Мастер по установке просверлил трубу, теперь у соседей потоп", "correct_field", EUROLUX),
        ("Paltaryuyan maşın ilk yuyuşda sızma verdi, heç kim gəlmir", "deny", KONTAKT),
        ("Invertorul se deconectează de la rețea în fiecare zi la prânz", "out_of_scope", INVERTER),
        ("Boya kutusu açıldığında içi kurumuş çıktı, iade almıyorlar", "thank", POLISER),
    ],
)
def test_a_story_the_classifier_misread_starts_the_complaint(text, intent, policy):
    out = first(text, policy, intent=intent)
    assert out.start_complaint
    assert out.slots["complaint_text"]


@pytest.mark.parametrize("text", ["Какой у вас график работы в воскресенье?", "спасибо, всё понятно"])
def test_a_question_or_thanks_outside_the_form_does_not_start_one(text):
    intent = "out_of_scope" if "?" in text else "thank"
    out = first(text, EUROLUX, intent=intent)
    assert not out.start_complaint and "complaint_text" not in out.slots


@pytest.mark.parametrize(
    ("text", "policy", "name"),
    [
        ("Добрый день, меня зовут Гасанова Эльмира", EUROLUX, "Гасанова Эльмира"),
        ("salam, mən Babayev Tərlan", KONTAKT, "Babayev Tərlan"),
        ("Bună, sunt Radu Enache", INVERTER, "Radu Enache"),
        ("Merhaba ben Ece Korkmaz", POLISER, "Ece Korkmaz"),
    ],
)
def test_a_greeting_with_the_name_keeps_it_and_begins_the_complaint(text, policy, name):
    out = first(text, policy, intent="greet")
    assert out.slots["full_name"] == name
    assert out.start_complaint


def test_a_product_the_classifier_marked_as_a_person_is_not_the_customers_name():
    text = "Купил у вас Samsung Galaxy, через неделю перестал включаться экран"
    out = first(text, KONTAKT, entities=[{"entity": "person", "value": "Samsung Galaxy"}])
    assert out.slots.get("full_name") is None


# --- inside the form, an answer the classifier misread is still the answer -----------------------


@pytest.mark.parametrize(
    ("text", "intent", "slot", "expected"),
    [
        ("мамедов ильгар", "out_of_scope", "full_name", "Мамедов Ильгар"),
        ("internet üzərindən sifariş idi", "out_of_scope", "staff_member", None),
        ("pentru reparație să vină alt tehnician", "thank", "solution_idea", "pentru reparație să vină alt tehnician"),
        ("yeni bir teknisyen göndersinler lütfen", "request_human", "solution_idea", None),
    ],
)
def test_a_misread_answer_in_the_form_is_the_answer(text, intent, slot, expected):
    policy = INVERTER if slot == "solution_idea" else KONTAKT
    out = answer(text, slot, policy, intent=intent)
    assert slot in out.slots or "skipped_slots" in out.slots
    if expected:
        assert out.slots[slot] == expected
    if slot == "solution_idea" and expected is None:
        assert out.slots[slot] == text


def test_a_staff_name_the_classifier_called_a_denial_is_kept():
    out = answer("Gülnarə xanım", "staff_member", KONTAKT, intent="deny")
    assert out.slots["staff_member"] == "Gülnarə"


def test_a_category_entity_outside_the_two_kinds_is_read_from_the_words():
    entities = [{"entity": "category", "value": "məhsulla"}]
    out = answer("məhsulla bağlıdır", "complaint_category", INVERTER, entities=entities)
    assert out.slots["complaint_category"] == "product"


@pytest.mark.parametrize(
    ("opening", "answer_text", "has"),
    [
        ("Здравствуйте, у меня проблема с посудомойкой", "после первой мойки на дверце трещина", "посудомойкой"),
        (
            "Salut, am o problemă cu mașina de spălat cumpărată la voi",
            "tamburul scârțâie și nu centrifughează",
            "mașina",
        ),
    ],
)
def test_a_first_message_that_names_only_the_subject_asks_what_happened_and_keeps_both(opening, answer_text, has):
    out = first(opening, EUROLUX)
    assert out.slots.get("complaint_text") is None
    topic = out.slots["complaint_topic"]
    told = answer(answer_text, "complaint_text", EUROLUX, slots={"complaint_topic": topic})
    body = told.slots["complaint_text"]
    assert has in body and answer_text.split()[1] in body


def test_an_insult_of_another_language_inside_a_word_is_not_anger():
    from actions import parsing

    text = "Am cerut rezilierea abonamentului și factura vine în continuare"
    assert not parsing.sounds_angry(text, "ro")
    assert parsing.sounds_angry("bu rəzil xidmətdir", "az")


@pytest.mark.parametrize(
    ("text", "name"),
    [("Салам, я Гусейнли Рамал Таги оглы, звоню насчёт доставки", "Гусейнли Рамал Таги оглы")],
)
def test_a_patronymic_written_in_russian_stays_with_the_name(text, name):
    out = first(text, EUROLUX, intent="greet")
    assert out.slots["full_name"] == name


@pytest.mark.parametrize("reply", ["через инстаграм заказывал, людей не видел", "facebook səhifəsi idi"])
def test_a_channel_given_for_the_staff_member_is_nobody(reply):
    out = answer(reply, "staff_member", KONTAKT)
    assert out.slots["staff_member"] is None


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("Дважды звонил на горячую линию, обещали перезвонить и пропали", POLISER),
        ("Servisə üç dəfə zəng etdim, geri zəng edəcəklərini dedilər, etmədilər", KONTAKT),
    ],
)
def test_a_story_about_calls_read_as_a_request_for_a_person_is_the_story(text, policy):
    out = first(text, policy, intent="request_human")
    assert not out.wants_person and out.start_complaint and out.slots["complaint_text"]


@pytest.mark.parametrize(
    "text",
    [
        "Добрый день, я бы хотел всё-таки поговорить с живым человеком, а не с ботом",
        "vă rog frumos să mă puneți în legătură cu un om, nu cu robotul",
    ],
)
def test_a_long_request_for_a_person_in_words_is_a_request(text):
    assert first(text, EUROLUX, intent="request_human").wants_person
    assert answer(text, "complaint_text", EUROLUX, intent="request_human").wants_person


@pytest.mark.parametrize(("text", "requested"), [("оператор нужен", None), ("operator lazımdır", "phone")])
def test_a_short_request_for_a_person_is_one_whatever_the_classifiers_confidence(text, requested):
    out = interpret(turn(text, "request_human", 0.55, requested=requested, form_active=bool(requested)), KONTAKT)
    assert out.wants_person


@pytest.mark.parametrize(
    ("text", "marked", "name"),
    [
        ("Шахбазлытоов Рамиз Ильясович", "Рамиз Ильясович", "Шахбазлытоов Рамиз Ильясович"),
        ("Исмаилова Гюльтекин из Сумгаита", "Исмаилова Гюльтекин", "Исмаилова Гюльтекин"),
    ],
)
def test_the_answer_to_the_name_question_keeps_the_whole_name(text, marked, name):
    out = answer(text, "full_name", EUROLUX, entities=[{"entity": "person", "value": marked}])
    assert out.slots["full_name"] == name
