"""Issue 21, round 2: the classes the held-out half of the dialogue benchmark still failed on, in
ru, az, ro and tr, with examples that are not in the benchmark (names and places grep-checked
against bench/dialogue/customers): a role with a qualifier is no name, a branch or street is no
person, a Russian name in a case form is written down in the nominative, an opening that only
announces a complaint is not what happened, and a "don't know" followed by an idea is the idea."""

import pytest

from actions.answers import goes_on
from actions.interpret import interpret
from actions.parsers import names
from actions.parsers.complaint_text import what_happened
from actions.parsers.staff import read_staff
from actions.policy import load_policy
from tests.actions.factories import turn


# (answer to "who served you?") a role said with what kind of role it is: no name.
@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Мастер по ремонту холодильников", "Мастер"),  # ru
        ("Soyuducu ustası", "ustası"),  # az: "Soyuducu" is what the usta repairs
        ("Təmir ustasi", "ustasi"),  # az, typed without diacritics
        ("Tehnicianul de la montaj", "Tehnicianul"),  # ro
        ("Kombi ustası", "ustası"),  # tr
        ("Nakliye ekibindeki eleman", "eleman"),  # tr: the qualifier two words before the role
    ],
)
def test_a_role_with_a_qualifier_is_a_role_and_no_name(text, role):
    reading = read_staff(text, None, answer=True)
    assert reading is not None and reading.name is None and reading.role == role


def test_a_known_first_name_or_a_name_set_apart_before_a_role_is_still_the_name():
    assert read_staff("Orxan usta", None, answer=True).name == "Orxan"
    assert read_staff("Хумар, кассир", None, answer=True).name == "Хумар"


# A branch or street in a local case ("Xətai filialında", "Bakıxanov şubesindeki") is no person.
@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("кассир в филиале на Ахмедлы", "кассир"),  # ru
        ("Xətai filialında kassir", "kassir"),  # az, locative
        ("Binəqədi filialının satıcısı", "satıcısı"),  # az, genitive
        ("casiera de la filiala Sumqayit", "casiera"),  # ro
        ("Sumqayıt şubesindeki kasiyer", "kasiyer"),  # tr, locative + -ki
    ],
)
def test_a_branch_or_street_name_is_no_staff_member(text, role):
    reading = read_staff(text, None, answer=True)
    assert reading is not None and reading.name is None and reading.role == role


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Binəqədi filialının satıcısı Nuranə xanım", "Nuranə"),  # az: the branch is not, the name is
        ("vanzatoarea Simonei de la filiala Sabunçu", "Simona"),  # ro: genitive-dative
        ("Xətai şubesindeki kasiyer Dilek Hanım'dan", "Dilek"),  # tr: the ablative title goes
    ],
)
def test_a_name_beside_a_branch_is_still_the_name(text, name):
    assert read_staff(text, None, answer=True).name == name


# Russian case forms of first names, Azerbaijani ones written in Russian letters too.
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("у менеджера Ильгара", "Ильгар"),  # genitive after a genitive role
        ("с мастером Ильгаром", "Ильгар"),  # instrumental
        ("кассиршей Ламией", "Ламия"),  # feminine instrumental, Lamiyə in Russian letters
        ("жалоба на администратора Эльнару", "Эльнара"),  # accusative
        ("продавщица Эльнара", "Эльнара"),  # nominative after a feminine role: kept
    ],
)
def test_a_russian_name_in_a_case_form_is_written_in_the_nominative(text, name):
    assert read_staff(text, None, answer=True).name == name


def test_a_name_of_the_latin_lists_is_known_in_russian_letters():
    assert names.is_first_name("Ламия") and names.is_first_name("Айгюнь")
    assert not names.is_first_name("магазина")


# An opening that only announces a complaint (or asks where to send one) is not what happened.
@pytest.mark.parametrize(
    "text",
    [
        "Хотим оставить претензию",
        "Где можно подать жалобу?",
        "Şikayət yazmaq istəyirdim",
        "Şikayəti hara yaza bilərəm?",
        "Vreau sa trimit o sesizare",
        "Unde pot depune o reclamatie?",
        "Size bir şikayet yazmak istiyorum",
        "Nereye şikayet yazabilirim?",
    ],
)
def test_an_announcement_is_not_the_complaint(text):
    assert what_happened(text) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Где можно подать жалобу? Чайник течёт с первого дня", "Чайник течёт с первого дня"),
        ("Şikayəti hara yaza bilərəm? Ütü ikinci gün yandı", "Ütü ikinci gün yandı"),
        ("Unde pot depune o reclamatie? Fierul de calcat s-a ars a doua zi", "Fierul de calcat s-a ars a doua zi"),
        ("Nereye şikayet yazabilirim? Ütü ikinci gün yandı", "Ütü ikinci gün yandı"),
        ("Хочу вернуть деньги за чайник", "Хочу вернуть деньги за чайник"),
    ],
)
def test_the_story_after_an_announcement_is_kept(text, kept):
    assert what_happened(text) == kept


# What the customer wants done, after a "don't know" or a "no".
@pytest.mark.parametrize(
    ("text", "idea"),
    [
        ("не знаю, пусть просто заменят фильтр", True),
        ("Bilmirəm, bəlkə pulun yarısını qaytarsınlar", True),
        ("yox, sadece servisi pulsuz etsinler", True),
        ("nu stiu, poate sa schimbe placa", True),
        ("bilmiyorum, belki yeni cihaz göndersinler", True),
        ("не знаю, наверное ничего", False),
        ("не знаю, решайте сами", False),
        ("bilmirəm, siz bilərsiz", False),
        ("nu stiu, cum credeti voi", False),
        ("bilmiyorum, size kalmış", False),
        ("bilmirəm", False),
        ("nu, multumesc", False),
        ("hayır, yok", False),
    ],
)
def test_a_dont_know_followed_by_an_idea_is_the_idea(text, idea):
    assert goes_on(text) is idea


# --- through interpret(): a person named in the story is not asked for; a story is no status look-up


def _first(text, policy, intent):
    return interpret(turn(text, intent, entities=[], slots={}, form_active=False), policy)


@pytest.mark.parametrize(
    "text",
    [
        "Я уже говорила с оператором, а пылесос так и не забрали в ремонт",
        "Operatorla danışdım, kömək etmədi",
        "operatorla danisdim, dedi ki usta sabah gelecek, gelmedi",
        "Am vorbit cu un operator ieri si masina de spalat tot nu a fost ridicata",
        "Müşteri temsilcisiyle görüştüm, klimanın montajı hâlâ yapılmadı",
    ],
)
def test_a_person_the_story_names_in_the_past_is_no_request_for_one(text):
    out = _first(text, load_policy("kontakt"), "request_human")
    assert not out.wants_person and out.start_complaint


@pytest.mark.parametrize(
    "text",
    [
        "Я уже говорила с оператором, соедините с другим",
        "operatorla danışdım, yenə operator lazımdır",
        "Am vorbit deja cu un operator, vreau un om real",
        "Temsilciyle konuştum, yine müşteri temsilcisi istiyorum",
    ],
)
def test_a_request_for_a_person_after_a_past_contact_is_still_a_request(text):
    assert _first(text, load_policy("kontakt"), "request_human").wants_person


@pytest.mark.parametrize(
    "text",
    [
        "Моя заявка на ремонт висит третью неделю, мастер так и не пришёл",
        "Sifarişim iki həftədir gəlmir, mağazada heç kim cavab vermir",
        "Cererea mea de reparatie a fost inchisa fara ca aspiratorul sa fie reparat",
        "Talebim üç haftadır bekliyor, servis hâlâ gelmedi ve kimse aramadı",
    ],
)
def test_a_story_read_as_a_status_question_without_a_tracking_number_is_a_complaint(text):
    out = _first(text, load_policy("kontakt"), "check_status")
    assert out.start_complaint and out.slots.get("complaint_text")


@pytest.mark.parametrize(
    "text",
    [
        "какой статус моей жалобы, подавала её на прошлой неделе",
        "şikayətimin vəziyyəti nə oldu, cavab yoxdur",
        "vreau sa aflu stadiul reclamatiei mele de saptamana trecuta",
        "şikayetimin durumu ne oldu, hâlâ cevap yok",
    ],
)
def test_a_status_question_stays_a_status_question(text):
    out = _first(text, load_policy("kontakt"), "check_status")
    assert not out.start_complaint and not out.slots.get("complaint_text")
