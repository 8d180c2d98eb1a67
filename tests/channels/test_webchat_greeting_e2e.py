"""Issue 24's Must-show with the real processes and the trained model: the chat page, opened by a
browser set to Azerbaijani (no ?lang=), greets in Azerbaijani before anything is typed, with the
three quick replies; "check my complaint" leads to the status look-up (the tracking number asked
in Azerbaijani); the reopened page is not greeted again; a Romanian browser gets Romanian.
Screenshots under var/artifacts/."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from bot.channels.webchat_sessions import sender_of
from tests.channels.test_webchat_e2e import ARTIFACTS, browser_ready  # noqa: F401 - the fixture
from tests.support.conversation import ROOT, domain_texts, slot

DRIVER = Path(__file__).with_name("webchat_greeting.cjs")
WELCOMES = ("utter_chat_welcome", "utter_chat_welcome_after_hours")


def buttons(response: str, language: str) -> list[str]:
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for variation in data["responses"][response]:
        if any(c.get("value") == language for c in variation.get("condition") or []):
            return [b["title"] for b in variation["buttons"]]
    raise KeyError(language)


def intro(language: str) -> str:
    """The welcome's first line, the same inside and outside working hours."""
    return domain_texts("utter_chat_welcome_brief")[language].strip()


def filled(greeting: str, language: str) -> bool:
    """The greeting is one of the welcomes with every placeholder filled in."""
    for name in WELCOMES:
        pattern = re.escape(domain_texts(name)[language].strip())
        pattern = re.sub(r"\\\{\w+\\\}", lambda _: r"[^{}\n]+", pattern)
        if re.fullmatch(pattern, greeting.strip()):
            return True
    return False


def test_an_azerbaijani_browser_is_greeted_in_azerbaijani_and_checks_a_complaint(channel_stack, browser_ready):  # noqa: F811
    s = channel_stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "webchat-greeting-az.png"
    titles = buttons("utter_chat_welcome", "az")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(s.workdir),
        "CHAT_URL": f"{s.backend_url}/chat",
        "SCREENSHOT": str(screenshot),
        "CHECK_TITLE": titles[1],
    }
    run = subprocess.run(["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["errors"] == []

    # Before anything is typed: one message, in Azerbaijani, with its three quick replies.
    assert result["htmlLang"] == "az" and result["typedBeforeGreeting"] == []
    [greeting] = result["greeting"]
    lines = greeting.splitlines()
    assert lines[0] == intro("az"), greeting
    assert filled(greeting, "az")  # the policy's promise, its dates (and after hours, the hours) filled in
    assert result["quickReplies"] == titles == ["Şikayət vermək", "Şikayətimi yoxlamaq", "Əməkdaşla danışmaq"]
    assert result["typingSeen"] is True and result["typingHiddenAfter"] is True
    assert result["trackLink"]["text"] == "Şikayəti izləmək"
    assert result["trackLink"]["href"] == f"{s.backend_url}/track?lang=az"
    assert result["header"] == "Müştəri xidməti"
    conversation = sender_of(result["session"])
    assert slot(s, conversation, "language") == "az"
    assert screenshot.stat().st_size > 10_000

    # "Şikayətimi yoxlamaq": the status look-up asks for the tracking number, in Azerbaijani.
    assert result["typedAfterCheck"] == [titles[1]]
    assert result["typingWhileWaiting"] is True
    assert result["afterCheck"] == [domain_texts("utter_ask_tracking_number")["az"].strip()]
    tracker = s.tracker(conversation)
    assert (tracker.get("active_loop") or {}).get("name") == "status_form"
    assert slot(s, conversation, "requested_slot") == "tracking_number"

    # Reopened with the same session: the conversation as it was, no second greeting.
    assert result["sessionAfterReload"] == result["session"]
    assert len(result["afterReload"]) == result["repliesBeforeReload"]
    assert sum(1 for text in result["afterReload"] if text.startswith(intro("az"))) == 1
    greeted = [e for e in s.tracker(conversation)["events"] if e.get("event") == "action"]
    assert [e["name"] for e in greeted].count("action_greet_chat") == 1

    # A Romanian browser: Romanian greeting and buttons.
    assert result["htmlLangRo"] == "ro"
    assert result["greetingRo"][0].splitlines()[0] == intro("ro")
    assert result["quickRepliesRo"] == buttons("utter_chat_welcome", "ro")
    assert slot(s, sender_of(result["sessionRo"]), "language") == "ro"
    assert filled(result["greetingRo"][0], "ro")
