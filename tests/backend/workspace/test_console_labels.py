"""The console's label sets (backend/texts/console/<lang>.yml) are complete in every language,
as tests/data checks the domain's responses: the same keys everywhere, no empty label, the same
placeholders, and every key the page and its scripts use exists."""

import re
from pathlib import Path

import pytest

from backend.app.workspace import i18n
from backend.app.workspace.views import AGENT_DIR, VIEWS

LANGUAGES = sorted(i18n.LANGUAGES)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _used_keys() -> set[str]:
    """Keys named literally in index.html (t["..."]) and in the scripts (t("...")), and the
    keys built from a prefix (view.<view>, channel.<channel> in the template)."""
    keys: set[str] = set()
    html = (AGENT_DIR / "index.html").read_text(encoding="utf-8")
    keys |= set(re.findall(r"""t\[["']([\w.]+)["']\]""", html))
    keys |= {f"view.{view}" for view in VIEWS} | {f"channel.{c}" for c in ("phone", "email", "shop")}
    for script in AGENT_DIR.glob("*.js"):
        keys |= set(re.findall(r"""\bt\(["']([\w.]+)["']""", script.read_text(encoding="utf-8")))
    return keys


def test_the_console_speaks_five_languages():
    assert LANGUAGES == ["az", "en", "ro", "ru", "tr"]
    assert sorted(p.stem for p in Path(i18n.TEXTS_DIR).glob("*.yml")) == LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_label_in_every_language(lang):
    english = i18n.labels("en")
    labels = i18n.labels(lang)
    assert sorted(set(english) - set(labels)) == [], f"{lang} lacks these labels"
    assert sorted(set(labels) - set(english)) == [], f"{lang} has labels English lacks"
    assert [key for key, text in labels.items() if not text.strip()] == []
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(labels[key])) == set(PLACEHOLDER.findall(text)), (lang, key)


def test_every_key_the_page_uses_has_a_label():
    used = _used_keys()
    assert len(used) > 100  # the scan found the page's labels
    assert sorted(used - set(i18n.labels("en"))) == []


def test_every_status_and_channel_has_a_default_label():
    from contract.statuses import Channel, ComplaintStatus

    labels = i18n.labels("en")
    assert all(f"statuses.{s}" in labels for s in ComplaintStatus)
    assert all(f"channel.{c}" in labels for c in Channel)


def test_no_label_is_written_in_the_scripts():
    """Words a person reads come from the label files: no Cyrillic, Azerbaijani or Turkish
    letters in the scripts, and no English sentence passed to textContent."""
    for script in AGENT_DIR.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        assert not re.search(r"[А-Яа-яƏəĞğİıŞşÇçÖöÜüĂăȘșȚț]", code), script.name
        assert not re.search(r"""text:\s*["'`][A-Z][a-z]+ [a-z]""", code), script.name
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "outerHTML" not in text
