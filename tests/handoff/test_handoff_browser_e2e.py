"""In Debian's headless Chromium (playwright-core, tests/handoff/handoff_browser.cjs): a customer
on the web chat page asks for "оператор"; an agent logs in to /agent in a second browser
context, takes the conversation, they write to each other (customer text shown as text: an
HTML payload stays inert), the agent returns it to the bot, and the customer finishes the
complaint with the bot. Then a second customer hands over half way and the agent registers the
complaint from the card (with a double click: one complaint), sends number and PIN,
acknowledges it and closes the conversation. Screenshots in var/artifacts/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.channels.webchat_sessions import sender_of  # the browser keeps the signed token
from tests.handoff.handoff_stack import PASSWORD, ROOT, node_env

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path(__file__).with_name("handoff_browser.cjs")
ARTIFACTS = ROOT / "var" / "artifacts"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
NAME = "Мамедова Лейла Рашидовна"
SECOND = "Гусейнов Рашад Ильхам оглу"


@pytest.fixture(scope="module")
def browser_ready():
    missing = [
        what
        for what, ok in (
            ("chromium (make chromium)", CHROMIUM.exists()),
            ("node", shutil.which("node") is not None),
            ("web/node_modules (make web)", (ROOT / "web" / "node_modules" / "playwright-core").exists()),
        )
        if not ok
    ]
    if missing:
        pytest.fail("the browser test needs " + ", ".join(missing))


def test_the_console_page_is_served_with_a_strict_policy(handoff_stack):
    page = httpx.get(f"{handoff_stack.backend_url}/agent")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    script = httpx.get(f"{handoff_stack.backend_url}/agent/agent.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert httpx.get(f"{handoff_stack.backend_url}/agent/../settings.py").status_code == 404


def test_agent_and_customer_in_the_browser(handoff_stack, e2e_agents, browser_ready):
    s = handoff_stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = node_env(
        {
            "HOME": str(s.workdir),
            "CHAT_URL": f"{s.backend_url}/chat",
            "AGENT_URL": f"{s.backend_url}/agent",
            "AGENT_USERNAME": "alice",
            "AGENT_PASSWORD": PASSWORD,
            "CUSTOMER_NAME": NAME,
            "SECOND_NAME": SECOND,
            "XSS": XSS,
            "SCREENSHOTS": str(ARTIFACTS),
        }
    )
    run = subprocess.run(["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert "сотрудник" in result["handoffReply"].lower(), result["handoffReply"]
    assert NAME in result["queueText"] and "waiting" in result["queueText"]
    # The card names the channel by its label and its id ("web chat (socketio)"), the language likewise.
    assert NAME in result["cardSlots"] and any("(socketio)" in fact for fact in result["cardFacts"])
    assert any("(ru)" in fact or fact == "ru" for fact in result["cardFacts"])
    assert "Asia/Baku" in result["cardFacts"]  # times in the console are the customer's (the policy's)

    # The customer's HTML is shown as text and ran nothing.
    assert result["xss"] == {"ran": False, "images": 0, "scripts": 0}
    lines = result["agentLines"]
    assert {"role": "user", "text": XSS, "state": None} in lines
    agent_lines = [line for line in lines if line["role"] == "agent"]
    assert [line["text"] for line in agent_lines] == [
        "Здравствуйте! Меня зовут Алиса, я помогу.",
        "Спасибо! Сейчас вас вернёт помощник, он запишет остальное.",
    ]
    assert all(line["state"] == "delivered ✓" for line in agent_lines)
    # Live both ways: well under a second on this machine (the widget adds its own delay).
    assert result["timings"]["customerToAgentMs"] < 1500, result["timings"]
    assert result["timings"]["agentToCustomerMs"] < 2500, result["timings"]

    # Back with the bot: it asks for the phone again, and the customer finishes.
    assert result["afterReturn"], "the bot said nothing after the return"
    assert "back with the bot" in result["agentSubAfterReturn"]
    assert result["tracking_number"], result["lastReplies"]
    record = s.complaint(result["tracking_number"])
    assert record["channel"] == "socketio" and record["full_name"] == NAME and record["phone"] == "+994501112233"
    assert "треснула дека" in record["complaint_text"]
    assert s.tracker(sender_of(result["session_id"]))["slots"]["tracking_number"] == result["tracking_number"]
    assert result["errors"] == [] and result["agentErrors"] == []

    transcript = httpx.get(
        f"{s.backend_url}/api/complaints/{result['tracking_number']}/transcript", headers=e2e_agents["bob"]
    ).json()
    assert XSS in [m["text"] for m in transcript if m["role"] == "user"]
    assert [m["text"] for m in transcript if m["role"] == "agent"] == [line["text"] for line in agent_lines]
    # The console showed the bot's questions after the return as well.
    assert len(result["agentLinesAfter"]) > len(lines)

    # The second customer: registered from the card by the agent.
    assert result["prefilledName"] == SECOND
    number = re.search(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", result["registeredView"]).group(0)
    pin = re.search(r"PIN (\d{6})", result["registeredView"]).group(1)
    assert result["prefilledReply"] == f"Ваша жалоба зарегистрирована. Номер: {number}, PIN: {pin}."
    assert any(number in text and pin in text for text in result["secondGot"]), result["secondGot"]
    assert "acknowledged" in result["afterStatus"]
    # The double click on "register" sent one Idempotency-Key: one complaint of this customer.
    listed = httpx.get(f"{s.backend_url}/api/complaints", params={"q": SECOND}, headers=e2e_agents["bob"]).json()
    assert [c["tracking_number"] for c in listed] == [number]
    second = s.complaint(number)
    assert second["channel"] == "socketio" and second["full_name"] == SECOND and second["phone"] == "+994552223344"
    assert second["status"] == "acknowledged" and second["conversation_id"] == sender_of(result["second_session_id"])
    assert [(h["status"], h["actor"]) for h in second["history"]] == [
        ("registered", "alice"),
        ("acknowledged", "alice"),
    ]
    transcript = httpx.get(f"{s.backend_url}/api/complaints/{number}/transcript", headers=e2e_agents["bob"]).json()
    sent = [m["text"] for m in transcript if m["role"] == "agent"]
    assert sent == [f"Ваша жалоба зарегистрирована. Номер: {number}, PIN: ••••••."]
    tracker = s.tracker(sender_of(result["second_session_id"]))
    assert not tracker["paused"] and tracker["slots"]["tracking_number"] == number
    assert not (tracker.get("active_loop") or {}).get("name"), "the form would ask for the complaint again"
