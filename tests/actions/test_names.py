import pytest

from actions.parsers import names


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # az: patronymic with copula, copula on a known first name or on a surname
        ("Həsənov Tural Fikrət oğluyam", "Həsənov Tural Fikrət oğlu"),
        ("Əliyeva Səbinə Vüqar qızıdır", "Əliyeva Səbinə Vüqar qızı"),
        ("Nəsibov Kənanam", "Nəsibov Kənan"),
        ("Səbinə Hüseynovayam", "Səbinə Hüseynova"),
        ("Quliyev Nicat Elşən oglu", "Quliyev Nicat Elşən oglu"),
        ("Rəhimov Fuadam", "Rəhimov Fuad"),
        # tr: the apostrophe always cuts; without one only after a known name
        ("Demir Zeynep'im", "Demir Zeynep"),
        ("Emre Kaya'yım", "Emre Kaya"),
        ("Öztürk Selin'dir", "Öztürk Selin"),
        ("Aydın Burakım", "Aydın Burak"),
        ("Şahin Elif Yılmaz kızıyım", "Şahin Elif Yılmaz kızı"),
        ("Arslan Meryemim", "Arslan Meryem"),
        # ru and ro: nothing to cut
        ("Смирнова Ольга Петровна", "Смирнова Ольга Петровна"),
        ("Иванов Тимур", "Иванов Тимур"),
        ("Popescu Andreea", "Popescu Andreea"),
        ("Ionescu Mihai Alexandru", "Ionescu Mihai Alexandru"),
        ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
    ],
)
def test_case_and_copula_suffixes_are_cut(written, expected):
    assert names.strip_suffixes(written) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Məmmədova Məryəm",
        "Kərimov İlham",
        "Yıldız Kadir",
        "Şahin Nadir",
        "Qasımova Elmira",
        "Nəbiyev Tahir",
        "Cengiz Ümit",
        "Popa Ilie",
        "Петров Вадим",
        "Pavlova Natalia",
    ],
)
def test_names_ending_like_a_suffix_stay_whole(name):
    assert names.strip_suffixes(name) == name


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("Aytən", "az"),
        ("aytan", "az"),
        ("Orxan", None),
        ("Olqa", "az"),
        ("Айтен", "ru"),
        ("Светлана", None),
        ("ксюша", "ru"),
        ("Ioana", "ro"),
        ("mihaela", None),
        ("Răzvan", "ro"),
        ("Mehmet", "tr"),
        ("ayşe", "tr"),
        ("Ayse", "tr"),
        ("Umut", "tr"),
        ("Kadir'in", "tr"),
    ],
)
def test_first_names_of_the_resource(word, language):
    assert names.is_first_name(word, language)


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("кассир", None),
        ("вера", "ru"),  # the word "faith"; "Вера" is a name
        ("lazım", "az"),
        ("zaman", None),
        ("Mehmet", "ru"),
        ("curierul", "ro"),
        ("floare", "ro"),
        ("umut", "tr"),
        ("kasiyer", None),
        ("Mağaza", "tr"),
    ],
)
def test_words_that_are_not_first_names(word, language):
    assert not names.is_first_name(word, language)


def test_a_common_word_is_a_name_when_capitalised():
    assert names.is_first_name("Вера", "ru") and names.is_first_name("Umut", "tr")


@pytest.mark.parametrize(
    ("words", "kept"),
    [
        (["Ayten", "Hanım"], ["Ayten"]),
        (["Kemal", "Bey'e"], ["Kemal"]),
        (["Orxan", "müəllim"], ["Orxan"]),
        (["Leyla", "xanım"], ["Leyla"]),
        (["doamna", "Ioana"], ["Ioana"]),
        (["d-na", "Popescu"], ["Popescu"]),
        (["domnul", "Radu"], ["Radu"]),
        (["г-жа", "Иванова"], ["Иванова"]),
        (["господин", "Петров"], ["Петров"]),
        (["Айтен", "ханум"], ["Айтен"]),
        (["Mehmet", "Ali"], ["Mehmet", "Ali"]),
    ],
)
def test_honorifics_are_removed(words, kept):
    assert names.strip_honorifics(words) == kept


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("Aytənə", "Aytən"),
        ("Nigardan", "Nigar"),
        ("Günayın", "Günay"),
        ("Ayten'e", "Ayten"),
        ("Zeynepten", "Zeynep"),
        ("Ольгой", "Ольга"),
        ("Сергею", "Сергей"),
        ("Ioanei", "Ioana"),
        ("Elmira", "Elmira"),
    ],
)
def test_a_first_name_with_a_case_suffix_gives_the_name(word, base):
    assert names.base_form(word) == base


@pytest.mark.parametrize("word", ["lazımdır", "kassirə", "magazinul", "zamanda"])
def test_words_that_only_look_suffixed_give_no_name(word):
    assert names.base_form(word) is None
