"""GET /agent renders the workspace in the agent's language: ?lang= > the agent_lang cookie >
Accept-Language > English; <html lang> set, the labels for the scripts in a JSON data block
that cannot end the script element, the strict CSP kept."""

import json
import re

import pytest

from backend.app.workspace import i18n

LANGUAGES = sorted(i18n.LANGUAGES)


def _labels_of(html: str) -> dict[str, str]:
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_renders_in_each_language(client, lang):
    page = client.get("/agent", params={"lang": lang})
    assert page.status_code == 200
    labels = i18n.labels(lang)
    assert f'<html lang="{lang}">' in page.text
    assert f"<title>{labels['app.title']}</title>" in page.text
    assert labels["login.submit"] in page.text and labels["view.overdue"] in page.text
    assert _labels_of(page.text) == labels
    assert page.headers["content-language"] == lang
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # Nothing of the template is left unrendered.
    assert "{{" not in page.text and "{%" not in page.text


def test_the_language_is_chosen_query_then_cookie_then_browser(client):
    def lang_of(**kwargs) -> str:
        page = client.get("/agent", **kwargs)
        return re.search(r'<html lang="(\w+)">', page.text).group(1)

    assert lang_of() == "en"
    assert lang_of(headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.8"}) == "tr"
    assert lang_of(headers={"Accept-Language": "de-DE,ro;q=0.7,ru;q=0.9"}) == "ru"
    assert lang_of(headers={"Accept-Language": "de, fr"}) == "en"
    client.cookies.set("agent_lang", "az")
    try:
        assert lang_of(headers={"Accept-Language": "tr"}) == "az"
        assert lang_of(params={"lang": "ro"}, headers={"Accept-Language": "tr"}) == "ro"
        assert lang_of(params={"lang": "xx"}, headers={"Accept-Language": "tr"}) == "az"
    finally:
        client.cookies.clear()


def test_the_labels_of_a_language_as_json(client):
    answer = client.get("/agent/i18n/az.json")
    assert answer.status_code == 200 and answer.json() == i18n.labels("az")
    assert client.get("/agent/i18n/de.json").status_code == 404


def test_the_modules_are_served_and_nothing_else(client):
    page = client.get("/agent")
    entry = re.search(r'<script type="module" src="/agent/(\w+\.js)">', page.text).group(1)
    script = client.get(f"/agent/{entry}")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    for module in re.findall(r'from "\./(\w+\.js)"', script.text):
        assert client.get(f"/agent/{module}").status_code == 200, module
    assert client.get("/agent/index.html").status_code == 404
    assert client.get("/agent/..%2Fchat.html").status_code == 404
    assert client.get("/agent/nothing.js").status_code == 404


def test_a_label_cannot_end_the_data_block():
    from backend.app.workspace.views import _data_block

    text = _data_block({"x": "</script><script>alert(1)</script> & more"})
    assert "</script>" not in text and json.loads(text) == {"x": "</script><script>alert(1)</script> & more"}
