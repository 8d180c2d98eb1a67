"""A customer files a complaint through the web chat page (/chat) in Debian's
headless Chromium: rasa-webchat over Rasa's socketio channel, the page's
language as customData, a reload half way that keeps the conversation, the
language buttons; a screenshot is kept under var/artifacts/."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.channels.webchat_sessions import sender_of  # the browser keeps the signed token
from tests.support.conversation import TRACKING, domain_texts, slot
from tests.support.stack import ROOT

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path(__file__).with_name("webchat_browser.cjs")
ARTIFACTS = ROOT / "var" / "artifacts"


@pytest.fixture(scope="module")
def browser_ready():
    missing = [
        what
        for what, ok in (
            ("chromium (scripts/install-chromium.sh)", CHROMIUM.exists()),
            ("node", shutil.which("node") is not None),
            ("web/node_modules (scripts/web-install.sh)", (ROOT / "web" / "node_modules" / "playwright-core").exists()),
        )
        if not ok
    ]
    if missing:
        pytest.fail("the browser test needs " + ", ".join(missing))


def test_the_chat_page_and_its_scripts_are_served(channel_stack):
    s = channel_stack
    page = httpx.get(f"{s.backend_url}/chat", params={"lang": "az"})
    assert page.status_code == 200 and '<html lang="az">' in page.text
    assert f'"serverUrl": "http://127.0.0.1:{s.ports["rasa"]}"' in page.text
    assert (
        httpx.get(f"{s.backend_url}/chat", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).text.count('<html lang="tr">')
        == 1
    )
    embed = httpx.get(f"{s.backend_url}/chat/embed.js")
    assert embed.status_code == 200 and embed.headers["content-type"].startswith("text/javascript")
    widget = httpx.get(f"{s.backend_url}/chat/widget.js")
    assert widget.status_code == 200 and "WebChat" in widget.text[:2000]
    odd = httpx.get(f"{s.backend_url}/chat", params={"lang": "</script>"})
    # Neither the link nor the browser names one of the four: the policy's default (eurolux: az).
    assert odd.status_code == 200 and '<html lang="az">' in odd.text and odd.text.count("</script>") == 2


def test_customer_files_a_complaint_in_the_browser(channel_stack, browser_ready):
    s = channel_stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "webchat-complaint.png"
    steps = [
        {"say": "Здравствуйте, хочу оставить жалобу"},
        {"say": "Мамедова Лейла Рашидовна"},
        {"say": "050 111 22 33"},
        {"click": "Не знаю"},
        {"reload": True},
        {"say": "Купила гитару, через неделю треснула дека, в обмене отказали"},
        {"say": "да"},
    ]
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(s.workdir),
        "CHAT_URL": f"{s.backend_url}/chat",
        "SCREENSHOT": str(screenshot),
        "STEPS": json.dumps(steps, ensure_ascii=False),
    }
    run = subprocess.run(["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    # The page greets first (action_greet_chat): its first line says what can be done here.
    greetings = domain_texts("utter_chat_welcome_brief")
    assert result["greeting"].splitlines()[0] == greetings["ru"].strip()
    assert result["languageButtons"] == ["Русский", "Azərbaycanca", "Română", "Türkçe"]
    assert result["keptAfterReload"] is True
    assert result["tracking_number"] and TRACKING.fullmatch(result["tracking_number"]), result
    record = s.complaint(result["tracking_number"])
    assert record["channel"] == "socketio" and record["language"] == "ru"
    assert record["full_name"] == "Мамедова Лейла Рашидовна" and record["phone"] == "+994501112233"
    assert record["staff_member"] is None and "треснула дека" in record["complaint_text"]
    assert slot(s, sender_of(result["session_id"]), "tracking_number") == result["tracking_number"]
    assert screenshot.stat().st_size > 10_000
    assert result["errors"] == []

    assert result["greetingAz"].splitlines()[0] == greetings["az"].strip()
    assert slot(s, sender_of(result["session_id_az"]), "language") == "ro"
    assert result["afterRomanian"], "no answer after the Romanian button"
    # the widget's own labels follow the button too, not only the assistant's replies
    assert result["headerAz"] == {
        "title": "Müştəri xidməti",
        "subtitle": "Şikayət və təkliflər",
        "placeholder": "Mesajınızı yazın…",
    }, result["headerAz"]
    assert result["headerRo"] == {
        "title": "Relații cu clienții",
        "subtitle": "Reclamații și sugestii",
        "placeholder": "Scrieți un mesaj…",
    }, result["headerRo"]
