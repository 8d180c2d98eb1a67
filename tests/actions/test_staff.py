import pytest

from actions.parsers.staff import StaffReading, read_staff

# (text, name, role) read from any message (answer=False): only a name tied to a role, a title or
# "по имени" / "adlı" / "pe nume" counts.
STORY = [
    # ru
    ("Кассир Светлана швырнула мне сдачу", "Светлана", "Кассир"),
    ("вчера продавец-консультант Игорь отказался оформить возврат", "Игорь", "продавец-консультант"),
    ("Жалуюсь на курьера Дмитрия, он грубил", "Дмитрий", "курьера"),
    ("менеджер по имени Тимур не перезвонил", "Тимур", "менеджер"),
    ("Гюльнара, администратор зала, накричала на меня", "Гюльнара", "администратор"),
    ("кассир девушка Лиза не дала чек", "Лиза", "кассир"),
    ("мастер Мамед приехал на три часа позже", "Мамед", "мастер"),
    ("Мне нагрубил кассир Нурлан Ахмедов в субботу", "Нурлан Ахмедов", "кассир"),
    ("с кассиром Ириной был неприятный разговор", "Ирина", "кассиром"),
    # az
    ("kassir Səbinə xanım mənə çek vermədi", "Səbinə", "kassir"),
    ("satıcı oğlan Tural çox kobud danışdı", "Tural", "satıcı oğlan"),
    ("Kənan adlı kuryer sifarişi gec gətirdi", "Kənan", "kuryer"),
    ("mağazada işçi Fidan bizə qışqırdı", "Fidan", "işçi"),
    ("usta Elşən bəy cihazı sındırdı", "Elşən", "usta"),
    ("kassir nərmin qəbz vermədi", "Nərmin", "kassir"),
    ("menecer Ramin müəllim zəngə cavab vermədi", "Ramin", "menecer"),
    ("Aysel adında satıcı qiyməti səhv dedi", "Aysel", "satıcı"),
    ("кассир Айгюн мне не помогла, bu çox pis idi", "Айгюн", "кассир"),
    # ro
    ("Casiera Mirela a refuzat să-mi dea bonul", "Mirela", "Casiera"),
    ("tehnicianul Sorin nu a venit la programare", "Sorin", "tehnicianul"),
    ("agentul pe nume Cosmin mi-a închis telefonul", "Cosmin", "agentul"),
    ("vânzătorul Bogdan Marinescu m-a jignit", "Bogdan Marinescu", "vânzătorul"),
    ("curierul florin a aruncat coletul", "Florin", "curierul"),
    ("doamna Lavinia de la casă a fost nepoliticoasă", "Lavinia", None),
    ("consultanta, pe nume Raluca, nu m-a ajutat", "Raluca", "consultanta"),
    ("Am vorbit cu operatoarea Simona ieri", "Simona", "operatoarea"),
    # tr
    ("kasiyer Zeynep Hanım fişi vermedi", "Zeynep", "kasiyer"),
    ("Mağaza müdürü Kemal Bey telefonu yüzüme kapattı", "Kemal", "müdürü"),
    ("Burak isimli kurye paketi kapıya bırakıp gitti", "Burak", "kurye"),
    ("satış temsilcisi olan Emre yanlış bilgi verdi", "Emre", "satış temsilcisi"),
    ("teknisyen Hakan'a üç kez söyledim", "Hakan", "teknisyen"),
    ("kasiyer kız Elif para üstünü eksik verdi", "Elif", "kasiyer kız"),
    ("garson selin siparişi unuttu", "Selin", "garson"),
    ("Dün Burcu adındaki çalışan bana bağırdı", "Burcu", "çalışan"),
]


@pytest.mark.parametrize(("text", "name", "role"), STORY)
def test_a_name_tied_to_a_role_or_title_is_the_staff_member(text, name, role):
    reading = read_staff(text, answer=False)
    assert reading is not None
    assert reading.name == name
    assert reading.role == role
    assert not reading.place


# A role with no name: the role is kept, and a verb or a descriptor after it is not a name.
ROLE_ONLY = [
    ("курьер опоздал на два часа", "курьер"),
    ("Продавщица нахамила и ушла", "Продавщица"),
    ("кассир девушка не дала сдачу", "кассир"),
    ("Вчера кассир мне нагрубила", "кассир"),
    ("kuryer gecikdi", "kuryer"),
    ("satıcı qız çox kobud idi", "satıcı qız"),
    ("Kassir bizə qışqırdı", "Kassir"),
    ("usta gəlmədi", "usta"),
    ("curierul a întârziat două ore", "curierul"),
    ("vânzătoarea înaltă nu m-a ajutat", "vânzătoarea"),
    ("Ieri casiera a țipat la mine", "casiera"),
    ("agentul nu mi-a răspuns", "agentul"),
    ("kurye geç geldi", "kurye"),
    ("Bugün kasiyer bana bağırdı", "kasiyer"),
    ("yaşlı kasiyer para üstünü vermedi", "kasiyer"),
    ("satış danışmanı ilgilenmedi", "satış danışmanı"),
]


@pytest.mark.parametrize(("text", "role"), ROLE_ONLY)
def test_a_role_without_a_name_is_only_a_role(text, role):
    assert read_staff(text, answer=False) == StaffReading(None, role, False)


PLACES = [
    "в магазине на улице Низами",
    "оформлял онлайн-заказ на сайте",
    "в Kontakt Home в ТЦ Гянджлик",
    "через горячую линию",
    "onlayn sifariş vermişdim",
    "Nizami küçəsindəki mağazada",
    "Azerpoçt",
    "zəng mərkəzinə zəng etdim",
    "magazinul din Iulius Mall",
    "Fan Courier",
    "pe site, comandă online",
    "Sameday",
    "internet sitesi üzerinden",
    "Yurtiçi Kargo",
    "Atatürk Caddesi'ndeki şube",
    "Aras Kargo",
]


@pytest.mark.parametrize("text", PLACES)
def test_a_place_channel_or_company_is_no_person(text):
    for answer in (True, False):
        reading = read_staff(text, answer=answer)
        assert reading is not None and reading.place, (text, answer)
        assert reading.name is None and reading.role is None


ANSWERS = [
    # ru
    ("Светлана", "Светлана"),
    ("Это была Оксана", "Оксана"),
    ("кажется, Рамиль", "Рамиль"),
    ("ирина", "Ирина"),
    ("г-жа Смирнова", "Смирнова"),
    ("Эльвира, она на кассе стояла", "Эльвира"),
    ("девушку звали Алина", "Алина"),
    ("Не помню точно, вроде Карина", "Карина"),
    # az
    ("Səbinə xanım", "Səbinə"),
    ("o, Leyla idi", "Leyla"),
    ("tural", "Tural"),
    ("Elşən müəllim", "Elşən"),
    ("Aytacdı", "Aytac"),
    ("adı Günel idi", "Günel"),
    ("ilkin", "İlkin"),
    ("Nərgizə demişdim", "Nərgiz"),
    # ro
    ("Mirela", "Mirela"),
    ("domnul Ionescu", "Ionescu"),
    ("d-na Petrescu", "Petrescu"),
    ("cred că era Alina", "Alina"),
    ("se numea Ovidiu", "Ovidiu"),
    ("ioana", "Ioana"),
    ("Era un băiat, Andrei", "Andrei"),
    ("doamnei Florentina i-am spus", "Florentina"),
    # tr
    ("Zeynep Hanım", "Zeynep"),
    ("Kemal Bey", "Kemal"),
    ("emre", "Emre"),
    ("adı Selin'di", "Selin"),
    ("Hakan'dı sanırım", "Hakan"),
    ("Burcu", "Burcu"),
    ("Bay Orhan", "Orhan"),
    ("ismi Tuğba idi", "Tuğba"),
]


@pytest.mark.parametrize(("text", "name"), ANSWERS)
def test_an_answer_may_be_a_bare_name(text, name):
    reading = read_staff(text, answer=True)
    assert reading is not None and reading.name == name and not reading.place


# Bare names count only as an answer: in any other message a capitalised word is not staff.
@pytest.mark.parametrize(
    "text",
    [
        "Светлана, я хочу пожаловаться на доставку",
        "Меня зовут Фарид, курьер не приехал",
        "Mən Orxan, sifarişim gəlmədi",
        "Mă numesc Andrei și am o problemă cu livrarea",
        "Ben Mehmet, kargom gelmedi",
    ],
)
def test_a_name_that_is_not_tied_to_a_role_is_not_the_staff_member(text):
    reading = read_staff(text, answer=False)
    assert reading is None or reading.name is None


@pytest.mark.parametrize(
    "text",
    [
        "девушка на кассе",
        "Не помню",
        "Высокая блондинка",
        "qız idi, adını bilmirəm",
        "yadımda deyil",
        "o tânără înaltă",
        "nu mai știu",
        "yaşlı bir adam",
        "sarışın bir kız",
        "Bilmiyorum",
    ],
)
def test_descriptors_and_dont_know_are_no_name(text):
    reading = read_staff(text, answer=True)
    assert reading is None or reading.name is None


@pytest.mark.parametrize(
    ("text", "entity", "name"),
    [
        ("кассир Севда нагрубила мне", "кассир", "Севда"),  # DIET kept the role only
        ("Светлана нагрубила мне на кассе", "Светлана", "Светлана"),  # DIET found the name alone
        ("Tural mənə qışqırdı", "Tural", "Tural"),
        ("Mirela nu mi-a dat bonul", "Mirela", "Mirela"),
        ("Zeynep fişi vermedi", "Zeynep", "Zeynep"),
    ],
)
def test_the_entity_is_a_hint_and_the_text_decides(text, entity, name):
    reading = read_staff(text, entity, answer=False)
    assert reading is not None and reading.name == name


def test_a_wrong_entity_on_the_customers_own_name_is_not_taken():
    reading = read_staff("Меня зовут Фарид, кассир нагрубила", "Фарид", answer=False)
    assert reading == StaffReading(None, "кассир", False)


@pytest.mark.parametrize("text", ["", "спасибо", "mersi", "təşəkkür edirəm", "teşekkürler"])
def test_nothing_about_staff_is_none(text):
    assert read_staff(text, answer=False) is None
